import type { ExploreDefinition } from './types.js';

/** Group membership, direct and through other groups, on the snapshot day. */
export const groupUser: ExploreDefinition = {
  name: 'group_user',
  explore: 'group',
  view: 'group_user',
  description: 'One row per membership of a user in a group per snapshot day (direct or inherited).',
  mode: 'snapshot',
  modeReason: 'Membership is state: users join and leave groups in place.',
  completeness:
    'Read through the group explore, which joins group_user one_to_many: every membership of an existing group appears; the filter drops the NULL row of an empty group.',
  filters: { 'group_user.id': 'NOT NULL' },
  clusterBy: ['group_id'],
  primaryKey: ['id'],
  // group_user.count is named by 2024 tools only; the 2020 model has no measure on this view, so the
  // snapshot is paged by key without a count to verify against.
  countField: null,
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Membership row ID.' },
    { name: 'group_id', type: 'INTEGER', description: 'Group.' },
    { name: 'user_id', type: 'INTEGER', description: 'User.' },
    {
      name: 'from_group_id',
      type: 'INTEGER',
      description: 'Group the membership is inherited from, if any.',
    },
    { name: 'is_direct_group', type: 'BOOLEAN', description: 'Whether the user is a direct member.' },
  ],
};
