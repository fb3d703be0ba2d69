import fc from 'fast-check';
import { ApiKey } from '../api-keys';
import { Reader } from '../primitives/reader';
import { Writer } from '../primitives/writer';
import { arbitraryMessage, messageDefs } from './arbitrary-message.test-helper';
import * as messages from './index';

const defs = messageDefs(messages);

// The ranges the broker serves (non-flexible maxima, docs: protocol research §3 profile A).
const EXPECTED: Record<number, string> = {
  [ApiKey.Produce]: '0-7',
  [ApiKey.Fetch]: '0-11',
  [ApiKey.ListOffsets]: '0-5',
  [ApiKey.Metadata]: '0-8',
  [ApiKey.OffsetCommit]: '0-7',
  [ApiKey.OffsetFetch]: '0-5',
  [ApiKey.FindCoordinator]: '0-2',
  [ApiKey.JoinGroup]: '0-5',
  [ApiKey.Heartbeat]: '0-3',
  [ApiKey.LeaveGroup]: '0-3',
  [ApiKey.SyncGroup]: '0-3',
  [ApiKey.DescribeGroups]: '0-4',
  [ApiKey.ListGroups]: '0-2',
  [ApiKey.SaslHandshake]: '0-1',
  [ApiKey.ApiVersions]: '0-2',
  [ApiKey.CreateTopics]: '0-4',
  [ApiKey.DeleteTopics]: '0-3',
  [ApiKey.InitProducerId]: '0-1',
  [ApiKey.OffsetForLeaderEpoch]: '0-3',
  [ApiKey.DescribeConfigs]: '0-2',
  [ApiKey.SaslAuthenticate]: '0-1',
  [ApiKey.CreatePartitions]: '0-1',
  [ApiKey.DeleteGroups]: '0-1',
};

describe('message tables', () => {
  it('cover exactly the served version range with one request and one response table per API', () => {
    const seen: Record<string, string> = {};
    for (const d of defs) seen[d.name] = `${d.versions.min}-${d.versions.max}`;
    const expected: Record<string, string> = {};
    for (const [key, range] of Object.entries(EXPECTED)) {
      const name = ApiKey[Number(key)];
      expected[`${name}Request`] = range;
      expected[`${name}Response`] = range;
    }
    expect(seen).toEqual(expected);
    for (const d of defs)
      expect(ApiKey[d.apiKey] + d.name.replace(/^.*(Request|Response)$/, '$1')).toBe(d.name);
  });

  describe.each(defs.map((d) => [d.name, d] as const))('%s', (_name, def) => {
    const versions: number[] = [];
    for (let v = def.versions.min; v <= def.versions.max; v++) versions.push(v);
    it.each(versions)('round-trips arbitrary values at v%i', (version) => {
      fc.assert(
        fc.property(arbitraryMessage(def, version), (value) => {
          const w = new Writer();
          def.encode(w, version, value as never);
          const r = new Reader(w.toBuffer());
          expect(def.decode(r, version)).toEqual(value);
          expect(r.remaining).toBe(0);
        }),
        { seed: 42, numRuns: 100 },
      );
    });
  });
});
