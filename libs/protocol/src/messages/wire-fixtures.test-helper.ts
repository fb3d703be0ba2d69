import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// Test-only: golden wire fixtures live in test/fixtures/wire/<api>/v<N>-{request,response}.hex as hex text.
// Lines starting with '#' are comments (hand-written fixtures annotate each field) and whitespace is ignored.

export const FIXTURE_ROOT = resolve(__dirname, '../../../../test/fixtures/wire');

/** Set UPDATE_WIRE_FIXTURES=1 to rewrite the kafkajs-derived fixtures instead of comparing against them. */
export const UPDATE_FIXTURES = process.env['UPDATE_WIRE_FIXTURES'] === '1';

export type FixtureKind = 'request' | 'response';

export function fixturePath(api: string, version: number, kind: FixtureKind): string {
  return join(FIXTURE_ROOT, api, `v${version}-${kind}.hex`);
}

export function parseHex(text: string): Buffer {
  const hex = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex))
    throw new Error('fixture is not an even-length hex string after removing comments');
  return Buffer.from(hex, 'hex');
}

export function readFixture(api: string, version: number, kind: FixtureKind): Buffer {
  const path = fixturePath(api, version, kind);
  if (!existsSync(path)) {
    throw new Error(
      `missing wire fixture ${api}/v${version}-${kind}.hex: run with UPDATE_WIRE_FIXTURES=1 to capture it`,
    );
  }
  return parseHex(readFileSync(path, 'utf8'));
}

export function writeFixture(
  api: string,
  version: number,
  kind: FixtureKind,
  bytes: Buffer,
  note: string,
): void {
  const path = fixturePath(api, version, kind);
  mkdirSync(dirname(path), { recursive: true });
  const lines = bytes.toString('hex').match(/.{1,64}/g) ?? [];
  writeFileSync(path, `# ${note}\n${lines.join('\n')}\n`);
}
