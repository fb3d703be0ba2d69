export * from './connector-spec';
export * from './load-pipeline';
export * from './pipeline-error';
export * from './spec-fingerprint';
export { interpolate, type Env } from './interpolate';
export * from './parse-connector-entry';
