import { randomUUID } from 'node:crypto';
import { EsRequestError, errorTypeFor, reasonFor, type EsErrorCause } from './es-errors';
import {
  type FakeIndex,
  type FakeStore,
  type Source,
  type VersionType,
  mergeSource,
  sameJson,
  versionConflicts,
} from './store';

export type BulkOp = 'index' | 'create' | 'update' | 'delete';

/** One parsed bulk item, as fault injectors see it. */
export interface BulkAction {
  op: BulkOp;
  index: string;
  id: string;
  version?: number;
  versionType: VersionType;
  /** index/create: the document; update: the partial `doc`. */
  source?: Source;
  docAsUpsert: boolean;
  upsert?: Source;
  detectNoop: boolean;
}

/** One entry of a bulk response's `items`, with its HTTP status. */
export type BulkItemResult = Partial<Record<BulkOp, Record<string, unknown>>>;

const MAX_ID_BYTES = 512;
const OPS: readonly string[] = ['index', 'create', 'update', 'delete'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseLine(line: string, n: number): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (e) {
    throw new EsRequestError(
      400,
      'x_content_parse_exception',
      `[${n}:1] malformed bulk line: ${(e as Error).message}`,
    );
  }
}

/**
 * Parses an NDJSON bulk body. Problems ES finds before executing anything (a malformed line, an invalid id,
 * a version type the action does not allow) fail the whole request with 400, as they do in ES.
 */
export function parseBulk(body: string, defaultIndex: string | undefined): BulkAction[] {
  const lines = body.split('\n').filter((l) => l.trim() !== '');
  const actions: BulkAction[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const meta = parseLine(lines[i] as string, i + 1);
    if (!isObject(meta) || Object.keys(meta).length !== 1 || !OPS.includes(Object.keys(meta)[0] as string))
      throw new EsRequestError(
        400,
        'illegal_argument_exception',
        `Malformed action/metadata line [${i + 1}], expected one of ${OPS.join(', ')}`,
      );
    const op = Object.keys(meta)[0] as BulkOp;
    const m = meta[op];
    if (!isObject(m))
      throw new EsRequestError(400, 'illegal_argument_exception', `[${op}] must be an object`);
    const index = typeof m['_index'] === 'string' ? m['_index'] : defaultIndex;
    if (!index) {
      problems.push('index is missing');
      continue;
    }
    const rawId = m['_id'];
    let id = rawId === undefined || rawId === null ? undefined : String(rawId);
    if (id === undefined) {
      if (op === 'index' || op === 'create') id = randomUUID();
      else problems.push('id is missing');
    } else if (id === '') problems.push('if _id is specified it must not be empty');
    else if (Buffer.byteLength(id) > MAX_ID_BYTES)
      problems.push(
        `id [${id}] is too long, must be no longer than 512 bytes but was: ${Buffer.byteLength(id)}`,
      );
    const versionType = (m['version_type'] ?? 'internal') as VersionType;
    if (!['internal', 'external', 'external_gte'].includes(versionType))
      problems.push(`version type [${String(versionType)}] is not supported`);
    const version = m['version'];
    if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version) || version < 0))
      problems.push(`illegal version value [${String(version)}] for version type [${versionType}]`);
    if (versionType !== 'internal' && version === undefined)
      problems.push(`an external version is required with version type [${versionType}]`);
    if (versionType === 'internal' && version !== undefined)
      problems.push(
        'internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead',
      );
    if (op === 'update' && versionType !== 'internal')
      problems.push(`version type [${versionType}] is not supported by the update API`);

    const action: BulkAction = {
      op,
      index,
      id: id ?? '',
      versionType,
      docAsUpsert: false,
      detectNoop: true,
      ...(typeof version === 'number' ? { version } : {}),
    };
    if (op !== 'delete') {
      i++;
      if (i >= lines.length)
        throw new EsRequestError(
          400,
          'illegal_argument_exception',
          'The bulk request must be terminated by a newline',
        );
      const doc = parseLine(lines[i] as string, i + 1);
      if (!isObject(doc))
        throw new EsRequestError(
          400,
          'mapper_parsing_exception',
          `[${i + 1}] the document must be an object`,
        );
      if (op === 'update') {
        if (doc['script'] !== undefined) problems.push('scripted updates are not supported by the fake');
        if (isObject(doc['doc'])) action.source = doc['doc'];
        if (isObject(doc['upsert'])) action.upsert = doc['upsert'];
        action.docAsUpsert = doc['doc_as_upsert'] === true;
        action.detectNoop = doc['detect_noop'] !== false;
        if (!action.source && !action.upsert) problems.push('script or doc is missing');
      } else {
        action.source = doc;
      }
    }
    actions.push(action);
  }
  if (problems.length > 0)
    throw new EsRequestError(
      400,
      'action_request_validation_exception',
      `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`,
    );
  return actions;
}

