import type { FileSourceConfig } from './config';

export interface Parsed {
  value: unknown;
  /** Set when the text could not be parsed; the value is then the raw text so the error policy can route it. */
  failure?: Error;
}

export type Parser = (text: string, where: string) => Parsed;

/** Builds the value parser for the configured `format`. */
export function makeParser(config: Pick<FileSourceConfig, 'format' | 'regex'>): Parser {
  switch (config.format) {
    case 'line':
      return (text) => ({ value: text });
    case 'json':
      return (text, where) => {
        try {
          return { value: JSON.parse(text) as unknown };
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          return { value: text, failure: new Error(`${where} is not valid JSON: ${reason}`) };
        }
      };
    case 'regex': {
      const re = new RegExp(config.regex ?? '');
      return (text, where) => {
        const m = re.exec(text);
        if (!m) return { value: text, failure: new Error(`${where} does not match the regex ${re.source}`) };
        const groups: Record<string, string | null> = {};
        for (const [name, v] of Object.entries(m.groups ?? {})) groups[name] = v ?? null;
        return { value: groups };
      };
    }
  }
}
