import { readFileSync } from 'node:fs';
import type { ConnectorDefinition } from '@tributary/connect-sdk';
import type { ConnectorSpec, PipelineFile, PipelineProblem, WorkerSettings } from './connector-spec';
import { checkConnector } from './connector-entry';
import type { Env } from './interpolate';
import { PipelineError } from './pipeline-error';
import { fileSchema, workerSchema } from './pipeline-schema';
import { check } from './schema-problems';
import { formatPath } from '@tributary/connect-sdk';
import { YamlSource, type RawProblem } from './yaml-source';

/** Reads and validates a pipeline file; throws PipelineError listing every problem, located. */
export function loadPipelineFile(
  path: string,
  registry: readonly ConnectorDefinition[],
  env: Env = process.env,
): PipelineFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PipelineError(path, [
      { file: path, line: 0, col: 0, key: '', message: `cannot read pipeline file: ${(e as Error).message}` },
    ]);
  }
  return parsePipelineText(text, path, registry, env);
}

/** Validates pipeline file text (`path` only names it in problems). */
export function parsePipelineText(
  text: string,
  path: string,
  registry: readonly ConnectorDefinition[],
  env: Env = process.env,
): PipelineFile {
  const src = new YamlSource(path, text);
  const syntax = src.syntaxProblems();
  if (syntax.length > 0) throw new PipelineError(path, syntax);

  const envProblems = src.interpolate(env);
  const problems: RawProblem[] = [];
  const raw = src.toJS() ?? {};
  let worker: Partial<WorkerSettings> = {};
  let broker: Record<string, unknown> = {};
  const connectors: ConnectorSpec[] = [];

  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ path: [], message: 'expected a mapping with a "connectors:" list at the top level' });
  } else {
    const top = check(fileSchema, raw, []);
    if (!top.ok) problems.push(...top.problems);
    const data = raw as Record<string, unknown>;
    if (data['worker'] !== undefined && data['worker'] !== null)
      worker = checkWorker(data['worker'], problems);
    if (top.ok) broker = top.value.broker ?? {};
    const list = Array.isArray(data['connectors']) ? (data['connectors'] as unknown[]) : [];
    const firstLine = new Map<string, number>();
    list.forEach((entry, i) => {
      const spec = checkConnector(entry, ['connectors', i], registry, problems);
      const line = src.lineOf(['connectors', i]);
      const name = (entry as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && name !== '') {
        const first = firstLine.get(name);
        if (first !== undefined) {
          problems.push({
            path: ['connectors', i, 'name'],
            message: `duplicate connector name "${name}" (first declared at line ${first})`,
          });
          return;
        }
        firstLine.set(name, line);
      }
      if (spec) connectors.push({ ...spec, origin: { file: path, line } });
    });
  }

  // A value whose variable is missing still holds "${VAR}"; its type complaints would only repeat the cause.
  const unresolved = new Set(envProblems.map((p) => formatPath(p.path)));
  const all: PipelineProblem[] = [
    ...envProblems,
    ...problems.filter((p) => !unresolved.has(formatPath(p.path))),
  ].map((p) => src.problem(p));
  if (all.length > 0) {
    all.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new PipelineError(path, all);
  }
  return { path, worker, broker, connectors };
}

function checkWorker(raw: unknown, problems: RawProblem[]): Partial<WorkerSettings> {
  const r = check(workerSchema, raw, ['worker']);
  if (!r.ok) {
    problems.push(...r.problems);
    return {};
  }
  const w = r.value;
  const out: Partial<WorkerSettings> = {};
  if (w.bootstrap !== undefined) out.bootstrap = w.bootstrap;
  if (w['rest.host'] !== undefined) out.restHost = w['rest.host'];
  if (w['rest.port'] !== undefined) out.restPort = w['rest.port'];
  if (w['offsets.topic'] !== undefined) out.offsetsTopic = w['offsets.topic'];
  if (w['configs.topic'] !== undefined) out.configsTopic = w['configs.topic'];
  if (w['status.topic'] !== undefined) out.statusTopic = w['status.topic'];
  if (w['replication.factor'] !== undefined) out.replicationFactor = w['replication.factor'];
  if (w['group.prefix'] !== undefined) out.groupPrefix = w['group.prefix'];
  if (w['offset.flush.interval'] !== undefined) out.offsetFlushIntervalMs = w['offset.flush.interval'];
  return out;
}
