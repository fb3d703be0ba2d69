import type { z } from 'zod';
import type { SourceRecord } from '../records';
import type { SourceTask } from '../tasks';
import { validateConfig } from '../validate-config';
import { fakeSourceContext } from './fake-context';
import { InMemoryOffsetStore } from './offset-store';

/** A started source task with the offset store it resumes from, for connector unit tests. */
export interface DrivenSource<C> {
  task: SourceTask<C>;
  offsets: InMemoryOffsetStore;
  /** One poll. */
  poll(): Promise<SourceRecord[]>;
  /** Polls until a poll returns nothing (at most `maxPolls`); everything returned, in order. */
  drain(maxPolls?: number): Promise<SourceRecord[]>;
  /** Acks records as the framework would once the brokers acked them; their offsets become stored offsets. */
  ack(records: readonly SourceRecord[]): Promise<void>;
}

/** Validates `raw` against `schema` (defaults applied) and starts `task` on it with fake contexts. */
export async function startSource<S extends z.ZodType>(
  schema: S,
  raw: Record<string, unknown>,
  task: SourceTask<z.output<S>>,
  offsets = new InMemoryOffsetStore(),
): Promise<DrivenSource<z.output<S>>> {
  const r = validateConfig(schema, raw);
  if (!r.ok) throw new Error(`invalid config: ${JSON.stringify(r.problems)}`);
  await task.start(fakeSourceContext('test', r.value, offsets));
  const signal = new AbortController().signal;
  const poll = (): Promise<SourceRecord[]> => task.poll(signal);
  return {
    task,
    offsets,
    poll,
    drain: async (maxPolls = 100) => {
      const out: SourceRecord[] = [];
      for (let i = 0; i < maxPolls; i++) {
        const got = await poll();
        if (got.length === 0) break;
        out.push(...got);
      }
      return out;
    },
    ack: async (records) => {
      const positions = offsets.ack(records);
      if (task.commit) await task.commit(positions);
    },
  };
}
