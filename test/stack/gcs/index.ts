export { startGcsFake, type GcsFake } from './server.js';
export { NotFound } from './store.js';
