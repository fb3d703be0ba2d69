import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { formatPath } from '@tributary/connect-sdk';
import type { PipelineProblem } from './connector-spec';
import { interpolate, type Env } from './interpolate';

export type KeyPath = readonly (string | number)[];

/** A problem found while checking a file, not yet located: `at` says whether to point at the key or its value. */
export interface RawProblem {
  path: KeyPath;
  message: string;
  at?: 'key' | 'value';
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * A parsed YAML file that keeps node ranges, so every problem found in the plain data can be pointed back at
 * `file:line:col` through its key path.
 */
export class YamlSource {
  private readonly lines = new LineCounter();
  private readonly doc: Document.Parsed;

  constructor(
    readonly file: string,
    private readonly text: string,
  ) {
    this.doc = parseDocument(text, { uniqueKeys: true, lineCounter: this.lines, prettyErrors: true });
  }

  /**
   * YAML syntax errors. One real mistake makes the parser stumble over most tokens after it, so only the
   * first is listed (plus duplicate keys, which stand alone), with a count of the rest and a hint for the
   * common `${VAR}` inside `{ }` mistake.
   */
  syntaxProblems(): PipelineProblem[] {
    const errors = this.doc.errors;
    const shown = errors.filter((e, i) => i === 0 || e.code === 'DUPLICATE_KEY');
    const out = shown.map((e, i): PipelineProblem => {
      const at = e.linePos?.[0] ?? { line: 1, col: 1 };
      let message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      const lineText = this.text.split('\n')[at.line - 1] ?? '';
      // The parser reports indentation errors at the start of the line ("All mapping items must start at the
      // same column" at col 1); point at the misplaced token instead, where the reader's eye should go.
      const indent = /^[ \t]*/.exec(lineText)![0].length;
      const pos = at.col <= indent && indent < lineText.length ? { line: at.line, col: indent + 1 } : at;
      if (i === 0 && /[{[].*\$\{/.test(lineText)) {
        message += '; inside { } or [ ], quote values that use ${...}: "${VAR}"';
      }
      if (i === 0 && errors.length > shown.length) {
        message += ` (${errors.length - shown.length} more syntax errors follow from it)`;
      }
      return { file: this.file, line: pos.line, col: pos.col, key: '', message };
    });
    return out;
  }

  /**
   * Expands `${VAR}` references in every string value, in place. An unquoted value that becomes a number or a
   * boolean is typed as YAML would have typed it written out (`port: ${PORT:-8083}` is the number 8083).
   */
  interpolate(env: Env): RawProblem[] {
    const problems: RawProblem[] = [];
    const walk = (node: unknown, path: (string | number)[]): void => {
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          walk(pair.value, [...path, key]);
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, i) => walk(item, [...path, i]));
      } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
        const r = interpolate(node.value, env);
        if (!r.ok) {
          problems.push({ path, message: r.message });
          return;
        }
        node.value = node.type === 'PLAIN' ? retype(r.value) : r.value;
      }
    };
    walk(this.doc.contents, []);
    return problems;
  }

  toJS(): unknown {
    // maxAliasCount bounds alias expansion ("billion laughs").
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  /** 1-based line of the node at `path` (or of its nearest existing ancestor). */
  lineOf(path: KeyPath): number {
    return this.locate(path, 'value').line;
  }

  problem(p: RawProblem): PipelineProblem {
    const { line, col } = this.locate(p.path, p.at ?? 'value');
    return { file: this.file, line, col, key: formatPath(p.path), message: p.message };
  }

  /**
   * Finds the node at `path`; a missing key resolves to its nearest existing parent, so "missing required key"
   * points at the mapping that lacks it.
   */
  private locate(path: KeyPath, at: 'key' | 'value'): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let pos = this.posOf(node) ?? { line: 1, col: 1 };
    for (let i = 0; i < path.length; i++) {
      const part = path[i];
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(part),
        );
        if (!pair) break;
        const keyPos = this.posOf(pair.key);
        if (at === 'key' && i === path.length - 1 && keyPos) return keyPos;
        // `config:` with nothing after it has a null value without a range; point at the key.
        next = pair.value;
        const valuePos = this.posOf(next) ?? keyPos;
        if (valuePos) pos = valuePos;
      } else if (isSeq(node) && typeof part === 'number' && part < node.items.length) {
        next = node.items[part];
        pos = this.posOf(next) ?? pos;
      } else {
        break;
      }
      node = next;
    }
    return pos;
  }

  private posOf(node: unknown): { line: number; col: number } | null {
    const range = (node as Node | null | undefined)?.range;
    if (!range) return null;
    return this.lines.linePos(range[0]);
  }
}

function retype(text: string): unknown {
  if (NUMBER.test(text)) return Number(text);
  if (text === 'true') return true;
  if (text === 'false') return false;
  return text;
}
