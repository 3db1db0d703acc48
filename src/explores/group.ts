import type { ExploreDefinition } from './types.js';

/** User groups, as they are on the day of the snapshot. */
export const group: ExploreDefinition = {
  name: 'group',
  view: 'group',
  description: 'One row per group per snapshot day.',
  mode: 'snapshot',
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Group ID.' },
    { name: 'name', type: 'STRING', description: 'Group name.' },
    { name: 'external_group_id', type: 'STRING', description: 'ID of the group in the identity provider.' },
  ],
};
