// One-number checkpoint files (log start offset, cleaner position), replaced atomically.
import * as fs from 'node:fs';
import { writeFileAtomic } from './file-io';

export function readCheckpoint(file: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(
      `checkpoint file ${file} holds ${JSON.stringify(text)}, not an offset; delete it to rebuild it`,
    );
  }
  return value;
}

export function writeCheckpoint(file: string, value: number): void {
  writeFileAtomic(file, `${value}\n`);
}
