/** DI tokens for values that are not classes. */
export const BROKER_CONFIG = Symbol('BROKER_CONFIG');
export const API_HANDLERS = Symbol('API_HANDLERS');