function shards() {
  return { total: 1, successful: 1, failed: 0 };
}

function ok(
  action: BulkAction,
  status: number,
  result: string,
  version: number,
  seqNo: number,
): BulkItemResult {
  return {
    [action.op]: {
      _index: action.index,
      _id: action.id,
      _version: version,
      result,
      _shards: shards(),
      _seq_no: seqNo,
      _primary_term: 1,
      status,
    },
  };
}

export function itemError(action: BulkAction, status: number, error: EsErrorCause): BulkItemResult {
  return {
    [action.op]: {
      _index: action.index,
      _id: action.id,
      status,
      error: { ...error, index: action.index, shard: '0', index_uuid: `uuid-${action.index}` },
    },
  };
}

/** The item result for a status a fault injector chose instead of executing the action. */
export function injectedError(action: BulkAction, status: number): BulkItemResult {
  const type = errorTypeFor(status);
  const error: EsErrorCause = { type, reason: reasonFor(status, `${action.index}/${action.id}`) };
  if (type === 'mapper_parsing_exception')
    error['caused_by'] = { type: 'illegal_argument_exception', reason: 'injected poison document' };
  return itemError(action, status, error);
}

function conflict(action: BulkAction, current: number): BulkItemResult {
  return itemError(action, 409, {
    type: 'version_conflict_engine_exception',
    reason: `[${action.id}]: version conflict, current version [${current}] is higher or equal to the one provided [${action.version ?? ''}]`,
  });
}

/** Executes one bulk item against the store, as an ES primary shard would. */
export function executeAction(store: FakeStore, action: BulkAction): BulkItemResult {
  // ES auto-creates indices for writes, not for deletes.
  if (action.op === 'delete' && !store.indices.has(action.index))
    return itemError(action, 404, {
      type: 'index_not_found_exception',
      reason: `no such index [${action.index}]`,
    });
  const idx = store.getOrCreate(action.index);
  const current = idx.currentVersion(action.id);
  if (action.version !== undefined && versionConflicts(current, action.version, action.versionType))
    return conflict(action, current as number);
  switch (action.op) {
    case 'create':
      if (idx.docs.has(action.id))
        return itemError(action, 409, {
          type: 'version_conflict_engine_exception',
          reason: `[${action.id}]: version conflict, document already exists (current version [${current ?? ''}])`,
        });
      return write(store, idx, action, action.source ?? {});
    case 'index':
      return write(store, idx, action, action.source ?? {});
    case 'update':
      return update(store, idx, action);
    case 'delete':
      return remove(store, idx, action, current);
  }
}

function nextVersion(action: BulkAction, current: number | undefined): number {
  return action.version ?? (current ?? 0) + 1;
}

function write(store: FakeStore, idx: FakeIndex, action: BulkAction, source: Source): BulkItemResult {
  const existed = idx.docs.has(action.id);
  const version = nextVersion(action, idx.currentVersion(action.id));
  const seqNo = store.nextSeqNo();
  idx.docs.set(action.id, { source, version, seqNo });
  idx.deleted.delete(action.id);
  return ok(action, existed ? 200 : 201, existed ? 'updated' : 'created', version, seqNo);
}

function update(store: FakeStore, idx: FakeIndex, action: BulkAction): BulkItemResult {
  const doc = idx.docs.get(action.id);
  if (!doc) {
    const created = action.docAsUpsert ? action.source : action.upsert;
    if (!created)
      return itemError(action, 404, {
        type: 'document_missing_exception',
        reason: `[${action.id}]: document missing`,
      });
    return write(store, idx, action, created);
  }
  const merged = mergeSource(doc.source, action.source ?? {});
  if (action.detectNoop && sameJson(merged, doc.source))
    return ok(action, 200, 'noop', doc.version, doc.seqNo);
  return write(store, idx, action, merged);
}

function remove(
  store: FakeStore,
  idx: FakeIndex,
  action: BulkAction,
  current: number | undefined,
): BulkItemResult {
  const version = nextVersion(action, current);
  const seqNo = store.nextSeqNo();
  const existed = idx.docs.delete(action.id);
  idx.deleted.set(action.id, version);
  return existed ? ok(action, 200, 'deleted', version, seqNo) : ok(action, 404, 'not_found', version, seqNo);
}
