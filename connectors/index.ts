/**
 * The connector registry: every connector plugin is imported here, statically (docs/adr/0001). Connectors
 * arrive with the connect worker; the list is empty until then.
 */
export const CONNECTORS: readonly unknown[] = [];
