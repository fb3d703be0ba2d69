import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderConnectorDocs } from '@tributary/connect-sdk/config-docs';
import { CONNECTORS } from './index';

/** docs/connectors is generated from the config specs; CI fails when someone changes a spec but not the docs. */
describe('docs/connectors', () => {
  it.each([...renderConnectorDocs(CONNECTORS)])(
    '%s is up to date (run `npm run docs:connectors`)',
    (file, text) => {
      expect(readFileSync(join(__dirname, '..', 'docs', 'connectors', file), 'utf8')).toBe(text);
    },
  );
});
