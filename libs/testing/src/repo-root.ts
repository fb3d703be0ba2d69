import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The repository root, found by walking up from this file to the first package.json, so the helpers work from
 * any clone location and from both the TypeScript sources (jest) and a compiled copy.
 */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libs'))) return dir;
    const up = dirname(dir);
    if (up === dir)
      throw new Error(
        `cannot find the repository root above ${__dirname}: no package.json with a libs/ folder`,
      );
    dir = up;
  }
}

/** The built CLI entry point the e2e and compat tests spawn. */
export function builtCliPath(): string {
  return join(repoRoot(), 'dist', 'apps', 'cli', 'src', 'main.js');
}
