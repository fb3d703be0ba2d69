/**
 * Node flags for the broker, coordinator and worker processes the test helpers start. With
 * TRIBUTARY_CPU_PROF_DIR set, each writes a V8 CPU profile there when it exits (open it in Chrome DevTools or
 * speedscope for a flame graph): how the benchmarks' hot paths are profiled, e.g.
 *   TRIBUTARY_CPU_PROF_DIR=/tmp/prof BENCH_ONLY=tributary npm run bench
 * (NODE_OPTIONS cannot carry --cpu-prof, hence a variable of our own.)
 */
export function childNodeArgs(): string[] {
  const dir = process.env.TRIBUTARY_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}
