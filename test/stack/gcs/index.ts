export { startGcsFake, type GcsFake, type GcsFakeOptions } from './server.js';
export { NotFound } from './errors.js';
