/** Transforms and predicates match regexes against the whole string, as Kafka's RegexRouter and TopicNameMatches do. */
export function compileWhole(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** null when `pattern` compiles, else the engine's complaint. */
export function regexError(pattern: string): string | null {
  try {
    compileWhole(pattern);
    return null;
  } catch (e) {
    return `invalid regular expression "${pattern}": ${(e as Error).message}`;
  }
}
