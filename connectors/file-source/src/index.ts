import { defineConnector } from '@tributary/connect-sdk';
import { fileSourceConfig } from './config';
import { FileSourceTask } from './file-source-task';

export { fileSourceConfig, type FileSourceConfig } from './config';
export { FileSourceTask } from './file-source-task';

export const fileSource = defineConnector({
  name: 'file-source',
  kind: 'source',
  version: '0.1.0',
  summary: 'Tails log files matched by globs: lines, JSON or regex-parsed, rotation and copy-truncate safe.',
  description: [
    'Reads the files matched by `paths` and sends one record per complete line (or per multi-line event) to `topic`.',
    'A trailing line without a newline waits until it is complete.',
    '',
    '**File identity.** A file is identified by a SHA-256 fingerprint of its first `fingerprint.bytes` bytes (fewer for',
    'a shorter file once it holds a complete line), not by its inode. The source partition is `{ fingerprint }` and the',
    'offset is `{ position, head }`: the byte offset after the last sent event and the number of bytes hashed. Offsets',
    'live in the framework; on restart each stored fingerprint is matched against the files on disk and reading',
    'resumes at its position, whatever the file is now called.',
    '',
    '**Rotation.** Renamed files (`app.log` → `app.log.1`) are read to their end through the open handle; the new',
    '`app.log` has a new fingerprint and is read from the start. With copy-truncate, the copy shares the original',
    "fingerprint, so it continues the original's position (never read twice) and the truncated file starts over",
    'with a fresh fingerprint. **Let the globs cover rotated names** (e.g. `app.log*`): a task stopped in the middle',
    'of a rotation can then find and finish the rotated file on restart.',
    '',
    '**Records.** Key = the fingerprint (one file stays in one partition, in order). Headers: `source.id` (fingerprint),',
    '`source.position` (byte offset where the event starts), `file.path`. With `format: json` or `regex`, a line that',
    'does not parse is sent as a failed record with the raw line as value, so the `errors` policy decides (DLQ or stop).',
    '',
    '**Limits.** Files beginning with the same `fingerprint.bytes` bytes (e.g. a fixed banner) are treated as one file;',
    'raise `fingerprint.bytes` past such headers. `read.from: end` applies only to files present at startup.',
  ].join('\n'),
  config: fileSourceConfig,
  example: { paths: ['/var/log/app/app.log*'], topic: 'app-logs', format: 'json' },
  createTask: () => new FileSourceTask(),
});
