import { ConnectorError } from '@tributary/connect-sdk';
import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * What the output file held at the last flush: its length, the next topic offset per `topic/partition`, and the
 * highest `source.position` written per `source.id`. Everything past `size` is unflushed and gets redelivered.
 */
export interface Checkpoint {
  size: number;
  next: Record<string, number>;
  sources: Record<string, number>;
}

const checkpointSchema = z.object({
  size: z.number().int().nonnegative(),
  next: z.record(z.string(), z.number().int()),
  sources: z.record(z.string(), z.number()),
});

export function checkpointPath(dataPath: string): string {
  return `${dataPath}.checkpoint.json`;
}

/** The checkpoint of `dataPath`, or null if it has none yet. */
export async function readCheckpoint(dataPath: string): Promise<Checkpoint | null> {
  const file = checkpointPath(dataPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConnectorError(
      `checkpoint ${file} is not valid JSON; it is written atomically, so something else changed it`,
      { cause: err },
    );
  }
  const r = checkpointSchema.safeParse(parsed);
  if (!r.success)
    throw new ConnectorError(
      `checkpoint ${file} is malformed: ${r.error.issues[0]?.message ?? 'unknown shape'}`,
    );
  return r.data;
}

/** Replaces the checkpoint atomically: a crash leaves either the old or the new one, never half of one. */
export async function writeCheckpoint(dataPath: string, cp: Checkpoint, fsync: boolean): Promise<void> {
  const file = checkpointPath(dataPath);
  const tmp = `${file}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(JSON.stringify(cp));
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  if (fsync) await syncDir(dirname(file));
}

/** Makes a rename durable. Some platforms cannot fsync a directory; there the rename is as durable as it gets. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // EISDIR/EPERM on platforms without directory fsync.
  } finally {
    await handle.close();
  }
}
