/**
 * Records of the internal compacted topic `__consumer_offsets`.
 *
 * Keys follow Kafka's layout so compaction keeps exactly one record per logical key:
 *   offset commit:  int16 version=1, string group, string topic, int32 partition
 *   group metadata: int16 version=2, string group
 * (string = int16 byte length + UTF-8). Values are UTF-8 JSON documents of our own (below), versioned by a
 * `v` field; a null value is a tombstone that deletes the key.
 */

export const OFFSETS_TOPIC = '__consumer_offsets';

const OFFSET_KEY_VERSION = 1;
const GROUP_KEY_VERSION = 2;

export interface OffsetKey {
  kind: 'offset';
  group: string;
  topic: string;
  partition: number;
}

export interface GroupKey {
  kind: 'group';
  group: string;
}

export interface StoredOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** Metadata of the member for the group's selected protocol, base64. */
  subscription: string;
  /** Assignment from the last SyncGroup, base64. */
  assignment: string;
}

export interface StoredGroup {
  protocolType: string | null;
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  /** When the group last changed state (Empty groups expire their offsets from here). */
  stateTimestamp: number;
  members: StoredMember[];
}

export interface StoreRecord {
  key: Buffer;
  value: Buffer | null;
}

function stringSize(s: string): number {
  return 2 + Buffer.byteLength(s, 'utf8');
}

function writeString(buf: Buffer, at: number, s: string): number {
  const len = buf.write(s, at + 2, 'utf8');
  buf.writeInt16BE(len, at);
  return at + 2 + len;
}

export function offsetKey(group: string, topic: string, partition: number): Buffer {
  const buf = Buffer.alloc(2 + stringSize(group) + stringSize(topic) + 4);
  buf.writeInt16BE(OFFSET_KEY_VERSION, 0);
  let at = writeString(buf, 2, group);
  at = writeString(buf, at, topic);
  buf.writeInt32BE(partition, at);
  return buf;
}

export function groupKey(group: string): Buffer {
  const buf = Buffer.alloc(2 + stringSize(group));
  buf.writeInt16BE(GROUP_KEY_VERSION, 0);
  writeString(buf, 2, group);
  return buf;
}

/** Parses a key; null for versions this broker does not know (skipped on replay). */
export function parseKey(key: Buffer): OffsetKey | GroupKey | null {
  let at = 0;
  const str = (): string => {
    const len = key.readInt16BE(at);
    if (len < 0 || at + 2 + len > key.length)
      throw new RangeError(`string of ${len} bytes runs past the key end`);
    const s = key.toString('utf8', at + 2, at + 2 + len);
    at += 2 + len;
    return s;
  };
  const version = key.readInt16BE(0);
  at = 2;
  if (version === 0 || version === OFFSET_KEY_VERSION) {
    const group = str();
    const topic = str();
    return { kind: 'offset', group, topic, partition: key.readInt32BE(at) };
  }
  if (version === GROUP_KEY_VERSION) return { kind: 'group', group: str() };
  return null;
}

export function offsetValue(v: StoredOffset): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ...v }), 'utf8');
}

export function groupValue(g: StoredGroup): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ...g }), 'utf8');
}

export function parseOffsetValue(value: Buffer): StoredOffset {
  const o = JSON.parse(value.toString('utf8')) as StoredOffset & { v: number };
  return {
    offset: o.offset,
    leaderEpoch: o.leaderEpoch,
    metadata: o.metadata,
    commitTimestamp: o.commitTimestamp,
  };
}

export function parseGroupValue(value: Buffer): StoredGroup {
  const g = JSON.parse(value.toString('utf8')) as StoredGroup & { v: number };
  return {
    protocolType: g.protocolType,
    generationId: g.generationId,
    protocolName: g.protocolName,
    leaderId: g.leaderId,
    stateTimestamp: g.stateTimestamp,
    members: g.members ?? [],
  };
}

/** Java's String.hashCode over UTF-16 code units, as Kafka computes it for group ids. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The `__consumer_offsets` partition that holds a group (Kafka: Utils.abs(hashCode) % partitions). */
export function partitionForGroup(group: string, partitions: number): number {
  const h = javaStringHash(group);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitions;
}
