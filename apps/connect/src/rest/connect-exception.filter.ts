import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ConfigError } from '@tributary/common';
import { ConnectRequestError } from '../runtime/connect-request-error';

/** Errors in Kafka Connect's shape: `{"error_code": <http status>, "message": "..."}`. */
@Catch()
export class ConnectExceptionFilter implements ExceptionFilter {
  catch(e: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    let status = 500;
    let message = e instanceof Error ? e.message : String(e);
    if (e instanceof ConnectRequestError) status = e.status;
    else if (e instanceof ConfigError) {
      status = 400;
      // Problems of a REST config are located in a generated document; the key path and message are what count.
      message = `invalid connector config: ${e.problems.join('; ')}`;
    } else if (e instanceof HttpException) {
      status = e.getStatus();
      const body = e.getResponse();
      message = typeof body === 'string' ? body : ((body as { message?: string }).message ?? e.message);
      if (status === 400 && /JSON/i.test(message)) message = `the request body is not valid JSON: ${message}`;
    }
    res.status(status).json({ error_code: status, message });
  }
}
