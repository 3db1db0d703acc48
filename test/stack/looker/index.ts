export { startLookerFake, type LookerFake, type LookerFakeOptions, type LookerRequest } from './server.js';
export type { DatasetSpec, Retention } from './dataset.js';
export type { LookerRow, TruthOptions } from './system-activity.js';
export { systemActivity } from './catalogue.js';
export type { DimensionSpec, FieldSpec, TimeGroupSpec } from './types.js';
