import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { SinkConnectorDefinition } from '../define-connector';
import type { SinkRecord, TopicPartitionOffsets } from '../records';
import type { SinkTask } from '../tasks';
import { validateConfig } from '../validate-config';
import { describeConfigCases } from './config-cases';
import { fakeSinkContext } from './fake-context';
import { InMemoryTopics } from './in-memory-topics';
import type { SinkFixture } from './fixtures';

const TOPIC = 'acceptance';

/** Records `from`..`to-1` of one topic partition, as the framework would deliver them. */
export function sinkRecords(from: number, to: number): SinkRecord[] {
  const out: SinkRecord[] = [];
  for (let i = from; i < to; i++) {
    out.push({
      topic: TOPIC,
      partition: 0,
      offset: i,
      key: `k${i}`,
      value: { id: i, text: `record ${i}` },
      headers: {},
      timestamp: 1_700_000_000_000 + i,
    });
  }
  return out;
}

/** The next offset per topic partition after these records: what `flush` receives. */
export function nextOffsets(records: readonly SinkRecord[]): TopicPartitionOffsets {
  const m = new Map<string, { topic: string; partition: number; offset: number }>();
  for (const r of records)
    m.set(`${r.topic}/${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  return m;
}

/**
 * The acceptance suite every sink connector runs: config validation, lifecycle, and idempotence under the
 * framework's redelivery (records after the last committed flush come again after a restart).
 */
export function describeSinkAcceptance<S extends z.ZodType>(
  def: SinkConnectorDefinition<S>,
  fixture: SinkFixture,
): void {
  describe(`${def.name} sink acceptance`, () => {
    let dir = '';
    let topics = new InMemoryTopics();
    const running: Array<SinkTask<z.output<S>>> = [];
    const errant: Array<{ record: SinkRecord; error: Error }> = [];

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), `${def.name}-acceptance-`));
      topics = new InMemoryTopics();
      errant.length = 0;
    });
    afterEach(async () => {
      for (const t of running.splice(0)) await t.stop();
      rmSync(dir, { recursive: true, force: true });
      expect(errant).toEqual([]);
    });

    const startTask = async (): Promise<SinkTask<z.output<S>>> => {
      const r = validateConfig(def.config, fixture.config(dir));
      if (!r.ok) throw new Error(`fixture config invalid: ${JSON.stringify(r.problems)}`);
      const task = def.createTask();
      running.push(task);
      await task.start(fakeSinkContext(def.name, r.value, errant, topics));
      return task;
    };
    /** Stops a task as a crash would leave it: whatever it did not flush is not committed. */
    const stopTask = async (task: SinkTask<z.output<S>>): Promise<void> => {
      running.splice(running.indexOf(task), 1);
      await task.stop();
    };
    const values = (records: readonly SinkRecord[]): unknown[] =>
      fixture.expectedOutput ? fixture.expectedOutput(records) : records.map((r) => r.value);
    const input = (from: number, to: number): SinkRecord[] =>
      fixture.records ? fixture.records(from, to) : sinkRecords(from, to);
    const output = () => fixture.readOutput(dir, topics);

    describeConfigCases(def.config, def.example, fixture.config, fixture.badConfigs);

    it('starts and stops; stopping twice or before any put is harmless', async () => {
      const task = await startTask();
      await task.stop();
      await task.stop();
    });

    it('writes what was put once flush resolves', async () => {
      const task = await startTask();
      const records = input(0, 10);
      await task.put(records);
      await task.flush(nextOffsets(records));
      expect(await output()).toEqual(values(records));
    });

    it('ignores a replay of flushed records after a restart', async () => {
      const records = input(0, 10);
      const first = await startTask();
      await first.put(records);
      await first.flush(nextOffsets(records));
      await stopTask(first);

      // The commit after that flush was lost: everything comes again.
      const second = await startTask();
      await second.put(records);
      await second.flush(nextOffsets(records));
      expect(await output()).toEqual(values(records));
    });

    it('keeps each record once when records put without a flush are redelivered', async () => {
      const records = input(0, 10);
      const first = await startTask();
      await first.put(records.slice(0, 5));
      await first.flush(nextOffsets(records.slice(0, 5)));
      await first.put(records.slice(5));
      await stopTask(first);

      const second = await startTask();
      await second.put(records.slice(5));
      await second.flush(nextOffsets(records));
      expect(await output()).toEqual(values(records));
    });

    it('keeps each record once when the redelivery starts before the last flush', async () => {
      const records = input(0, 10);
      const first = await startTask();
      await first.put(records.slice(0, 6));
      await first.flush(nextOffsets(records.slice(0, 6)));
      await first.put(records.slice(6, 8));
      await stopTask(first);

      const second = await startTask();
      await second.put(records.slice(3));
      await second.flush(nextOffsets(records));
      expect(await output()).toEqual(values(records));
    });
  });
}
