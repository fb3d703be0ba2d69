import { canonicalJson } from './canonical';
import { interpret, normalizeLsn } from './change';
import { keyText, parseTemplate, renderTemplate, type ParsedTemplate } from './template';

function compile(text: string): ParsedTemplate {
  const r = parseTemplate(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('key templates', () => {
  const input = {
    topic: 'shop.public.orders',
    key: { id: 42 },
    row: { id: 42, customer: { email: 'a@b.c' }, total: '12.50' },
    source: { schema: 'public', table: 'orders' },
  };

  it('renders every placeholder', () => {
    expect(renderTemplate(compile('{{topic}}:{{key}}'), input)).toBe('shop.public.orders:42');
    expect(renderTemplate(compile('{{source.schema}}.{{source.table}}:{{key.id}}'), input)).toBe(
      'public.orders:42',
    );
    expect(renderTemplate(compile('by-email:{{ value.customer.email }}'), input)).toBe('by-email:a@b.c');
    expect(renderTemplate(compile('plain'), input)).toBe('plain');
  });

  it('uses the single key field, else canonical JSON of the key', () => {
    expect(keyText({ id: 42 })).toBe('42');
    expect(keyText({ b: 2, a: 'x' })).toBe('{"a":"x","b":2}');
    expect(keyText('k1')).toBe('k1');
    expect(keyText(Buffer.from('raw'))).toBe('raw');
    expect(keyText({ id: { x: 1 } })).toBe('{"x":1}');
  });

  it('names what a record lacks', () => {
    expect(() => renderTemplate(compile('{{key}}'), { ...input, key: null })).toThrow(/no key/);
    expect(() => renderTemplate(compile('{{value.nope}}'), input)).toThrow(/value field "nope"/);
    expect(() => renderTemplate(compile('{{source.table}}'), { ...input, source: null })).toThrow(
      /source.table/,
    );
  });

  it('rejects unknown placeholders and stray braces', () => {
    expect(parseTemplate('{{partition}}')).toMatchObject({ ok: false, error: /unknown placeholder/ });
    expect(parseTemplate('{{value.}}')).toMatchObject({ ok: false });
    expect(parseTemplate('a{{topic}')).toMatchObject({ ok: false, error: /unbalanced/ });
    expect(compile('{{topic}}').needsValue).toBe(false);
    expect(compile('{{value.id}}').needsValue).toBe(true);
    expect(compile('{{source.table}}:{{key}}').needsValue).toBe(true);
  });
});

describe('canonical JSON and changes', () => {
  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: [{ z: 1, a: 2 }], a: null, c: undefined })).toBe(
      '{"a":null,"b":[{"a":2,"z":1}]}',
    );
  });

  it('normalizes LSNs beyond 2^53 as decimal text', () => {
    expect(normalizeLsn('00018446744073709551615')).toBe('18446744073709551615');
    expect(normalizeLsn(Buffer.from('12'))).toBe('12');
    expect(normalizeLsn(7)).toBe('7');
    expect(normalizeLsn('0/16B3748')).toBeNull();
    expect(normalizeLsn(undefined)).toBeNull();
  });

  it('reads envelopes, tombstones and plain values', () => {
    const rec = (value: unknown, headers = {}) => ({
      topic: 't',
      partition: 0,
      offset: 0,
      key: { id: 1 },
      value,
      headers,
      timestamp: 0,
    });
    const env = (op: string, before: unknown, after: unknown) => ({
      before,
      after,
      op,
      source: { lsn: 99, schema: 's', table: 't' },
      ts_ms: 0,
    });
    expect(interpret(rec(env('u', null, { id: 1 }), { 'source.lsn': '100' }), true)).toMatchObject({
      action: 'write',
      op: 'u',
      row: { id: 1 },
      lsn: '100',
    });
    expect(interpret(rec(env('d', { id: 1 }, null)), true)).toMatchObject({
      action: 'delete',
      row: { id: 1 },
      lsn: '99',
    });
    expect(interpret(rec(null), true)).toMatchObject({ action: 'delete', op: 'd', tombstone: true });
    expect(interpret(rec({ id: 1, op: 'x' }), true)).toMatchObject({ action: 'write', op: 'c' });
    expect(interpret(rec(env('d', { id: 1 }, null)), false)).toMatchObject({ action: 'write', op: 'd' });
    expect(() => interpret(rec(env('c', null, null)), true)).toThrow(/without "after"/);
  });
});
