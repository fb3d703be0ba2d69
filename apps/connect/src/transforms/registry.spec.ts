import { buildTransforms } from './registry';
import { rec } from './testing/build-one';

describe('buildTransforms', () => {
  it('builds a chain in order', () => {
    const chain = buildTransforms([
      { type: 'filter', options: { if: { tombstone: true } } },
      { type: 'extract-key', options: { field: 'id' } },
      { type: 'route', options: { regex: '(.*)', replacement: '$1-out' } },
    ]);
    expect(chain.map((t) => t.type)).toEqual(['filter', 'extract-key', 'route']);
    const run = (r: ReturnType<typeof rec>) =>
      chain.reduce<typeof r | null>((acc, t) => (acc ? t.apply(acc) : null), r);
    expect(run(rec(null))).toBeNull();
    expect(run(rec({ id: 3 }))).toMatchObject({ key: 3, topic: 'app-logs-out' });
  });

  it('applies a transform only to records matching its `if`', () => {
    const [t] = buildTransforms([
      { type: 'mask', options: { fields: ['card'], if: { field: 'country', in: ['DE', 'FR'] } } },
    ]);
    expect(t?.apply(rec({ card: '1', country: 'DE' }))?.value).toEqual({ card: '****', country: 'DE' });
    expect(t?.apply(rec({ card: '1', country: 'US' }))?.value).toEqual({ card: '1', country: 'US' });
  });

  it('rejects unknown types with a suggestion, and bad options', () => {
    expect(() => buildTransforms([{ type: 'fliter', options: {} }])).toThrow(/did you mean "filter"/);
    expect(() => buildTransforms([{ type: 'drop', options: { fields: ['a'], extra: 1 } }])).toThrow(
      /transforms\[0\] \(drop\)/,
    );
  });
});
