import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CONNECT_WORKER } from './connect.tokens';
import type { ConnectWorker } from '../runtime/connect-worker';
import { unhealthyTasks } from '../runtime/connector-status';

@Controller()
export class RootController {
  constructor(@Inject(CONNECT_WORKER) private readonly worker: ConnectWorker) {}

  @Get()
  info() {
    return { version: '0.1.0', commit: 'tributary', kafka_cluster_id: null, worker_id: this.worker.workerId };
  }

  /** 200 while every task is healthy; 503 naming the FAILED or STALLED ones (for load balancers and probes). */
  @Get('health')
  health(@Res() res: Response) {
    const problems = unhealthyTasks(this.worker);
    res.status(problems.length === 0 ? 200 : 503).json({
      status: problems.length === 0 ? 'UP' : 'DEGRADED',
      connectors: this.worker.names().length,
      problems,
    });
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metrics(@Res() res: Response) {
    res.type(this.worker.metrics.registry.contentType).send(await this.worker.metrics.registry.metrics());
  }
}
