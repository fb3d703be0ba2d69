import { describeSinkAcceptance } from '@tributary/connect-sdk/acceptance';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileSink } from './index';

describeSinkAcceptance(fileSink, {
  config: (dir) => ({ path: join(dir, 'out', 'records.jsonl') }),
  readOutput: (dir) => {
    const file = join(dir, 'out', 'records.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as unknown);
  },
  badConfigs: [
    { config: {}, expect: /missing required key "path"/ },
    { config: { path: '' }, expect: /too small|>=1/i },
    { config: { path: 'o.jsonl', format: 'csv' }, expect: /value|envelope/ },
    { config: { path: 'o.jsonl', fsync: 'yes' }, expect: /boolean/ },
  ],
});
