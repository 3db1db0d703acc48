import type { ExploreDefinition } from './types.js';

/** Which roles each group grants (for access reviews), on the snapshot day. */
export const roleGroup: ExploreDefinition = {
  name: 'role_group',
  explore: 'group',
  view: 'role_group',
  description: 'One row per role granted to a group per snapshot day.',
  mode: 'snapshot',
  modeReason: 'Role grants are state: granted and revoked in place.',
  completeness:
    'Read through the group explore, which joins role_group one_to_many: every grant to an existing group appears; the filter drops the NULL row of a group without roles.',
  filters: { 'role_group.id': 'NOT NULL' },
  clusterBy: ['group_id'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Grant row ID.' },
    { name: 'group_id', type: 'INTEGER', description: 'Group.' },
    { name: 'role_id', type: 'INTEGER', description: 'Role the group grants.' },
  ],
};
