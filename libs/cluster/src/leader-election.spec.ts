import { electLeader, uncleanElectionEnabled } from './leader-election';

describe('electLeader', () => {
  const live = (ids: number[]) => (id: number) => ids.includes(id);

  it('picks the first live ISR member in replica order', () => {
    expect(electLeader({ replicas: [1, 2, 3], isr: [3, 2] }, live([2, 3]), false)).toEqual({
      leader: 2,
      isr: [3, 2],
      unclean: false,
    });
  });

  it('never picks a live replica outside the ISR when unclean election is off', () => {
    expect(electLeader({ replicas: [1, 2, 3], isr: [1] }, live([2, 3]), false)).toEqual({
      leader: -1,
      isr: [1],
      unclean: false,
    });
  });

  it('with unclean election on, a live out-of-sync replica leads alone', () => {
    expect(electLeader({ replicas: [1, 2, 3], isr: [1] }, live([3]), true)).toEqual({
      leader: 3,
      isr: [3],
      unclean: true,
    });
  });

  it('reads the per-topic setting, off by default', () => {
    expect(uncleanElectionEnabled({})).toBe(false);
    expect(uncleanElectionEnabled({ 'unclean.leader.election.enable': 'false' })).toBe(false);
    expect(uncleanElectionEnabled({ 'unclean.leader.election.enable': 'true' })).toBe(true);
  });
});
