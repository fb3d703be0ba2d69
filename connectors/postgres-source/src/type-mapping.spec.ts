import { startPostgres, type PostgresHandle } from '@tributary/testing';
import { freshDb, pollUntil, start, untilStreaming, value, type TestDb } from './test-support';
import { parseArrayLiteral } from './type-mapping';

jest.setTimeout(180_000);

const DDL = `
  CREATE TYPE mood AS ENUM ('sad', 'happy');
  CREATE TABLE every_type (
    id integer PRIMARY KEY,
    c_int2 smallint, c_int4 integer, c_int8 bigint, c_numeric numeric, c_real real, c_double double precision,
    c_bool boolean, c_text text, c_varchar varchar(10), c_char char(3),
    c_json json, c_jsonb jsonb,
    c_int4_arr integer[], c_int8_arr bigint[], c_text_arr text[], c_int_2d integer[][], c_mood_arr mood[],
    c_uuid uuid, c_bytea bytea,
    c_date date, c_time time, c_ts timestamp, c_ts_whole timestamp, c_tstz timestamptz, c_interval interval,
    c_mood mood
  );`;

const INSERT = `INSERT INTO every_type VALUES (
  $1, -32768, 2147483647, 9007199254740993, 12345678901234567890.123456789, 1.5, 2.25,
  true, 'hé "quoted"', 'v', 'ab',
  '{"a": 12345678901234567890, "b": [1, 2]}', '{"b": [1, 2], "a": 12345678901234567890}',
  '{1,2,NULL}', '{9007199254740993,-1}', '{"a,b","c\\"d",NULL,"NULL",""}', '{{1,2},{3,4}}', '{happy,sad}',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x0102ff',
  '2026-01-02', '03:04:05.123456', '2026-01-02 03:04:05.123456', '2026-01-02 03:04:05',
  '2026-01-02 03:04:05.123456+02', '1 year 2 mons 3 days 04:05:06.5',
  'happy')`;

const EXPECTED = {
  c_int2: -32768,
  c_int4: 2147483647,
  c_int8: '9007199254740993',
  c_numeric: '12345678901234567890.123456789',
  c_real: 1.5,
  c_double: 2.25,
  c_bool: true,
  c_text: 'hé "quoted"',
  c_varchar: 'v',
  c_char: 'ab ',
  c_json: '{"a": 12345678901234567890, "b": [1, 2]}',
  c_jsonb: '{"a": 12345678901234567890, "b": [1, 2]}',
  c_int4_arr: [1, 2, null],
  c_int8_arr: ['9007199254740993', '-1'],
  c_text_arr: ['a,b', 'c"d', null, 'NULL', ''],
  c_int_2d: [
    [1, 2],
    [3, 4],
  ],
  c_mood_arr: ['happy', 'sad'],
  c_uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  c_bytea: Buffer.from([1, 2, 255]).toString('base64'),
  c_date: '2026-01-02',
  c_time: '03:04:05.123456',
  c_ts: '2026-01-02T03:04:05.123456',
  c_ts_whole: '2026-01-02T03:04:05.000000',
  c_tstz: '2026-01-02T01:04:05.123456Z',
  c_interval: 'P1Y2M3DT4H5M6.5S',
  c_mood: 'happy',
};

describe('postgres-source type mapping', () => {
  let pg: PostgresHandle;
  let db: TestDb;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => pg?.dispose());
  beforeEach(async () => {
    db = await freshDb(pg);
    await db.query(DDL);
  });
  afterEach(async () => db.close());

  it('maps every type the same way in the snapshot and in the stream, NULLs as null', async () => {
    await db.query(INSERT, [1]);
    await db.query('INSERT INTO every_type (id) VALUES (2)');
    const d = await start(db);
    try {
      const snap = await pollUntil(d, (all) => all.length >= 2);
      expect(value(snap[0]!).after).toEqual({ id: 1, ...EXPECTED });
      expect(value(snap[0]!).op).toBe('r');
      const nulls = value(snap[1]!).after!;
      expect(Object.keys(nulls)).toHaveLength(Object.keys(EXPECTED).length + 1);
      expect(Object.entries(nulls).filter(([k, v]) => k !== 'id' && v !== null)).toEqual([]);

      await untilStreaming(d);
      await db.query(INSERT, [3]);
      await db.query('INSERT INTO every_type (id) VALUES (4)');
      const streamed = await pollUntil(d, (all) => all.length >= 2);
      expect(value(streamed[0]!).op).toBe('c');
      expect(value(streamed[0]!).after).toEqual({ id: 3, ...EXPECTED });
      expect(value(streamed[1]!).after).toEqual({ ...nulls, id: 4 });
      expect(streamed[0]!.key).toEqual({ id: 3 });
    } finally {
      await d.task.stop();
    }
  });
});

describe('parseArrayLiteral', () => {
  it('handles quoting, escapes, NULL, nesting and dimension decorations', () => {
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(parseArrayLiteral('{a,"b c","d\\\\e",NULL,"NULL"}')).toEqual(['a', 'b c', 'd\\e', null, 'NULL']);
    expect(parseArrayLiteral('{{1,2},{3,NULL}}')).toEqual([
      ['1', '2'],
      ['3', null],
    ]);
    expect(parseArrayLiteral('[0:1]={7,8}')).toEqual(['7', '8']);
  });
});
