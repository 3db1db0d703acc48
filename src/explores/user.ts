import type { ExploreDefinition } from './types.js';

/** Looker users, as they are on the day of the snapshot. */
export const user: ExploreDefinition = {
  name: 'user',
  explore: 'user',
  view: 'user',
  description: 'One row per user per snapshot day.',
  mode: 'snapshot',
  modeReason:
    'A user is state: names, e-mail and the disabled flag are edited in place; a deleted user disappears.',
  completeness:
    'The base view is user itself: every user that exists appears once. Roles, logins and Looker-employee flags are in user_facts (joined one_to_many, so kept apart).',
  clusterBy: ['id'],
  primaryKey: ['id'],
  omittedFields: {
    'user.edit_link': 'a Looker UI link or URL derived from the row',
    'user.external_avatar_url': 'a Looker UI link or URL derived from the row',
  },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'User ID.' },
    { name: 'created_time', type: 'DATETIME', description: 'When the user was created (UTC).' },
    { name: 'email', type: 'STRING', description: 'E-mail address.', personal: 'hash' },
    { name: 'first_name', type: 'STRING', description: 'First name.', personal: 'hash' },
    { name: 'last_name', type: 'STRING', description: 'Last name.', personal: 'hash' },
    { name: 'name', type: 'STRING', description: 'Full name.', personal: 'hash' },
    { name: 'is_disabled', type: 'BOOLEAN', description: 'Whether the user is disabled.' },
    { name: 'timezone', type: 'STRING', description: 'Time zone of the user.' },
    { name: 'home_space_id', type: 'STRING', description: 'Home folder of the user.' },
    { name: 'dev_branch_name', type: 'STRING', description: 'Git branch of the user in development mode.' },
  ],
};
