import type { ExploreDefinition } from './types.js';

/** Roles and what they grant, as they are on the day of the snapshot. */
export const role: ExploreDefinition = {
  name: 'role',
  explore: 'role',
  view: 'role',
  description: 'One row per role per snapshot day: its permissions and models.',
  mode: 'snapshot',
  modeReason: 'A role is state: its permission set and model set are edited in place.',
  completeness:
    'The base view is role; permission_set and model_set are joined many_to_one, so every role appears once with what it grants.',
  primaryKey: ['id'],
  omittedFields: {
    'role.edit_link': 'a Looker UI link or URL derived from the row',
  },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Role ID.' },
    { name: 'name', type: 'STRING', description: 'Role name.' },
    { name: 'built_in', type: 'BOOLEAN', description: 'Whether Looker defines it.' },
    { name: 'embed', type: 'BOOLEAN', description: 'Whether it is an embed role.' },
    { name: 'model_set_id', type: 'INTEGER', description: 'Model set ID.' },
    { name: 'model_set_name', field: 'model_set.name', type: 'STRING', description: 'Model set name.' },
    { name: 'models', field: 'model_set.models', type: 'STRING', description: 'Models the role reaches.' },
    { name: 'permission_set_id', type: 'INTEGER', description: 'Permission set ID.' },
    {
      name: 'permission_set_name',
      field: 'permission_set.name',
      type: 'STRING',
      description: 'Permission set name.',
    },
    {
      name: 'permissions',
      field: 'permission_set.permissions',
      type: 'STRING',
      description: 'Permissions the role grants.',
    },
  ],
};
