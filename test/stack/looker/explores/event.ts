import type { ExploreSpec } from './types.js';

/** Event names by category, from Looker's "Looker events" reference. */
export const EVENTS: readonly (readonly [string, string])[] = [
  ['login', 'login'],
  ['logout', 'login'],
  ['create_dashboard', 'dashboard'],
  ['update_dashboard', 'dashboard'],
  ['delete_dashboard', 'dashboard'],
  ['create_look', 'look'],
  ['update_look', 'look'],
  ['add_group_user', 'group'],
  ['create_user', 'user'],
  ['update_user', 'user'],
  ['run_scheduled_plan', 'scheduled_plan'],
  ['acquire_cookieless_embed_session', 'embed'],
];

/** `event`: one row per application event (logins, content changes, permission changes...). */
export const event: ExploreSpec = {
  name: 'event',
  view: 'event',
  label: 'Event',
  description: 'Application events with their category and the user who triggered them (pruned to 1M rows).',
  kind: 'event',
  cursor: 'event.created_time',
  defaults: { rows: 4000, days: 30 },
  fields: [
    {
      name: 'id',
      type: 'number',
      label: 'ID',
      primaryKey: true,
      increasing: true,
      value: (r) => 5_000_000 + r.index,
    },
    {
      group: 'created',
      label: 'Created',
      groupLabel: 'Created Date',
      timeframes: ['time', 'date', 'week', 'month'],
    },
    {
      name: 'name',
      type: 'string',
      label: 'Name',
      value: (r) => EVENTS[(r.index * 7 + 3) % EVENTS.length]![0],
    },
    {
      name: 'category',
      type: 'string',
      label: 'Category',
      value: (r) => EVENTS[(r.index * 7 + 3) % EVENTS.length]![1],
    },
    {
      name: 'user_id',
      type: 'number',
      label: 'User ID',
      value: ({ random }) => 1 + random.int(500),
    },
    {
      name: 'sudo_user_id',
      type: 'number',
      label: 'Sudo User ID',
      value: ({ random }) => (random.next() < 0.97 ? null : 1 + random.int(5)),
    },
    {
      name: 'is_admin',
      type: 'yesno',
      label: 'Is Admin',
      value: ({ random }) => (random.next() < 0.1 ? 'Yes' : 'No'),
    },
    {
      name: 'is_api_call',
      type: 'yesno',
      label: 'Is API Call',
      value: ({ random }) => (random.next() < 0.3 ? 'Yes' : 'No'),
    },
    {
      name: 'is_looker_employee',
      type: 'yesno',
      label: 'Is Looker Employee',
      value: () => 'No',
    },
  ],
};
