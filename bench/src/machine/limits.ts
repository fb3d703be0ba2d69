import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Measurement, Scenario, ScenarioOptions } from '../harness/measurement';

const MiB = 1 << 20;
const WRITE_BYTES = Number(process.env.BENCH_DISK_MB ?? 512) * MiB;
const TCP_BYTES = Number(process.env.BENCH_TCP_MB ?? 2048) * MiB;

/**
 * The machine's own limits in the same run, so Tributary's figures read as a share of what the hardware gives:
 * sequential writes of 1 MiB each followed by fdatasync (what a group commit of 1 MiB batches can reach), and
 * loopback TCP between two Node processes with 1 MiB writes (what any broker's socket path can reach).
 */
export const machineScenario: Scenario = async (opts: ScenarioOptions) => {
  const disk: number[] = [];
  const tcp: number[] = [];
  for (let r = 0; r < opts.repeats; r++) {
    disk.push(seqWriteFdatasync(join(opts.work, `disk-${r}`)));
    opts.log(`machine: sequential write + fdatasync run ${r + 1}: ${disk[r]!.toFixed(0)} MB/s`);
    tcp.push(await loopbackTcp());
    opts.log(`machine: loopback TCP run ${r + 1}: ${tcp[r]!.toFixed(0)} MB/s`);
  }
  const out: Measurement[] = [
    {
      scenario: 'sequential write fdatasync',
      system: 'machine',
      client: 'node fs',
      size: null,
      metric: 'MB/s',
      samples: disk,
      note: `${WRITE_BYTES / MiB} MiB in 1 MiB writes, fdatasync after each`,
    },
    {
      scenario: 'loopback tcp',
      system: 'machine',
      client: 'node net',
      size: null,
      metric: 'MB/s',
      samples: tcp,
      note: `${TCP_BYTES / MiB} MiB in 1 MiB writes between two Node processes`,
    },
  ];
  return out;
};

function seqWriteFdatasync(path: string): number {
  // Offset 64 into a slab: the aligned-buffer lesson of perf.md §1.3 applies to writes from Node too.
  const buf = Buffer.allocUnsafeSlow(MiB + 64)
    .subarray(64)
    .fill(0x61);
  const fd = openSync(path, 'w');
  const t0 = performance.now();
  try {
    for (let written = 0; written < WRITE_BYTES; written += MiB) {
      writeSync(fd, buf, 0, MiB);
      fdatasyncSync(fd);
    }
  } finally {
    closeSync(fd);
  }
  const seconds = (performance.now() - t0) / 1000;
  rmSync(path);
  return WRITE_BYTES / MiB / seconds;
}

/** A child Node process writes TCP_BYTES to a server in this process that only counts them. */
async function loopbackTcp(): Promise<number> {
  let received = 0;
  let done: (() => void) | null = null;
  const finished = new Promise<void>((r) => (done = r));
  let t0 = 0;
  const server = createServer((sock) => {
    t0 = performance.now();
    sock.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= TCP_BYTES) done?.();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  const script = `
    const s = require('net').connect(${port}, '127.0.0.1');
    const b = Buffer.allocUnsafeSlow(${MiB} + 64).subarray(64).fill(97);
    let left = ${TCP_BYTES / MiB};
    const pump = () => { while (left > 0) { left--; if (!s.write(b)) return s.once('drain', pump); } s.end(); };
    s.on('connect', pump);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  try {
    await finished;
    return received / MiB / ((performance.now() - t0) / 1000);
  } finally {
    child.kill();
    server.close();
  }
}
