/**
 * Writes docs/connectors/<name>.md and docs/connectors/README.md from the connectors' config specs.
 *   gen-connector-docs [--out <dir>]           regenerate (default dir: docs/connectors, from the cwd)
 *   gen-connector-docs --check [--out <dir>]   exit 1 if the files on disk are missing, stale or orphaned (CI)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_MARKER, renderConnectorDocs } from '@tributary/connect-sdk/config-docs';
import { CONNECTORS } from '@tributary/connectors';

interface Args {
  check: boolean;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { check: false, out: join('docs', 'connectors') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') args.check = true;
    else if (a === '--out' && argv[i + 1]) args.out = argv[++i] as string;
    else throw new Error(`unknown argument ${a ?? ''}; usage: gen-connector-docs [--check] [--out <dir>]`);
  }
  return args;
}

/** Generated pages on disk that no registered connector produces any more (hand-written files are left alone). */
function orphans(dir: string, expected: ReadonlyMap<string, string>): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter(
    (f) =>
      f.endsWith('.md') &&
      !expected.has(f) &&
      readFileSync(join(dir, f), 'utf8').startsWith(GENERATED_MARKER),
  );
}

function main(argv: readonly string[]): number {
  const args = parseArgs(argv);
  // connectors/index.ts is the static plugin registry (docs/adr/0001).
  const files = renderConnectorDocs(CONNECTORS);
  const stale = [...files].filter(([name, text]) => {
    const path = join(args.out, name);
    return !existsSync(path) || readFileSync(path, 'utf8') !== text;
  });
  const extra = orphans(args.out, files);
  if (args.check) {
    if (stale.length === 0 && extra.length === 0) {
      process.stdout.write(`connector docs in ${args.out} are up to date (${files.size} files)\n`);
      return 0;
    }
    for (const [name] of stale) process.stderr.write(`out of date: ${join(args.out, name)}\n`);
    for (const name of extra) process.stderr.write(`no longer generated: ${join(args.out, name)}\n`);
    process.stderr.write('regenerate with: node dist/scripts/gen-connector-docs.js (after npm run build)\n');
    return 1;
  }
  mkdirSync(args.out, { recursive: true });
  for (const [name, text] of stale) writeFileSync(join(args.out, name), text);
  for (const name of extra) unlinkSync(join(args.out, name));
  process.stdout.write(
    `wrote ${stale.length} of ${files.size} files in ${args.out}${extra.length ? `, removed ${extra.join(', ')}` : ''}\n`,
  );
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`gen-connector-docs: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
