import type { ConnectWorker } from './connect-worker';
import { ConnectRequestError } from './connect-request-error';

interface OffsetEntry {
  partition: Record<string, unknown>;
  offset: Record<string, unknown> | null;
}

/** KIP-875 offsets of a connector: source positions from the offsets topic, sink positions from its group. */
export async function getOffsets(worker: ConnectWorker, name: string): Promise<{ offsets: OffsetEntry[] }> {
  const r = worker.runner(name);
  if (r.def.kind === 'source') {
    return {
      offsets: worker.offsets
        .positions(name)
        .map((p) => ({ partition: { ...p.partition }, offset: { ...p.offset } })),
    };
  }
  const groupId = `${worker.settings.groupPrefix}${name}`;
  const topics = r.spec.topicsRegex ? undefined : r.spec.topics;
  const res = await worker.kafka.admin.fetchOffsets({ groupId, ...(topics ? { topics } : {}) });
  const offsets: OffsetEntry[] = [];
  for (const t of res) {
    for (const p of t.partitions) {
      if (Number(p.offset) < 0) continue;
      offsets.push({
        partition: { kafka_topic: t.topic, kafka_partition: p.partition },
        offset: { kafka_offset: Number(p.offset) },
      });
    }
  }
  return { offsets };
}

function requireStopped(worker: ConnectWorker, name: string) {
  const r = worker.runner(name);
  if (r.targetState !== 'STOPPED') {
    throw new ConnectRequestError(
      409,
      `connector ${name} must be STOPPED to change its offsets; PUT /connectors/${name}/stop first`,
    );
  }
  return r;
}

/** Sets (or, with offset null, forgets) chosen offsets; the connector must be STOPPED. */
export async function patchOffsets(
  worker: ConnectWorker,
  name: string,
  body: unknown,
): Promise<{ message: string }> {
  const r = requireStopped(worker, name);
  const list = (body as { offsets?: unknown })?.offsets;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConnectRequestError(
      400,
      'expected {"offsets": [{"partition": {...}, "offset": {...} | null}, ...]}',
    );
  }
  for (const e of list as OffsetEntry[]) {
    if (
      typeof e?.partition !== 'object' ||
      e.partition === null ||
      (e.offset !== null && typeof e.offset !== 'object')
    ) {
      throw new ConnectRequestError(
        400,
        `each entry needs a "partition" object and an "offset" object or null; got ${JSON.stringify(e)}`,
      );
    }
  }
  const entries = list as OffsetEntry[];
  if (r.def.kind === 'source') {
    await worker.offsets.write(
      name,
      entries.map((e) => ({ partition: e.partition as Record<string, string | number>, offset: e.offset })),
    );
    return { message: `The offsets of source connector ${name} have been altered` };
  }
  const groupId = `${worker.settings.groupPrefix}${name}`;
  for (const e of entries) {
    const topic = e.partition.kafka_topic;
    const partition = e.partition.kafka_partition;
    const offset = e.offset?.kafka_offset;
    if (typeof topic !== 'string' || typeof partition !== 'number' || typeof offset !== 'number') {
      throw new ConnectRequestError(
        400,
        'sink offsets look like {"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": {"kafka_offset": 42}}; to reset them all use DELETE',
      );
    }
    await worker.kafka.admin.setOffsets({
      groupId,
      topic,
      partitions: [{ partition, offset: String(offset) }],
    });
  }
  return { message: `The offsets of sink connector ${name} have been altered` };
}

/** Forgets every offset, so the connector starts from scratch when resumed; it must be STOPPED. */
export async function deleteOffsets(worker: ConnectWorker, name: string): Promise<{ message: string }> {
  const r = requireStopped(worker, name);
  if (r.def.kind === 'source') {
    await worker.offsets.write(
      name,
      worker.offsets.positions(name).map((p) => ({ partition: p.partition, offset: null })),
    );
  } else {
    await worker.kafka.admin.deleteGroups([`${worker.settings.groupPrefix}${name}`]).catch((e: Error) => {
      if (!/does not exist|GROUP_ID_NOT_FOUND/i.test(e.message)) throw e;
    });
  }
  return { message: `The offsets of connector ${name} have been reset` };
}
