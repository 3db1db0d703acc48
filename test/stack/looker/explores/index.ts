import { contentUsage } from './content-usage.js';
import { history } from './history.js';
import type { FakeExplore } from './types.js';

export type { FakeExplore, FakeField, LookerFieldType, RowRandom } from './types.js';

/** Every explore the fake serves in the `system__activity` model. */
export const fakeExplores: ReadonlyMap<string, FakeExplore> = new Map(
  [contentUsage, history].map((e) => [e.name, e]),
);
