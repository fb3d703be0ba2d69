import type { SinkRecord } from '@tributary/connect-sdk';
import type { ChainableCommander } from 'ioredis';
import { canonicalJson, redisText } from './canonical';
import type { Change } from './change';
import { keyTemplateOf, type RedisSinkConfig } from './config';
import { parseTemplate, renderTemplate, type ParsedTemplate } from './template';

/** One record's command, queued on a pipeline in record order. */
export type Planned =
  | { kind: 'write'; key: string; lsnKey: string; args: Array<string | Buffer> }
  | { kind: 'xadd'; key: string; args: Array<string | Buffer> }
  | { kind: 'publish'; channel: string; message: string };

/** Why a record needs no command; counted in the task status. */
export type Skip = 'tombstone-event' | 'truncate' | 'unrenderable-tombstone';

/** The event that stream, pub/sub and BullMQ carry: one per change. */
export interface ChangeEvent {
  topic: string;
  op: string;
  key: unknown;
  value: unknown;
  lsn: string | null;
}

export function eventOf(record: SinkRecord, change: Change): ChangeEvent {
  return { topic: record.topic, op: change.op, key: change.key ?? null, value: change.row, lsn: change.lsn };
}

function compile(text: string): ParsedTemplate {
  const r = parseTemplate(text);
  if (!r.ok) throw new Error(r.error); // validated by the config spec already
  return r.value;
}

/** Turns changes into Redis commands for the hash, json, stream and pubsub modes. */
export class Planner {
  private readonly key: ParsedTemplate;
  private readonly channel: ParsedTemplate;
  private readonly ttl: string;

  constructor(
    private readonly config: RedisSinkConfig,
    /** The side hash holding the last LSN written per key. */
    private readonly lsnKey: string,
  ) {
    this.key = compile(keyTemplateOf(config));
    this.channel = config.channel ? compile(config.channel) : this.key;
    this.ttl = String(config.ttl ?? 0);
  }

  /** The command for one record, or why there is none. Throws (for the errors policy) on an unusable record. */
  plan(record: SinkRecord, change: Change): Planned | Skip {
    const { mode } = this.config;
    const eventMode = mode === 'stream' || mode === 'pubsub';
    // With unwrap, a tombstone follows the delete event that already carried the delete.
    if (eventMode && change.tombstone && this.config.unwrap) return 'tombstone-event';
    // A table-wide truncate names no key; key modes cannot apply it (see the connector description).
    if (!eventMode && change.action === 'truncate') return 'truncate';
    // A tombstone has no row or envelope: a template reading them cannot name its key. In key modes the
    // delete event before it removed the key already.
    const template = mode === 'pubsub' ? this.channel : this.key;
    if (change.tombstone && template.needsValue) return 'unrenderable-tombstone';
    const target = renderTemplate(template, {
      topic: record.topic,
      key: record.key,
      row: change.row,
      source: change.source,
    });
    if (mode === 'pubsub') {
      return { kind: 'publish', channel: target, message: canonicalJson(eventOf(record, change)) };
    }
    if (mode === 'stream') return { kind: 'xadd', key: target, args: this.xaddArgs(target, change) };
    return { kind: 'write', key: target, lsnKey: this.lsnKey, args: this.writeArgs(change) };
  }

  private writeArgs(change: Change): Array<string | Buffer> {
    const hash = this.config.mode === 'hash';
    const lsn = this.config['lsn.guard'] ? (change.lsn ?? '') : '';
    // With only an envelope's change LSN, a snapshot read is checked against the stored LSN but does not raise
    // it: a transaction in flight at the snapshot point is streamed afterwards with change LSNs below it. The
    // header's version needs no such exception.
    const record = change.op === 'r' && !change.lsnIsVersion ? '0' : '1';
    const head = [
      hash ? 'hash' : 'string',
      change.action === 'delete' ? 'del' : 'set',
      lsn,
      this.ttl,
      record,
    ];
    if (change.action === 'delete') return head;
    if (!hash) return [...head, Buffer.isBuffer(change.row) ? change.row : canonicalJson(change.row)];
    const row = change.row;
    if (row === null || typeof row !== 'object' || Array.isArray(row) || Buffer.isBuffer(row)) {
      throw new Error(`hash mode needs an object value (a row), got ${describe(row)}`);
    }
    const fields: Array<string | Buffer> = [];
    for (const [name, v] of Object.entries(row as Record<string, unknown>)) {
      // Null columns are left out: the hash holds exactly the row's non-null columns.
      if (v === null || v === undefined) continue;
      fields.push(name, redisText(v));
    }
    return [...head, ...fields];
  }

  private xaddArgs(key: string, change: Change): Array<string | Buffer> {
    const maxlen = this.config['stream.maxlen'];
    const args: Array<string | Buffer> = [key];
    if (maxlen !== undefined) args.push('MAXLEN', '~', String(maxlen));
    args.push(
      '*',
      'op',
      change.op,
      'key',
      canonicalJson(change.key ?? null),
      'value',
      canonicalJson(change.row),
    );
    if (change.lsn !== null) args.push('lsn', change.lsn);
    return args;
  }
}

/** Queues a planned command on a pipeline. */
export function enqueue(pipeline: ChainableCommander, p: Planned): void {
  switch (p.kind) {
    case 'write':
      pipeline.tributaryRedisSinkWrite(p.key, p.lsnKey, ...p.args);
      break;
    case 'xadd':
      pipeline.call('XADD', ...p.args);
      break;
    case 'publish':
      pipeline.publish(p.channel, p.message);
      break;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Buffer.isBuffer(v)) return 'bytes';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
