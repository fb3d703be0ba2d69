export * from './records';
export * from './errors';
export * from './tasks';
export * from './define-connector';
export * from './validate-config';
export * from './duration';
export * from './sleep';
