import type { ExploreDefinition } from './types.js';

/** Looker users, as they are on the day of the snapshot. */
export const user: ExploreDefinition = {
  name: 'user',
  view: 'user',
  description: 'One row per user per snapshot day.',
  mode: 'snapshot',
  clusterBy: ['id'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'User ID.' },
    { name: 'created_time', type: 'DATETIME', description: 'When the user was created (UTC).' },
    { name: 'email', type: 'STRING', description: 'E-mail address.', personal: 'hash' },
    { name: 'first_name', type: 'STRING', description: 'First name.', personal: 'hash' },
    { name: 'last_name', type: 'STRING', description: 'Last name.', personal: 'hash' },
    { name: 'name', type: 'STRING', description: 'Full name.', personal: 'hash' },
    { name: 'is_disabled', type: 'BOOLEAN', description: 'Whether the user is disabled.' },
    { name: 'dev_mode', type: 'BOOLEAN', description: 'Whether the user was in development mode.' },
    { name: 'is_looker', type: 'BOOLEAN', description: 'Whether this is a Looker support user.' },
    { name: 'models_dir', type: 'STRING', description: 'Development mode directory of the user.' },
  ],
};
