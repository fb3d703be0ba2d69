import { NO_LEADER, type PartitionState } from './metadata-records';

export interface Election {
  leader: number;
  isr: number[];
  /** True when the leader came from outside the ISR (committed data may be lost). */
  unclean: boolean;
}

/**
 * Picks a leader for a partition: the first replica (preference order) that is in the ISR and live. Only with
 * unclean election enabled may a live replica outside the ISR lead, and then it becomes the whole ISR. With
 * no candidate the partition has no leader (-1) and keeps its ISR, so the last in-sync replica can lead again
 * when it comes back.
 */
export function electLeader(
  p: Pick<PartitionState, 'replicas' | 'isr'>,
  isLive: (nodeId: number) => boolean,
  uncleanAllowed: boolean,
): Election {
  const clean = p.replicas.find((r) => p.isr.includes(r) && isLive(r));
  if (clean !== undefined) return { leader: clean, isr: [...p.isr], unclean: false };
  if (uncleanAllowed) {
    const any = p.replicas.find(isLive);
    if (any !== undefined) return { leader: any, isr: [any], unclean: true };
  }
  return { leader: NO_LEADER, isr: [...p.isr], unclean: false };
}

/** Per-topic `unclean.leader.election.enable`; off unless set to "true". */
export function uncleanElectionEnabled(configs: Readonly<Record<string, string>>): boolean {
  return configs['unclean.leader.election.enable'] === 'true';
}
