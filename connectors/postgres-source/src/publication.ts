import { ConnectorError } from '@tributary/connect-sdk';
import type { Client } from 'pg';
import { qualified, quoteIdent, type TableInfo } from './catalog';

/**
 * Makes sure the publication covers the captured tables, per `publication.autocreate`. One publication per
 * connector: in filtered mode its table list is set to exactly ours.
 */
export async function ensurePublication(
  client: Client,
  name: string,
  mode: 'all_tables' | 'filtered' | 'disabled',
  tables: readonly TableInfo[],
): Promise<void> {
  const pub = await client.query<{ all: boolean }>(
    'SELECT puballtables AS all FROM pg_publication WHERE pubname = $1',
    [name],
  );
  const list = tables.map((t) => qualified(t)).join(', ');
  const create =
    mode === 'all_tables'
      ? `CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`
      : `CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${list}`;
  const run = async (sql: string): Promise<void> => {
    try {
      await client.query(sql);
    } catch (e) {
      throw new ConnectorError(
        `cannot set up publication "${name}" (${(e as Error).message}); run "${sql};" as the tables' owner ` +
          `or a superuser, or set publication.autocreate to disabled and manage it yourself`,
        { cause: e },
      );
    }
  };
  if (pub.rows.length === 0) {
    if (mode === 'disabled') {
      throw new ConnectorError(
        `publication "${name}" does not exist and publication.autocreate is disabled; create it with "${create};"`,
      );
    }
    await run(create);
    return;
  }
  if (pub.rows[0]?.all) return;
  const have = await client.query<{ id: string }>(
    "SELECT schemaname || '.' || tablename AS id FROM pg_publication_tables WHERE pubname = $1",
    [name],
  );
  const present = new Set(have.rows.map((r) => r.id));
  const missing = tables.filter((t) => !present.has(t.id));
  const extra = [...present].filter((id) => !tables.some((t) => t.id === id));
  if (mode === 'filtered') {
    if (missing.length > 0 || extra.length > 0)
      await run(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${list}`);
    return;
  }
  if (missing.length > 0) {
    throw new ConnectorError(
      `publication "${name}" does not include ${missing.map((t) => t.id).join(', ')}; run ` +
        `"ALTER PUBLICATION ${quoteIdent(name)} ADD TABLE ${missing.map((t) => qualified(t)).join(', ')};"`,
    );
  }
}
