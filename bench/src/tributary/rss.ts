import { readFileSync, writeFileSync } from 'node:fs';

const SAMPLE_MS = 100;

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // the process is gone (or this is not Linux): nothing to add
  }
}

/**
 * Starts tracking the peak resident memory of processes (Linux /proc) for one run; the returned function stops
 * and gives the peak of the largest one, in MiB. VmHWM is reset first (`clear_refs` 5, our own children) so the
 * peak is this run's, not the process's lifetime; VmRSS sampled every 100 ms covers a kernel refusing the reset.
 */
export function trackPeakRss(pids: readonly number[]): () => number {
  const reset = pids.map((pid) => {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      return true;
    } catch {
      return false;
    }
  });
  const peakKb = pids.map((pid) => statusKb(pid, 'VmRSS'));
  const sample = (): void =>
    pids.forEach((pid, i) => (peakKb[i] = Math.max(peakKb[i]!, statusKb(pid, 'VmRSS'))));
  const timer = setInterval(sample, SAMPLE_MS);
  return () => {
    clearInterval(timer);
    sample();
    pids.forEach((pid, i) => {
      if (reset[i]) peakKb[i] = Math.max(peakKb[i]!, statusKb(pid, 'VmHWM'));
    });
    return Math.max(0, ...peakKb) / 1024;
  };
}
