import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { SourceConnectorDefinition } from '../define-connector';
import type { SourceRecord } from '../records';
import type { SourceTask } from '../tasks';
import { validateConfig } from '../validate-config';
import { describeConfigCases } from './config-cases';
import { fakeSourceContext } from './fake-context';
import type { SourceFixture } from './fixtures';
import { InMemoryOffsetStore } from './offset-store';

/** Polls are allowed to wait about a second each; tests bound the number of polls, never the time. */
const MAX_POLLS = 40;
const TEST_TIMEOUT_MS = 120_000;

/**
 * The acceptance suite every source connector runs: config validation, lifecycle, exactly-the-rest resume from
 * framework-stored offsets, and input written while nobody polled. No broker: offsets live in memory.
 */
export function describeSourceAcceptance<S extends z.ZodType>(
  def: SourceConnectorDefinition<S>,
  fixture: SourceFixture,
): void {
  describe(`${def.name} source acceptance`, () => {
    let dir = '';
    const running: Array<SourceTask<z.output<S>>> = [];

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), `${def.name}-acceptance-`));
    });
    afterEach(async () => {
      for (const t of running.splice(0)) await t.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const startTask = async (offsets: InMemoryOffsetStore): Promise<SourceTask<z.output<S>>> => {
      const r = validateConfig(def.config, fixture.config(dir));
      if (!r.ok) throw new Error(`fixture config invalid: ${JSON.stringify(r.problems)}`);
      const task = def.createTask();
      running.push(task);
      await task.start(fakeSourceContext(def.name, r.value, offsets));
      return task;
    };

    /** Polls until at least `n` records arrived (or the poll budget is spent). */
    const pollUntil = async (task: SourceTask<unknown>, n: number): Promise<SourceRecord[]> => {
      const got: SourceRecord[] = [];
      const signal = new AbortController().signal;
      for (let i = 0; i < MAX_POLLS && got.length < n; i++) got.push(...(await task.poll(signal)));
      return got;
    };

    const ids = (records: readonly SourceRecord[]): string[] => records.map((r) => JSON.stringify(r.value));

    const ack = async (
      task: SourceTask<unknown>,
      offsets: InMemoryOffsetStore,
      records: readonly SourceRecord[],
    ) => {
      const positions = offsets.ack(records);
      if (task.commit) await task.commit(positions);
    };

    describeConfigCases(def.config, def.example, fixture.config, fixture.badConfigs);

    it('starts and stops; stopping twice or before any poll is harmless', async () => {
      const task = await startTask(new InMemoryOffsetStore());
      await task.stop();
      await task.stop();
    });

    it(
      'reads every input item exactly once, with JSON-able offsets',
      async () => {
        await fixture.writeInput(dir, 5);
        const task = await startTask(new InMemoryOffsetStore());
        const got = await pollUntil(task, 5);
        expect(got).toHaveLength(5);
        expect(new Set(ids(got)).size).toBe(5);
        for (const r of got) {
          expect(r.failure).toBeUndefined();
          expect(JSON.parse(JSON.stringify(r.sourcePartition))).toEqual(r.sourcePartition);
          expect(JSON.parse(JSON.stringify(r.sourceOffset))).toEqual(r.sourceOffset);
        }
        expect(await task.poll(new AbortController().signal)).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'resumes from stored offsets with no gap and no duplicate',
      async () => {
        await fixture.writeInput(dir, 10);
        const offsets = new InMemoryOffsetStore();
        const first = await startTask(offsets);
        const k = 4;
        const seen = (await pollUntil(first, k)).slice(0, k);
        expect(seen).toHaveLength(k);
        await ack(first, offsets, seen);
        await first.stop();

        const second = await startTask(offsets);
        const rest = await pollUntil(second, 10 - k);
        const all = ids([...seen, ...rest]);
        expect(all).toHaveLength(10);
        expect(new Set(all).size).toBe(10);
        expect(await second.poll(new AbortController().signal)).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'delivers input written while no poll ran (paused), once',
      async () => {
        await fixture.writeInput(dir, 3);
        const offsets = new InMemoryOffsetStore();
        const task = await startTask(offsets);
        const before = await pollUntil(task, 3);
        await ack(task, offsets, before);
        await fixture.writeInput(dir, 4);
        await fixture.writeInput(dir, 2);
        const after = await pollUntil(task, 6);
        const all = ids([...before, ...after]);
        expect(all).toHaveLength(9);
        expect(new Set(all).size).toBe(9);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
