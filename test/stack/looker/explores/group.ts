import type { ExploreSpec } from './types.js';

const NAMES = [
  'All Users',
  'Admins',
  'Finance',
  'Marketing — EMEA',
  'Support "Tier 2"',
  'データチーム',
  'Embed users',
];

/** `group`: one row per user group. A snapshot with no time field: windows do not apply. */
export const group: ExploreSpec = {
  name: 'group',
  view: 'group',
  label: 'Group',
  description: 'User groups.',
  kind: 'snapshot',
  defaults: { rows: 40, days: 0 },
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
      name: 'name',
      type: 'string',
      label: 'Name',
      value: (r) => (r.index < NAMES.length ? NAMES[r.index]! : `Team ${r.index + 1}`),
    },
    {
      name: 'external_group_id',
      type: 'string',
      label: 'External Group ID',
      value: ({ index, random }) => (random.next() < 0.6 ? null : `okta-${index + 1}`),
    },
  ],
};
