import type { ExploreDefinition } from './types.js';

/** Which roles each user holds (for access reviews), on the snapshot day. */
export const userFactsRole: ExploreDefinition = {
  name: 'user_facts_role',
  explore: 'user',
  view: 'user_facts_role',
  description: 'One row per user and role they hold per snapshot day.',
  mode: 'snapshot',
  modeReason: 'Role grants are state: granted and revoked in place.',
  completeness:
    'Read through the user explore, which joins user_facts_role (many_to_many) and role through it. The 2020 model declares that join `fields: []`: Looker joins through it but exposes none of its fields, so a grant is read as the pair of fields the explore does expose, `user.id` and `role.id`, one row per pair (a user holds a role once). Grants of deleted users, and of deleted roles, do not appear; the filter drops the NULL row of a user without roles.',
  filters: { 'role.id': 'NOT NULL' },
  clusterBy: ['role_id'],
  primaryKey: ['user_id', 'role_id'],
  // The pair is counted by no measure (role.count counts roles, not grants): pages prove the read.
  countField: null,
  fields: [
    { name: 'user_id', type: 'INTEGER', field: 'user.id', description: 'User.' },
    { name: 'role_id', type: 'INTEGER', field: 'role.id', description: 'Role the user holds.' },
  ],
};
