import type { ExploreSpec } from './types.js';

const ROLES = ['Admin', 'Developer', 'User', 'Viewer', 'Embed Viewer', 'Support'];
const PERMISSIONS = [
  'access_data,see_looks,see_user_dashboards,explore',
  'access_data,see_looks,download_without_limit,see_system_activity',
  'access_data,see_looks',
];

/** `role`: one row per role. A snapshot with no time field: windows do not apply. */
export const role: ExploreSpec = {
  name: 'role',
  view: 'role',
  label: 'Role',
  description: 'Roles: their permission set and model set.',
  kind: 'snapshot',
  defaults: { rows: 12, days: 0 },
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
      value: (r) => (r.index < ROLES.length ? ROLES[r.index]! : `Custom role ${r.index + 1}`),
    },
    {
      name: 'built_in',
      type: 'yesno',
      label: 'Built In',
      value: (r) => (r.index < 2 ? 'Yes' : 'No'),
    },
    {
      name: 'embed',
      type: 'yesno',
      label: 'Embed',
      value: (r) => (r.index === 4 ? 'Yes' : 'No'),
    },
    {
      name: 'models',
      type: 'string',
      label: 'Models',
      value: ({ random }) => random.pick(['all', 'ecommerce,finance']),
    },
    {
      name: 'permissions',
      type: 'string',
      label: 'Permissions',
      value: ({ random }) => random.pick(PERMISSIONS),
    },
    {
      name: 'model_set_id',
      type: 'number',
      label: 'Model Set ID',
      hidden: true,
      value: ({ random }) => 1 + random.int(5),
    },
    {
      name: 'permission_set_id',
      type: 'number',
      label: 'Permission Set ID',
      hidden: true,
      value: ({ random }) => 1 + random.int(8),
    },
  ],
};
