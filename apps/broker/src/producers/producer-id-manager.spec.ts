import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '@tributary/testing';
import { ProducerIdManager } from './producer-id-manager';

describe('ProducerIdManager', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = makeTempDir('producer-ids-');
  });
  afterEach(() => removeDir(dataDir));

  it('never hands out an id twice across restarts, even when the previous run died mid-block', () => {
    const first = new ProducerIdManager(dataDir, 10);
    const a = Array.from({ length: 13 }, () => first.allocate());
    expect(a).toEqual(Array.from({ length: 13 }, (_, i) => i));
    // The run "crashes" here: ids 13..19 of its reserved block were never used and are skipped.
    const second = new ProducerIdManager(dataDir, 10);
    const b = [second.allocate(), second.allocate()];
    expect(b).toEqual([20, 21]);
    expect(JSON.parse(readFileSync(join(dataDir, '__metadata', 'producer-ids.json'), 'utf8'))).toEqual({
      version: 1,
      nextBlockStart: 30,
    });
  });

  it('refuses a damaged block file with a message naming it', () => {
    mkdirSync(join(dataDir, '__metadata'));
    writeFileSync(join(dataDir, '__metadata', 'producer-ids.json'), '{"version":1,"nextBlockStart":-4}');
    expect(() => new ProducerIdManager(dataDir)).toThrow(/producer-ids\.json holds .* expected/);
  });
});
