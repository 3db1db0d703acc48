export { startLookerFake, type LookerFake, type LookerFakeOptions, type LookerRequest } from './server.js';
export type { DatasetSpec, LookerRow } from './dataset.js';
export { fakeExplores } from './explores/index.js';
export type { ExploreSpec, FieldSpec } from './explores/index.js';
