import { defineConnector } from '@tributary/connect-sdk';
import { redisSinkConfig } from './config';

export { redisSinkConfig, type RedisSinkConfig } from './config';

export const redisSink = defineConnector({
  name: 'redis-sink',
  kind: 'sink',
  version: '0.1.0',
  summary:
    'Writes records to Redis as hashes, JSON strings, stream entries, pub/sub messages or BullMQ jobs.',
  description: [
    'Understands Debezium envelopes (`{before, after, source, op}`, as postgres-source sends): with `unwrap` it',
    'writes `after`, and an op "d" event or a tombstone deletes the key. Other values are written as they are.',
    '',
    "**Modes.** `hash`: DEL + HSET in one Lua script per record, so the hash holds exactly the row's non-null",
    'columns (strings as they are, numbers and booleans as text, objects and arrays as JSON). `json`: SET the',
    'row as canonical JSON (keys sorted). Both DEL the key on a delete, and PEXPIRE it after a write with `ttl`.',
    "Neither replaces a key of another type (someone else's data): such a record fails with WRONGTYPE and goes",
    'to the errors policy. `stream`: XADD with fields `op`, `key` (JSON), `value` (JSON: the row; the old row',
    'for a delete) and `lsn` when known, capped by `stream.maxlen`. `pubsub`: PUBLISH `{topic, op, key, value,',
    'lsn}` as JSON. `bullmq`: one job per event on `queue`, named after the topic, data `{topic, op, key, value,',
    'lsn}`. In the event modes (stream, pubsub, bullmq) a tombstone is not an event when `unwrap` is on (the',
    'delete event before it is); with `unwrap` off every record is an event, a tombstone as op "d" with value',
    'null. A truncate event (op "t") is an event too, but is ignored with a warning in hash and json modes.',
    '',
    '**Order.** Each put goes out as pipelines of `batch.size` commands in record order, and every reply is',
    'checked: a set, a delete and a set of one key end with the key set. An error reply for one record (e.g.',
    'WRONGTYPE) sends that record to the errors policy and the others are written; connection errors, timeouts',
    'and LOADING/BUSY/READONLY/OOM replies fail the put with a retriable error.',
    '',
    '**Idempotence.** hash and json converge under redelivery: later records overwrite earlier ones, and a',
    'replay re-applies the same sequence in order. For records with a `source.lsn` header (or an envelope',
    '`source.lsn`), `lsn.guard` also stores the last LSN written per key in the hash `tributary:lsn:<connector>`',
    'and skips, atomically in the same script, a write or delete whose LSN is lower, so a change a crashed',
    'source re-sends after newer ones cannot roll a key back. The header (postgres-source) is the commit LSN, which',
    "orders every change of a key, snapshot reads included. Without it the envelope's change LSN is used, and then",
    'snapshot reads (op "r") are checked against the stored LSN but do not raise it. The side hash keeps one field per key ever',
    'written (deleted and expired keys included, so a stale replay cannot resurrect them). BullMQ job ids are',
    '`<topic>-<lsn>-<op>-<key hash>[-<change lsn>]` with an LSN, else `<topic>-<partition>-<offset>`, and BullMQ ignores an add',
    'whose id exists, so redelivery adds no duplicate job while the first one is kept (BullMQ keeps completed',
    'jobs unless the queue is told to remove them). stream is at-least-once: a redelivery after a crash',
    'appends again (consumers can dedupe on `lsn` + `key` + `op`). pubsub is at-most-once for subscribers that',
    'are not connected, and at-least-once for those that are.',
    '',
    '**Durability.** A flush resolves once Redis acknowledged every command; the consumer offsets are committed',
    'after that. What Redis keeps after its own crash depends on its persistence: with `appendfsync everysec`,',
    'about the last second of acknowledged writes can be lost on a power or OS failure. A single server only:',
    'Redis Cluster is not supported (the LSN guard touches the data key and the side hash in one script).',
  ].join('\n'),
  config: redisSinkConfig,
  example: { url: 'redis://cache:6379', mode: 'hash', key: 'orders:{{key}}' },
  // Loaded on first use: every CLI command imports the connector registry, and ioredis and bullmq (~25 MB) would
  // weigh on each of them (and on a worker that never runs this connector).
  createTask: () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { RedisSinkTask } = require('./redis-sink-task') as typeof import('./redis-sink-task');
    return new RedisSinkTask();
  },
});
