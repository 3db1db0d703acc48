export { startCloudTasksFake, type CloudTasksFake, type CloudTasksFakeOptions } from './server.js';
export type { DispatchRecord, DroppedTask } from './dispatcher.js';
export type { Jwk } from './oidc.js';
