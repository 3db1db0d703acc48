import type { ExploreSpec } from './types.js';
import { DAY_MS, hexToken, TITLES } from './values.js';

/** `look`: one row per saved Look (a snapshot; rows are in order of creation). */
export const look: ExploreSpec = {
  name: 'look',
  view: 'look',
  label: 'Look',
  description: 'Saved Looks: titles, folders, owners, public sharing, and their query.',
  kind: 'snapshot',
  cursor: 'look.created_time',
  defaults: { rows: 900, days: 365 },
  fields: [
    {
      name: 'id',
      type: 'number',
      label: 'ID',
      primaryKey: true,
      increasing: true,
      value: (r) => r.index + 1,
    },
    {
      group: 'created',
      label: 'Created',
      groupLabel: 'Created Date',
      timeframes: ['time', 'date', 'month'],
    },
    {
      group: 'deleted',
      label: 'Deleted',
      groupLabel: 'Deleted Date',
      timeframes: ['time', 'date'],
      value: ({ random, time, asOf }) =>
        random.next() < 0.92 ? null : Math.min(asOf - 1000, time + (1 + random.int(90)) * DAY_MS),
    },
    {
      name: 'title',
      type: 'string',
      label: 'Title',
      value: ({ random, index }) => `${random.pick(TITLES)} look ${index + 1}`,
    },
    {
      name: 'description',
      type: 'string',
      label: 'Description',
      value: ({ random }) => (random.next() < 0.7 ? null : 'Top 10 by revenue, "net" of returns'),
    },
    {
      name: 'public',
      type: 'yesno',
      label: 'Public',
      value: ({ random }) => (random.next() < 0.05 ? 'Yes' : 'No'),
    },
    {
      name: 'public_slug',
      type: 'string',
      label: 'Public Slug',
      value: ({ random }) => (random.next() < 0.95 ? null : hexToken(random, 16)),
    },
    {
      name: 'query_id',
      type: 'number',
      label: 'Query ID',
      hidden: true,
      value: ({ random }) => 1 + random.int(2_000_000),
    },
    {
      name: 'space_id',
      type: 'number',
      label: 'Space ID',
      hidden: true,
      value: ({ random }) => 1 + random.int(60),
    },
    {
      name: 'user_id',
      type: 'number',
      label: 'User ID',
      hidden: true,
      value: ({ random }) => 1 + random.int(500),
    },
  ],
};
