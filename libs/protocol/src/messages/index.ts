// One file per API key; each exports <Api>Request and <Api>Response tables and their inferred types.
export * from './18-api-versions';
