// One file per API key; each exports <Api>Request and <Api>Response tables and their inferred types.
export * from './00-produce';
export * from './01-fetch';
export * from './02-list-offsets';
export * from './03-metadata';
export * from './18-api-versions';
export * from './19-create-topics';
export * from './20-delete-topics';
export * from './32-describe-configs';
export * from './37-create-partitions';
