import type { ExploreSpec } from './types.js';
import { DAY_MS, TITLES } from './values.js';

/** `dashboard`: one row per user-defined dashboard (a snapshot; rows are in order of creation). */
export const dashboard: ExploreSpec = {
  name: 'dashboard',
  view: 'dashboard',
  label: 'Dashboard',
  description: 'User-defined dashboards: titles, folders, owners, and creation and deletion times.',
  kind: 'snapshot',
  cursor: 'dashboard.created_time',
  defaults: { rows: 400, days: 365 },
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
        random.next() < 0.9 ? null : Math.min(asOf - 1000, time + (1 + random.int(60)) * DAY_MS),
    },
    {
      name: 'title',
      type: 'string',
      label: 'Title',
      value: ({ random, index }) => `${random.pick(TITLES)} (${index + 1})`,
    },
    {
      name: 'description',
      type: 'string',
      label: 'Description',
      value: ({ random }) => (random.next() < 0.6 ? null : 'Numbers for the "weekly" review — see C:\\docs'),
    },
    {
      name: 'hidden',
      type: 'yesno',
      label: 'Hidden',
      value: ({ random }) => (random.next() < 0.05 ? 'Yes' : 'No'),
    },
    {
      name: 'space_id',
      type: 'number',
      label: 'Space ID',
      hidden: true,
      value: ({ random }) => 1 + random.int(60),
    },
    {
      name: 'refresh_interval',
      type: 'string',
      label: 'Refresh Interval',
      value: ({ random }) => random.pick([null, null, '15 minutes', '1 hour']),
    },
    {
      name: 'user_id',
      type: 'number',
      label: 'User ID',
      hidden: true,
      value: ({ random }) => 1 + random.int(500),
    },
    {
      name: 'run_on_load',
      type: 'yesno',
      label: 'Run on Load',
      value: ({ random }) => (random.next() < 0.7 ? 'Yes' : 'No'),
    },
  ],
};
