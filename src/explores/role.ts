import type { ExploreDefinition } from './types.js';

/** Roles and what they grant, as they are on the day of the snapshot. */
export const role: ExploreDefinition = {
  name: 'role',
  view: 'role',
  description: 'One row per role per snapshot day: its permissions and models.',
  mode: 'snapshot',
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Role ID.' },
    { name: 'name', type: 'STRING', description: 'Role name.' },
    { name: 'built_in', type: 'BOOLEAN', description: 'Whether Looker defines it.' },
    { name: 'embed', type: 'BOOLEAN', description: 'Whether it is an embed role.' },
    { name: 'models', type: 'STRING', description: 'Models the role reaches.' },
    { name: 'permissions', type: 'STRING', description: 'Permissions the role grants.' },
    { name: 'model_set_id', type: 'INTEGER', description: 'Model set ID.' },
    { name: 'permission_set_id', type: 'INTEGER', description: 'Permission set ID.' },
  ],
};
