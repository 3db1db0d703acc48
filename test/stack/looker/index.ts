export { startLookerFake, type LookerFake, type LookerFakeOptions, type LookerRequest } from './server.js';
export type { DatasetSpec, LookerRow } from './dataset.js';
export { fakeExplores } from './explores/index.js';
export type { DimensionSpec, ExploreSpec, FieldSpec, TimeGroupSpec } from './explores/index.js';
