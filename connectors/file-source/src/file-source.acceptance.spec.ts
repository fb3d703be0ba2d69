import { describeSourceAcceptance } from '@tributary/connect-sdk/acceptance';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileSource } from './index';

describeSourceAcceptance(fileSource, {
  config: (dir) => ({ paths: [join(dir, '*.log')], topic: 'logs', 'poll.interval': 10 }),
  writeInput: (dir, n) => {
    const file = join(dir, 'app.log');
    const have = existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;
    let text = '';
    for (let i = have; i < have + n; i++) text += `line ${i} of the acceptance input\n`;
    appendFileSync(file, text);
  },
  badConfigs: [
    { config: { topic: 'logs' }, expect: /missing required key "paths"/ },
    { config: { paths: [], topic: 'logs' }, expect: /paths|too small|>=1/i },
    { config: { paths: ['a.log'], topic: 'logs', format: 'xml' }, expect: /line|json|regex/ },
    { config: { paths: ['a.log'], topic: 'logs', format: 'regex' }, expect: /needs a `regex`/ },
    { config: { paths: ['a.log'], topic: 'logs', 'poll.interval': 'often' }, expect: /not a duration/ },
    {
      config: { paths: ['a.log'], topic: 'logs', multiline: { start: '(' } },
      expect: /not a valid regular expression/,
    },
  ],
});
