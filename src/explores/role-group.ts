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
    'Read through the group explore, which joins role_group (one_to_many) and the role through it as group_role. The 2020 model declares role_group `fields: []`: Looker joins through it but exposes none of its fields, so a grant is read as the pair the explore does expose, `group.id` and `group_role.id`, one row per pair (a group grants a role once). Grants to deleted groups, and of deleted roles, do not appear; the filter drops the NULL row of a group without roles.',
  filters: { 'group_role.id': 'NOT NULL' },
  clusterBy: ['group_id'],
  primaryKey: ['group_id', 'role_id'],
  // The pair is counted by no measure (group_role.count counts roles, not grants): pages prove the read.
  countField: null,
  fields: [
    { name: 'group_id', type: 'INTEGER', field: 'group.id', description: 'Group.' },
    { name: 'role_id', type: 'INTEGER', field: 'group_role.id', description: 'Role the group grants.' },
  ],
};
