import { ConnectorError } from '@tributary/connect-sdk';
import type { Client } from 'pg';

/** A captured table as resolved at start. */
export interface TableInfo {
  oid: number;
  schema: string;
  name: string;
  /** "schema.table", as in configs, topics and offsets. */
  id: string;
  /** Primary-key columns in key order; empty when the table has none. */
  pk: string[];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(t: { schema: string; name: string }): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

/** `schema.table` glob (`*`, `?`) → a matcher over "schema.table" ids. */
export function tableMatcher(patterns: readonly string[]): (id: string) => boolean {
  const res = patterns.map(
    (p) =>
      new RegExp(
        '^' +
          p
            .split('')
            .map((c) => (c === '*' ? '[^.]*' : c === '?' ? '[^.]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
            .join('') +
          '$',
      ),
  );
  return (id) => res.some((r) => r.test(id));
}

const isGlob = (p: string): boolean => /[*?]/.test(p);

/** Resolves the configured patterns to tables (ordinary and partitioned); a name that matches nothing is an error. */
export async function resolveTables(client: Client, patterns: readonly string[]): Promise<TableInfo[]> {
  const { rows } = await client.query<{ oid: number; schema: string; name: string }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
      ORDER BY n.nspname, c.relname`,
  );
  const found = new Map<string, TableInfo>();
  for (const p of patterns) {
    const match = tableMatcher([p]);
    const hits = rows.filter((r) => match(`${r.schema}.${r.name}`));
    if (hits.length === 0) {
      throw new ConnectorError(
        isGlob(p)
          ? `tables: the pattern "${p}" matches no table in the database; create the tables first or fix the pattern`
          : `tables: table "${p}" does not exist (or this user cannot see it); create it or remove it from "tables"`,
      );
    }
    for (const r of hits) {
      const id = `${r.schema}.${r.name}`;
      if (!found.has(id)) found.set(id, { oid: r.oid, schema: r.schema, name: r.name, id, pk: [] });
    }
  }
  const tables = [...found.values()];
  const pks = await primaryKeys(
    client,
    tables.map((t) => t.oid),
  );
  for (const t of tables) t.pk = pks.get(t.oid) ?? [];
  return tables;
}

/** Primary-key column names per table OID, in key order. */
export async function primaryKeys(client: Client, oids: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (oids.length === 0) return out;
  const { rows } = await client.query<{ oid: number; col: string }>(
    `SELECT i.indrelid::int AS oid, a.attname AS col
       FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indisprimary AND i.indrelid = ANY($1::oid[])
      ORDER BY i.indrelid, k.ord`,
    [oids],
  );
  for (const r of rows) {
    const list = out.get(r.oid) ?? [];
    list.push(r.col);
    out.set(r.oid, list);
  }
  return out;
}

/** The checks that turn a confusing failure later into an instruction now. */
export async function checkServer(
  client: Client,
  opts: { needReplication: boolean },
): Promise<{ user: string; version: number }> {
  const { rows } = await client.query<{
    wal_level: string;
    user: string;
    super: boolean;
    repl: boolean;
    version: number;
  }>(
    `SELECT current_setting('wal_level') AS wal_level, current_user AS user, r.rolsuper AS super,
            r.rolreplication AS repl, current_setting('server_version_num')::int AS version
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const r = rows[0];
  if (!r) throw new ConnectorError('cannot read the current role from pg_roles');
  if (opts.needReplication && r.wal_level !== 'logical') {
    throw new ConnectorError(
      `Postgres runs with wal_level=${r.wal_level}; change data capture needs logical decoding. Run ` +
        `"ALTER SYSTEM SET wal_level = logical;" as a superuser, then restart Postgres (a reload is not enough).`,
    );
  }
  if (opts.needReplication && !r.repl && !r.super) {
    throw new ConnectorError(
      `role "${r.user}" lacks the REPLICATION attribute needed for a replication slot; run ` +
        `"ALTER ROLE ${quoteIdent(r.user)} WITH REPLICATION;" as a superuser`,
    );
  }
  return { user: r.user, version: r.version };
}

/** Every captured table must be readable (snapshot) by the connector's role. */
export async function checkSelect(client: Client, tables: readonly TableInfo[], user: string): Promise<void> {
  const { rows } = await client.query<{ id: string; ok: boolean }>(
    `SELECT t.id, has_table_privilege(t.oid, 'SELECT') AS ok
       FROM unnest($1::text[], $2::oid[]) AS t(id, oid)`,
    [tables.map((t) => t.id), tables.map((t) => t.oid)],
  );
  const missing = rows.filter((r) => !r.ok).map((r) => r.id);
  if (missing.length > 0) {
    throw new ConnectorError(
      `role "${user}" has no SELECT privilege on ${missing.join(', ')}; run ` +
        missing.map((id) => `"GRANT SELECT ON ${id} TO ${quoteIdent(user)};"`).join(' '),
    );
  }
}

/** Array types from pg_type (for TypeCatalog): covers enum arrays and extension types. */
export async function arrayTypes(client: Client): Promise<Array<{ oid: number; typelem: number }>> {
  const { rows } = await client.query<{ oid: number; typelem: number }>(
    `SELECT oid::int AS oid, typelem::int AS typelem FROM pg_type WHERE typcategory = 'A' AND typelem <> 0`,
  );
  return rows;
}
