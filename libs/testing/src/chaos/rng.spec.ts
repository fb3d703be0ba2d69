import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../temp-dir';
import { planFaults } from './faults';
import { HistoryRecorder, readHistoryFile } from './history-recorder';
import { Rng } from './rng';
import { SCENARIOS } from './scenarios';

const draw = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.int(0, 1_000_000));

describe('chaos Rng and plans', () => {
  it('repeats the same choices for the same seed and differs for another', () => {
    expect(draw(new Rng(42), 20)).toEqual(draw(new Rng(42), 20));
    expect(draw(new Rng(42), 20)).not.toEqual(draw(new Rng(43), 20));
    const r = new Rng(1);
    for (let i = 0; i < 1000; i++) {
      const x = r.int(3, 5);
      expect(x >= 3 && x <= 5).toBe(true);
    }
  });

  it('gives each fork its own stream, unaffected by how much the others drew', () => {
    const a = new Rng(9);
    const b = new Rng(9);
    const fa = a.fork('p0');
    draw(b.fork('p1'), 500); // another task drawing a lot first
    expect(draw(fa, 10)).toEqual(draw(b.fork('p0'), 10));
    expect(draw(new Rng(9).fork('p0'), 10)).not.toEqual(draw(new Rng(9).fork('p1'), 10));
  });

  it('draws every scenario plan from the seed alone', () => {
    const params = { durationMs: 30_000, faults: 6, producers: 2, clients: 'both' as const };
    for (const s of Object.values(SCENARIOS)) {
      const plan = s.plan(new Rng(5), params, 't');
      expect(plan).toHaveLength(6);
      expect(s.plan(new Rng(5), params, 't')).toEqual(plan);
      expect(s.plan(new Rng(6), params, 't')).not.toEqual(plan);
    }
    const plan = planFaults(new Rng(1), {
      kinds: ['kill9', 'pause'],
      count: 50,
      quietMs: [10, 20],
      faultMs: [0, 5],
      target: { node: 0 },
    });
    expect(new Set(plan.map((f) => f.kind))).toEqual(new Set(['kill9', 'pause']));
    expect(plan.every((f) => f.quietMs >= 10 && f.quietMs <= 20 && f.faultMs >= 0 && f.faultMs <= 5)).toBe(
      true,
    );
  });
});

describe('HistoryRecorder', () => {
  it('writes invoke and completion lines that read back as the same history', () => {
    const dir = makeTempDir('chaos-history-');
    try {
      const file = join(dir, 'history.jsonl');
      const h = new HistoryRecorder(file);
      const a = h.invoke({ f: 'send', process: 'p0', topic: 't', partition: 1, key: null, value: 'p0-0' });
      const b = h.invoke({ f: 'send', process: 'p1', topic: 't', partition: 2, key: null, value: 'p1-0' });
      b.info(new Error('request timed out'));
      a.ok({ offset: 7 });
      a.fail(new Error('ignored: already completed'));
      h.close();
      expect(existsSync(file)).toBe(true);
      const ops = readHistoryFile(file);
      expect(ops).toEqual(h.ops());
      expect(ops.map((o) => [o.index, o.ref, o.process, o.type])).toEqual([
        [0, 0, 'p0', 'invoke'],
        [1, 1, 'p1', 'invoke'],
        [2, 1, 'p1', 'info'],
        [3, 0, 'p0', 'ok'],
      ]);
      expect(ops[2]).toMatchObject({ error: 'Error: request timed out', value: 'p1-0' });
      expect(ops[3]).toMatchObject({ offset: 7, partition: 1 });
      expect(ops.every((o, i) => i === 0 || o.time >= ops[i - 1]!.time)).toBe(true);
    } finally {
      removeDir(dir);
    }
  });
});
