import type { ExploreSpec } from './types.js';
import { daysBeforeAsOf, integerTier, sometimesNull, TITLES } from './values.js';

const TIER_EDGES = [0, 7, 14, 21, 28, 90];
const COUNTS = 'Incremented Counts';

/**
 * `content_usage`: one row per dashboard or look with how it was accessed, by path, and when it
 * was last accessed (the cursor). A state table: ages are computed as of the dataset's end.
 */
export const contentUsage: ExploreSpec = {
  name: 'content_usage',
  view: 'content_usage',
  label: 'Content Usage',
  description: 'Usage of each dashboard and look: counts by access path and the last access time.',
  kind: 'snapshot',
  cursor: 'content_usage.last_accessed_time',
  defaults: { rows: 3000, days: 30 },
  fields: [
    {
      name: 'content_id',
      type: 'string',
      label: 'Content ID',
      value: (row) => String(1 + ((row.index * 7919) % 100_003)),
    },
    {
      name: 'content_title',
      type: 'string',
      label: 'Content Title',
      value: ({ random, index }) => sometimesNull(random, 0.02, () => `${random.pick(TITLES)} #${index}`),
    },
    {
      name: 'content_type',
      type: 'string',
      label: 'Content Type',
      value: ({ random }) => (random.next() < 0.55 ? 'dashboard' : 'look'),
    },
    {
      name: 'days_since_last_access_tiers',
      type: 'tier',
      label: 'Days Since Last Access Tiers',
      value: (row) => integerTier(daysBeforeAsOf(row), TIER_EDGES),
    },
    {
      name: 'days_since_last_accessed',
      type: 'number',
      label: 'Days Since Last Accessed',
      value: (row) => daysBeforeAsOf(row),
    },
    {
      name: 'id',
      type: 'number',
      label: 'ID',
      primaryKey: true,
      increasing: true,
      value: (row) => row.index + 1,
    },
    {
      name: 'api_count',
      type: 'number',
      label: 'API Count',
      groupLabel: COUNTS,
      value: ({ random }) => random.int(500),
    },
    {
      name: 'embed_count',
      type: 'number',
      label: 'Embed Count',
      groupLabel: COUNTS,
      value: ({ random }) => sometimesNull(random, 0.1, () => random.int(50)),
    },
    {
      name: 'favorite_count',
      type: 'number',
      label: 'Favorite Count',
      groupLabel: COUNTS,
      value: ({ random }) => random.int(20),
    },
    {
      name: 'public_count',
      type: 'number',
      label: 'Public Count',
      groupLabel: COUNTS,
      value: ({ random }) => sometimesNull(random, 0.05, () => random.int(5)),
    },
    {
      name: 'schedule_count',
      type: 'number',
      label: 'Schedule Count',
      groupLabel: COUNTS,
      value: ({ random }) => random.int(30),
    },
    {
      name: 'other_count',
      type: 'number',
      label: 'View Count',
      groupLabel: COUNTS,
      value: ({ random }) => random.int(1000),
    },
    {
      group: 'last_accessed',
      label: 'Last Accessed',
      groupLabel: 'Last Accessed Date',
      timeframes: ['time', 'date', 'week', 'month', 'year'],
    },
  ],
};
