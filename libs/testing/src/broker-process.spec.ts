import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptsConnections, startBroker } from './broker-process';
import { makeTempDir, removeDir } from './temp-dir';

// Stand-in "brokers" (plain node scripts) exercise the harness itself: argument passing, readiness polling,
// stop/kill9/restart, log capture and early-exit reporting.
const LISTENER = `
const net = require('node:net');
const fs = require('node:fs');
const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--kafka-port') + 1]);
const dir = args[args.indexOf('--data-dir') + 1];
const cfg = args.includes('--config') ? fs.readFileSync(args[args.indexOf('--config') + 1], 'utf8') : 'none';
fs.appendFileSync(dir + '/starts', 'x');
const srv = net.createServer((s) => s.end()).listen(port, '127.0.0.1', () => console.log('listening on ' + port + ' config ' + cfg.replace(/\\s+/g, '')));
process.on('SIGTERM', () => { console.log('got SIGTERM'); srv.close(() => process.exit(0)); });
`;
const CRASHER = `console.error('boom: cannot open data dir'); process.exit(3);`;

describe('startBroker (with a stand-in process)', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir();
    writeFileSync(join(dir, 'listener.js'), LISTENER);
    writeFileSync(join(dir, 'crasher.js'), CRASHER);
  });
  afterAll(() => removeDir(dir));

  it('starts, passes port/data dir/config, stops, kills and restarts on the same dir and port', async () => {
    const b = await startBroker({ entry: join(dir, 'listener.js'), config: { 'num.partitions': 3 } });
    try {
      expect(b.bootstrap).toBe(`127.0.0.1:${b.port}`);
      expect(await acceptsConnections(b.port)).toBe(true);
      expect(b.logs()).toContain(`listening on ${b.port} config {"num.partitions":3}`);
      expect(b.rssBytes()).toBeGreaterThan(0);

      await b.kill9();
      expect(await acceptsConnections(b.port)).toBe(false);
      expect(b.logs()).toContain('killed by SIGKILL');

      await b.restart();
      expect(await acceptsConnections(b.port)).toBe(true);
      await b.stop();
      expect(b.logs()).toContain('got SIGTERM');
      expect(b.logs()).toContain('exited with code 0');
      await b.restart();
      expect(await acceptsConnections(b.port)).toBe(true);
      // Three starts, all on the same data dir.
      expect(readFileSync(join(b.dataDir, 'starts'), 'utf8')).toBe('xxx');
    } finally {
      await b.dispose();
    }
  });

  it('fails with the process output when it exits before listening', async () => {
    await expect(startBroker({ entry: join(dir, 'crasher.js') })).rejects.toThrow(
      /exited with code 3[\s\S]*boom: cannot open data dir/,
    );
  });

  it('fails when the port never opens within the start timeout', async () => {
    const sleeper = join(dir, 'sleeper.js');
    writeFileSync(sleeper, 'setTimeout(() => {}, 60000);');
    await expect(startBroker({ entry: sleeper, startTimeoutMs: 500 })).rejects.toThrow(
      /did not accept connections/,
    );
  });
});
