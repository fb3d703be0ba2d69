export * from './logger';
export * from './suggest';
export * from './config-error';
export * from './config-file';
export * from './kafkajs-cluster';
export * from './partition-fetcher';
export * from './kafkajs-codecs';
export * from './canonical-json';
