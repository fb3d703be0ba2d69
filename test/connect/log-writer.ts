import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The lines the writer emits: unique, ordered, some long, some with characters JSON must escape. */
export function logLine(i: number): string {
  const pad = String(i).padStart(6, '0');
  const extra =
    i % 97 === 0 ? ` ${'x'.repeat(600)}` : i % 13 === 0 ? ' quote " backslash \\ tab \t unicode é✓' : '';
  return `${pad} level=info msg="request handled" user=u${i % 1000}${extra}`;
}

/**
 * Appends `total` lines to `<dir>/app.log` in chunks, rotating by rename at one third (app.log -> app.log.1, new
 * app.log) and by copy-truncate at two thirds (app.log copied to app.log.2, then truncated), like logrotate's
 * two modes. Between the copy and the truncate nothing is written: lines written there are lost by any tailer
 * (logrotate documents it), and the test is about the tailer, not about that window.
 */
export async function writeLogWithRotations(
  dir: string,
  total: number,
  chunk = 500,
  pauseMs = 2,
): Promise<string[]> {
  const path = join(dir, 'app.log');
  writeFileSync(path, '');
  const written: string[] = [];
  const rotateAt = Math.floor(total / 3);
  const copyTruncateAt = Math.floor((2 * total) / 3);
  for (let i = 1; i <= total;) {
    const end = Math.min(total, i + chunk - 1);
    const lines: string[] = [];
    for (; i <= end; i++) lines.push(logLine(i));
    appendFileSync(path, `${lines.join('\n')}\n`);
    written.push(...lines);
    if (end === rotateAt) {
      renameSync(path, join(dir, 'app.log.1'));
      writeFileSync(path, '');
    }
    if (end === copyTruncateAt) {
      copyFileSync(path, join(dir, 'app.log.2'));
      truncateSync(path, 0);
    }
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  return written;
}
