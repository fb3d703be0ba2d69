export * from './metadata-types';
