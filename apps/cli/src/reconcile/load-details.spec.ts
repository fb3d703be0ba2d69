import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectRest } from '../client/connect-rest';
import { explainNoDetails, loadReconcile, pickDetails, type ConnectorStatus } from './load-details';
import { details } from './testing/details';

function status(tasks: ConnectorStatus['tasks'], name = 'orders-recon'): ConnectorStatus {
  return { name, type: 'sink', connector: { state: 'RUNNING' }, tasks };
}

describe('pickDetails / explainNoDetails', () => {
  it('returns the details of a reconcile task', () => {
    const d = details();
    const s = status([{ id: 0, state: 'RUNNING', health: 'HEALTHY', details: { ...d } }]);
    expect(pickDetails(s)).toEqual({ details: d, task: s.tasks[0] });
  });

  it('names the plugin of a connector that is not a reconcile connector', () => {
    const s = status([{ id: 0, state: 'RUNNING', details: { phase: 'streaming' } }], 'x');
    expect(pickDetails(s)).toBeNull();
    expect(explainNoDetails(s, 'file-source')).toBe(
      'connector "x" is a file-source connector, not a reconcile connector; pass the name of a reconcile connector (see `tributary connectors list`)',
    );
    expect(explainNoDetails({ ...s, type: 'source' }, undefined)).toMatch(
      /^connector "x" \(a source connector\) is not a reconcile connector;/,
    );
    // Details of another kind give it away even when the config could not be read.
    expect(
      explainNoDetails(status([{ id: 0, state: 'RUNNING', details: { kind: 'cdc' } }]), undefined),
    ).toMatch(/is not a reconcile connector/);
  });

  it('says what to do when a reconcile task has no details', () => {
    const running = status([{ id: 0, state: 'RUNNING' }]);
    expect(explainNoDetails(running, 'reconcile')).toBe(
      'connector "orders-recon" has not reported reconcile details yet (task 0 is RUNNING); try again in a few seconds',
    );
    // A reconcile task that has not started its engine yet reports `{}`.
    const starting = status([{ id: 0, state: 'RUNNING', details: {} }]);
    expect(pickDetails(starting)).toBeNull();
    expect(explainNoDetails(starting, 'reconcile')).toMatch(/has not reported reconcile details yet/);
    expect(explainNoDetails(starting, undefined)).toMatch(/has not reported reconcile details yet/);
    const failed = status([{ id: 0, state: 'FAILED', trace: 'Error: topic orders.v2 not found\n    at x' }]);
    expect(explainNoDetails(failed, 'reconcile')).toBe(
      'connector "orders-recon" reports no reconcile details: task 0 is FAILED: Error: topic orders.v2 not found; ' +
        'see `tributary connectors status orders-recon` and restart it with `tributary connectors restart orders-recon`',
    );
    expect(explainNoDetails(status([{ id: 0, state: 'PAUSED' }]), undefined)).toMatch(
      /task 0 is PAUSED; resume it with `tributary connectors resume orders-recon`$/,
    );
    expect(explainNoDetails({ ...status([]), connector: { state: 'STOPPED' } }, 'reconcile')).toBe(
      'connector "orders-recon" has no running task (connector is STOPPED); see `tributary connectors status orders-recon`',
    );
  });
});

describe('loadReconcile against a stub worker', () => {
  let server: Server;
  let rest: ConnectRest;
  const routes = new Map<string, [number, unknown]>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const [code, body] = routes.get(req.url ?? '') ?? [
        404,
        { error_code: 404, message: `connector ${req.url?.split('/')[2]} not found; see GET /connectors` },
      ];
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    rest = new ConnectRest(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('returns the details of a reconcile connector', async () => {
    const d = details();
    routes.set('/connectors/orders-recon/status', [
      200,
      status([{ id: 0, state: 'RUNNING', details: { ...d } }]),
    ]);
    await expect(loadReconcile(rest, 'orders-recon')).resolves.toMatchObject({
      details: d,
      task: { state: 'RUNNING' },
    });
  });

  it('says which worker does not know the connector and how to list them', async () => {
    await expect(loadReconcile(rest, 'nope')).rejects.toThrow(
      `connector "nope" not found on the connect worker at ${rest.url}; list the connectors with \`tributary connectors list --connect-url ${rest.url}\``,
    );
  });

  it('reads the plugin type from the config to name a connector of another kind', async () => {
    routes.set('/connectors/logs/status', [200, status([{ id: 0, state: 'RUNNING' }], 'logs')]);
    routes.set('/connectors/logs/config', [200, { type: 'file-source', config: {} }]);
    await expect(loadReconcile(rest, 'logs')).rejects.toThrow(
      'connector "logs" is a file-source connector, not a reconcile connector',
    );
  });

  it('reports an unreachable worker', async () => {
    const gone = new ConnectRest('http://127.0.0.1:1');
    await expect(loadReconcile(gone, 'x')).rejects.toThrow(
      /^cannot reach the connect worker at http:\/\/127\.0\.0\.1:1/,
    );
  });
});
