import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { CONNECT_WORKER } from './connect.tokens';
import type { ConnectWorker } from '../runtime/connect-worker';
import { ConnectRequestError } from '../runtime/connect-request-error';
import { connectorStatus, specToEntry } from '../runtime/connector-status';
import { deleteOffsets, getOffsets, patchOffsets } from '../runtime/connector-offsets';

function entryOf(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ConnectRequestError(
      400,
      `${what} must be a JSON object in the shape of a pipeline-file entry: {"type": "...", "config": {...}}`,
    );
  }
  // `origin` is the read-only key GET /connectors/{name}/config adds; accept it back so that a GET, edit, PUT
  // round trip works (the entry schema is strict and would reject it as an unknown key).
  const { origin, ...entry } = body as Record<string, unknown>;
  void origin;
  return entry;
}

/** The Kafka Connect REST surface for connectors (`/connectors/...`). */
@Controller('connectors')
export class ConnectorsController {
  constructor(@Inject(CONNECT_WORKER) private readonly worker: ConnectWorker) {}

  @Get()
  list(@Query('expand') expand?: string | string[]) {
    const names = this.worker.names();
    const want = new Set(([] as string[]).concat(expand ?? []));
    if (want.size === 0) return names;
    return Object.fromEntries(
      names.map((n) => [
        n,
        {
          ...(want.has('status') ? { status: connectorStatus(this.worker, n) } : {}),
          ...(want.has('info') ? { info: this.info(n) } : {}),
        },
      ]),
    );
  }

  /** Body: `{"name": "...", "config": {"type": "...", "config": {...}, ...}, "initial_state"?: "RUNNING|PAUSED|STOPPED"}`. */
  @Post()
  async create(@Body() body: unknown, @Res() res: Response) {
    const b = entryOf(body, 'the request body');
    if (typeof b.name !== 'string' || b.name.length === 0)
      throw new ConnectRequestError(400, 'the request body needs a "name"');
    const entry = { ...entryOf(b.config, '"config"') };
    if (b.initial_state !== undefined) entry.state = b.initial_state;
    await this.worker.createOrUpdate(b.name, entry, true);
    res.status(201).json(this.info(b.name));
  }

  @Get(':name')
  info(@Param('name') name: string) {
    const r = this.worker.runner(name);
    return {
      name,
      config: specToEntry(r.spec),
      tasks: r.tasks().map((t) => ({ connector: name, task: t.id })),
      type: r.def.kind,
    };
  }

  @Get(':name/config')
  config(@Param('name') name: string) {
    return specToEntry(this.worker.runner(name).spec);
  }

  @Put(':name/config')
  async putConfig(@Param('name') name: string, @Body() body: unknown, @Res() res: Response) {
    const { created } = await this.worker.createOrUpdate(name, entryOf(body, 'the request body'), false);
    res.status(created ? 201 : 200).json(this.info(name));
  }

  @Get(':name/status')
  status(@Param('name') name: string) {
    return connectorStatus(this.worker, name);
  }

  @Get(':name/tasks')
  tasks(@Param('name') name: string) {
    const r = this.worker.runner(name);
    return r.tasks().map((t) => ({ id: { connector: name, task: t.id }, config: r.spec.config }));
  }

  @Get(':name/tasks/:id/status')
  taskStatus(@Param('name') name: string, @Param('id') id: string) {
    const t = connectorStatus(this.worker, name).tasks.find((x) => String(x.id) === id);
    if (!t) throw new ConnectRequestError(404, `connector ${name} has no task ${id}`);
    return t;
  }

  @Put(':name/pause')
  @HttpCode(202)
  async pause(@Param('name') name: string) {
    await this.worker.setTargetState(name, 'PAUSED');
  }

  @Put(':name/resume')
  @HttpCode(202)
  async resume(@Param('name') name: string) {
    await this.worker.setTargetState(name, 'RUNNING');
  }

  @Put(':name/stop')
  @HttpCode(204)
  async stop(@Param('name') name: string) {
    await this.worker.setTargetState(name, 'STOPPED');
  }

  @Post(':name/restart')
  @HttpCode(202)
  async restart(
    @Param('name') name: string,
    @Query('includeTasks') includeTasks?: string,
    @Query('onlyFailed') onlyFailed?: string,
  ) {
    const r = this.worker.runner(name);
    // Kafka Connect restarts only the connector object unless includeTasks; ours has no separate connector
    // process, so a restart always means its tasks (all, or only the failed ones).
    void includeTasks;
    await r.restart(onlyFailed === 'true');
    return connectorStatus(this.worker, name);
  }

  @Post(':name/tasks/:id/restart')
  @HttpCode(204)
  async restartTask(@Param('name') name: string, @Param('id') id: string) {
    const r = this.worker.runner(name);
    if (!r.tasks().some((t) => String(t.id) === id))
      throw new ConnectRequestError(404, `connector ${name} has no task ${id}`);
    await r.restart(false, Number(id));
  }

  /** Body `{"type": "execute-snapshot", "data": {...}}`: forwarded to the connector's running tasks. */
  @Post(':name/signals')
  async signal(@Param('name') name: string, @Body() body: unknown) {
    const b = body as { type?: unknown; data?: unknown } | null;
    if (
      typeof b?.type !== 'string' ||
      (b.data !== undefined && (typeof b.data !== 'object' || b.data === null))
    ) {
      throw new ConnectRequestError(
        400,
        'expected {"type": "<signal>", "data": {...}}, e.g. {"type": "execute-snapshot", "data": {"tables": ["public.orders"]}}',
      );
    }
    const results = await this.worker
      .runner(name)
      .signal({ type: b.type, data: b.data as Record<string, unknown> | undefined });
    return { name, signal: b.type, tasks: results };
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(@Param('name') name: string) {
    await this.worker.deleteConnector(name);
  }

  @Get(':name/offsets')
  offsets(@Param('name') name: string) {
    return getOffsets(this.worker, name);
  }

  @Patch(':name/offsets')
  alterOffsets(@Param('name') name: string, @Body() body: unknown) {
    return patchOffsets(this.worker, name, body);
  }

  @Delete(':name/offsets')
  resetOffsets(@Param('name') name: string) {
    return deleteOffsets(this.worker, name);
  }
}
