/** A config the connector must reject, and what the problem message must say. */
export interface BadConfig {
  config: Record<string, unknown>;
  expect: RegExp;
}

export interface SourceFixture {
  /** A valid config reading the input written into `dir`. */
  config(dir: string): Record<string, unknown>;
  /** Produces `n` new input items in `dir`, each distinct from every item produced before. */
  writeInput(dir: string, n: number): Promise<void> | void;
  badConfigs: BadConfig[];
}

export interface SinkFixture {
  /** A valid config writing its output into `dir`. */
  config(dir: string): Record<string, unknown>;
  /** The values the sink wrote to `dir`, in order. */
  readOutput(dir: string): Promise<unknown[]> | unknown[];
  badConfigs: BadConfig[];
}
