import { z } from 'zod';
import { compileWhole, regexError } from './regex';
import { defineTransform, ifOption } from './transform-definition';

/**
 * `{ type: route, regex: "^app-(.*)$", replacement: "logs-$1" }`: renames the topic when the regex matches
 * the whole topic name (Kafka's RegexRouter); other records pass unchanged.
 */
export const routeTransform = defineTransform({
  type: 'route',
  summary: 'rename the topic by regex ($1 refers to groups)',
  options: z.strictObject({
    if: ifOption,
    regex: z.string().superRefine((p, ctx) => {
      const err = regexError(p);
      if (err) ctx.addIssue({ code: 'custom', message: err });
    }),
    replacement: z.string().min(1, { error: 'must not be empty' }),
  }),
  create(o) {
    const re = compileWhole(o.regex);
    const replacement = o.replacement;
    return (r) => (re.test(r.topic) ? { ...r, topic: r.topic.replace(re, replacement) } : r);
  },
});
