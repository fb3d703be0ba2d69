import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { demoRegistry } from '@tributary/connect/pipeline/testing/demo-connectors';
import { registerValidate, validateFiles } from './validate.command';

describe('tributary validate', () => {
  let dir: string;
  let good: string;
  let bad: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'validate-'));
    good = join(dir, 'good.yaml');
    bad = join(dir, 'bad.yaml');
    writeFileSync(
      good,
      'connectors:\n  - { name: in, type: file-source, config: { paths: [a.log], topic: t } }\n' +
        '  - { name: out, type: file-sink, topics: [t], config: { path: o.jsonl } }\n',
    );
    writeFileSync(bad, 'connectors:\n  - name: in\n    type: file-sorce\n    tasks.mx: 1\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(files: string[]): { code: number; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const code = validateFiles(files, demoRegistry, { out: (l) => out.push(l), err: (l) => err.push(l) }, {});
    return { code, out, err };
  }

  it('prints ok with the connector names for a valid file', () => {
    expect(run([good])).toEqual({ code: 0, out: [`ok: ${good}: 2 connectors (in, out)`], err: [] });
  });

  it('prints every problem and exits 1 when any file is invalid', () => {
    const missing = join(dir, 'missing.yaml');
    const r = run([good, bad, missing]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([`ok: ${good}: 2 connectors (in, out)`]);
    expect(r.err).toEqual([
      `${bad}:3:11: connectors[0].type: unknown connector type "file-sorce"; did you mean "file-source"? (registered types: file-source, file-sink)`,
      expect.stringMatching(
        new RegExp(
          `^${bad}:4:5: connectors\\[0\\]\\.tasks\\.mx: unknown key "tasks.mx"; did you mean "tasks.max"\\?`,
        ),
      ),
      expect.stringMatching(new RegExp(`^${missing}: cannot read pipeline file: ENOENT`)),
    ]);
  });

  it('is registered as a subcommand that sets the exit code and writes to stdout/stderr', async () => {
    const program = new Command().exitOverride();
    registerValidate(program, demoRegistry);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const saved = process.exitCode;
    try {
      await program.parseAsync(['node', 'tributary', 'validate', good]);
      expect(process.exitCode).toBe(0);
      expect(out).toHaveBeenCalledWith(`ok: ${good}: 2 connectors (in, out)\n`);
      await program.parseAsync(['node', 'tributary', 'validate', bad]);
      expect(process.exitCode).toBe(1);
      expect(err).toHaveBeenCalledWith(expect.stringContaining(`${bad}:3:11: connectors[0].type:`));
    } finally {
      process.exitCode = saved;
      out.mockRestore();
      err.mockRestore();
    }
  });
});
