import type { ExploreSpec } from './types.js';
import { personName } from './values.js';

/** `user`: one row per Looker user (a snapshot; rows are in order of creation). */
export const user: ExploreSpec = {
  name: 'user',
  view: 'user',
  label: 'User',
  description: 'Users of the instance: identity, state, and when they were created.',
  kind: 'snapshot',
  cursor: 'user.created_time',
  defaults: { rows: 500, days: 365 },
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
      timeframes: ['time', 'date', 'month', 'year'],
    },
    {
      name: 'email',
      type: 'string',
      label: 'Email',
      value: ({ index, random }) =>
        random.next() < 0.03
          ? null
          : `user${index + 1}@${random.pick(['example.com', 'exämple.org', 'corp.test'])}`,
    },
    {
      name: 'first_name',
      type: 'string',
      label: 'First Name',
      value: (r) => personName(r.index + 1).first,
    },
    {
      name: 'last_name',
      type: 'string',
      label: 'Last Name',
      value: (r) => personName(r.index + 1).last,
    },
    {
      name: 'name',
      type: 'string',
      label: 'Name',
      value: (r) => {
        const { first, last } = personName(r.index + 1);
        return `${first} ${last}`;
      },
    },
    {
      name: 'is_disabled',
      type: 'yesno',
      label: 'Is Disabled',
      value: ({ random }) => (random.next() < 0.08 ? 'Yes' : 'No'),
    },
    {
      name: 'dev_mode',
      type: 'yesno',
      label: 'Dev Mode',
      value: ({ random }) => (random.next() < 0.15 ? 'Yes' : 'No'),
    },
    { name: 'is_looker', type: 'yesno', label: 'Is Looker', value: () => 'No' },
    {
      name: 'models_dir',
      type: 'string',
      label: 'Models Dir',
      hidden: true,
      value: ({ index, random }) => (random.next() < 0.15 ? `dev-user-${index + 1}` : null),
    },
  ],
};
