import type { ExploreDefinition } from './types.js';

/** User groups, as they are on the day of the snapshot. */
export const group: ExploreDefinition = {
  name: 'group',
  explore: 'group',
  view: 'group',
  description: 'One row per group per snapshot day.',
  mode: 'snapshot',
  modeReason: 'A group is state: renamed and re-linked to the identity provider in place.',
  completeness: 'The base view is group itself: every group appears once.',
  primaryKey: ['id'],
  omittedFields: {
    'group.edit_link': 'a Looker UI link or URL derived from the row',
  },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Group ID.' },
    { name: 'name', type: 'STRING', description: 'Group name.' },
    { name: 'external_group_id', type: 'STRING', description: 'ID of the group in the identity provider.' },
    { name: 'externally_managed', type: 'BOOLEAN', description: 'Whether the identity provider manages it.' },
    { name: 'include_by_default', type: 'BOOLEAN', description: 'Whether new users join it.' },
    {
      name: 'can_add_to_content_metadata',
      type: 'BOOLEAN',
      description: 'Whether it can be given access to folders.',
    },
  ],
};
