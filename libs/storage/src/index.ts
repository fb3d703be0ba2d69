export * from './errors';
export * from './log-config';
export * from './flush-scheduler';
export * from './partition-log';
export { ReadBufferPool } from './read-buffer-pool';
export * from './log-manager';
export * from './leader-epoch-cache';
export * from './high-watermark-checkpoint';
export { segmentFileName, parseLogFileName } from './segment-files';
