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
    'Read through the user explore (user_facts one_to_many, then user_facts_role many_to_many): grants of deleted users do not appear; keyed by the user_facts_role id, with a filter dropping the NULL row of a user without roles.',
  filters: { 'user_facts_role.id': 'NOT NULL' },
  clusterBy: ['role_id'],
  primaryKey: ['id'],
  // The view declares no measure at all: reads are paged by key but cannot be checked against a count.
  countField: null,
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Grant row ID.' },
    { name: 'user_id', type: 'INTEGER', description: 'User.' },
    { name: 'role_id', type: 'INTEGER', description: 'Role the user holds.' },
  ],
};
