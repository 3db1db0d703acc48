export {
  startLookerFake,
  type LookerFake,
  type LookerFakeOptions,
  type LookerQueryBody,
  type LookerQueryHook,
  type LookerQueryInfo,
  type LookerRequest,
  type QueryHookOptions,
} from './server.js';
export type { DatasetSpec, Retention } from './dataset.js';
export type { LookerRow, RemoveOptions, RowMatch, TruthOptions } from './system-activity.js';
export { systemActivity } from './catalogue.js';
export type { DimensionSpec, FieldSpec, TimeGroupSpec } from './types.js';
