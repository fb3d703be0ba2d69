import { appendFileSync, copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decideCreateTopic,
  decideRegisterBroker,
  decideUnfenceBroker,
  type MetadataRecord,
} from '@tributary/cluster';
import { makeTempDir, removeDir } from '@tributary/testing';
import { MetadataLog } from './metadata-log';
import { MetadataStore } from './metadata-store';

describe('metadata log and store', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('tributary-metalog-');
  });
  afterEach(() => removeDir(dir));

  const open = (snapshotEvery = 1000, retainEntries = 1000) =>
    MetadataStore.open(dir, { snapshotEvery, retainEntries });

  /** Commits a small cluster: init, 3 brokers registered and unfenced, topic "t" with RF 3. */
  function populate(store: MetadataStore): void {
    store.commit([{ type: 'InitCluster', clusterId: 'c1' }]);
    for (const id of [1, 2, 3]) {
      store.commit(decideRegisterBroker(store.state, { nodeId: id, host: 'h', port: id }).records);
      store.commit(decideUnfenceBroker(store.state, id));
    }
    store.commit(
      decideCreateTopic(store.state, { name: 't', numPartitions: 2, replicationFactor: 3 }, 'tid'),
    );
  }

  it('recovers exactly the committed state after a reopen', () => {
    const a = open();
    populate(a);
    const before = a.state.toSnapshot();
    a.close();
    const b = open();
    expect(b.state.toSnapshot()).toEqual(before);
    expect(b.recoveredTornBytes).toBe(0);
    b.close();
  });

  it('cuts a torn last write and keeps appending after it', () => {
    const a = open();
    populate(a);
    const before = a.state.toSnapshot();
    a.close();
    const log = join(dir, 'metadata.log');
    const good = statSync(log).size;
    // A crash in the middle of writing the next line: half a line, no newline.
    appendFileSync(log, '1234abcd {"offset":9,"records":[{"type":"Delete');
    const b = open();
    expect(b.state.toSnapshot()).toEqual(before);
    expect(b.recoveredTornBytes).toBeGreaterThan(0);
    expect(statSync(log).size).toBe(good);
    b.commit(decideRegisterBroker(b.state, { nodeId: 4, host: 'h', port: 4 }).records);
    b.close();
    const c = open();
    expect(c.state.broker(4)).toBeDefined();
    expect(c.state.offset).toBe(before.offset + 1);
    c.close();
  });

  it('cuts a whole last line whose checksum does not match (zero-filled or bit-flipped sector)', () => {
    const a = open();
    populate(a);
    const offsetBefore = a.state.offset;
    a.commit([{ type: 'DeleteTopic', topicId: 'tid', name: 't' }]);
    a.close();
    const log = join(dir, 'metadata.log');
    const text = readFileSync(log, 'utf8');
    writeFileSync(log, text.replace(/"DeleteTopic"/, '"DeleteTopix"'));
    const b = open();
    expect(b.state.offset).toBe(offsetBefore);
    expect(b.state.topic('t')).toBeDefined();
    b.close();
  });

  it('refuses to start when a bad line is followed by good ones, instead of dropping them', () => {
    const a = open();
    populate(a);
    a.close();
    const log = join(dir, 'metadata.log');
    const lines = readFileSync(log, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"RegisterBroker"', '"RegisterBrokex"');
    writeFileSync(log, lines.join('\n'));
    expect(() => MetadataLog.open(dir)).toThrow(/corrupt at byte \d+ and valid entries follow/);
  });

  it('snapshots every N entries, empties the log, and recovers from snapshot + tail', () => {
    const a = open(4);
    populate(a); // 8 entries: snapshot at 4 and 8
    expect(statSync(join(dir, 'metadata.log')).size).toBe(0);
    a.commit(decideRegisterBroker(a.state, { nodeId: 9, host: 'h', port: 9 }).records);
    const before = a.state.toSnapshot();
    a.close();
    const b = open(4);
    expect(b.state.toSnapshot()).toEqual(before);
    b.close();
  });

  it('recovers when a crash came between writing the snapshot and emptying the log', () => {
    const a = open(1000);
    populate(a);
    a.close();
    const log = join(dir, 'metadata.log');
    copyFileSync(log, join(dir, 'old.log'));
    const b = open(1); // the next commit snapshots and empties the log
    b.commit(decideRegisterBroker(b.state, { nodeId: 5, host: 'h', port: 5 }).records);
    const before = b.state.toSnapshot();
    b.close();
    copyFileSync(join(dir, 'old.log'), log); // as if the log was never emptied
    writeFileSync(join(dir, 'snapshot.json.tmp'), 'half a snapsh');
    const c = open();
    expect(c.state.toSnapshot()).toEqual(before);
    c.close();
  });

  it('refuses a snapshot whose checksum fails', () => {
    const a = open(2);
    populate(a);
    a.close();
    const snap = join(dir, 'snapshot.json');
    writeFileSync(snap, readFileSync(snap, 'utf8').replace('"c1"', '"c2"'));
    expect(() => MetadataLog.open(dir)).toThrow(/fails its checksum/);
  });

  it('does not write or apply records that do not fit the state', () => {
    const a = open();
    populate(a);
    const size = statSync(join(dir, 'metadata.log')).size;
    const bad: MetadataRecord[] = [
      { type: 'DeleteTopic', topicId: 'tid', name: 't' },
      { type: 'DeleteTopic', topicId: 'tid', name: 't' },
    ];
    expect(() => a.commit(bad)).toThrow(/unknown topic id/);
    expect(a.state.topic('t')).toBeDefined();
    expect(statSync(join(dir, 'metadata.log')).size).toBe(size);
    a.close();
  });

  it('answers deltas from retained entries and null when a reader is too far behind or ahead', () => {
    const a = open(1000, 3);
    populate(a); // offsets 1..8, retains 6..8
    expect(a.entriesAfter(8, 10)).toEqual([]);
    expect(a.entriesAfter(5, 10)!.map((e) => e.offset)).toEqual([6, 7, 8]);
    expect(a.entriesAfter(5, 2)!.map((e) => e.offset)).toEqual([6, 7]);
    expect(a.entriesAfter(4, 10)).toBeNull();
    expect(a.entriesAfter(9, 10)).toBeNull();
    a.close();
  });
});
