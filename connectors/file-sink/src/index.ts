import { defineConnector } from '@tributary/connect-sdk';
import { fileSinkConfig } from './config';
import { FileSinkTask } from './file-sink-task';

export { fileSinkConfig, type FileSinkConfig } from './config';
export { FileSinkTask } from './file-sink-task';

export const fileSink = defineConnector({
  name: 'file-sink',
  kind: 'sink',
  version: '0.1.0',
  summary: 'Appends records to a JSON-lines file, exactly once per record across restarts and redeliveries.',
  description: [
    'Writes one JSON line per record to `path`: the value (`format: value`) or an envelope with topic, partition,',
    'offset, key, value and headers (`format: envelope`). Buffer values are written as UTF-8 text.',
    '',
    '**No duplicates.** Each flush writes the buffered lines, fsyncs the file and then atomically replaces the',
    'checkpoint `<path>.checkpoint.json` = `{ size, next: {"topic/partition": nextOffset}, sources: {"<source.id>":',
    'highestPosition} }`. On start the file is cut back to `size` (lines after the last flush are redelivered), and',
    'records below `next` for their partition are skipped. Records carrying `source.id`/`source.position` headers',
    '(as file-source sends) are also skipped when that source position was already written, so lines a restarted',
    'source sent twice appear once.',
    '',
    'A file that exists without a checkpoint is kept as it is and appended to. If the file becomes shorter than',
    'its checkpoint, the task refuses to start; delete the checkpoint to begin again.',
  ].join('\n'),
  config: fileSinkConfig,
  example: { path: '/var/lib/tributary/out/orders.jsonl' },
  createTask: () => new FileSinkTask(),
});
