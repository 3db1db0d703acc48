import type { ExploreDefinition } from './types.js';

/** Open Looker sessions: who is logged in, from where, with which browser, on the snapshot day. */
export const session: ExploreDefinition = {
  name: 'session',
  explore: 'user',
  view: 'session',
  description: 'One row per session per snapshot day: user, place, browser, credentials and expiry.',
  mode: 'snapshot',
  modeReason:
    'A session is state: it is extended in place (extended_time, expires_time) and removed when it ends.',
  completeness:
    'Read through the user explore, which joins session one_to_many: sessions of deleted users do not appear, and Looker keeps sessions only while they last (logins are in event). The filter drops the NULL row of a user without sessions.',
  filters: { 'session.id': 'NOT NULL' },
  clusterBy: ['user_id'],
  primaryKey: ['id'],
  omittedFields: {
    'session.sudo_url': 'a Looker UI link or URL derived from the row',
  },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Session ID.' },
    { name: 'user_id', type: 'INTEGER', description: 'User.' },
    { name: 'sudo_user_id', type: 'INTEGER', description: 'Admin acting as the user (sudo), if any.' },
    { name: 'created_time', type: 'DATETIME', description: 'When the session started (UTC).' },
    { name: 'expires_time', type: 'DATETIME', description: 'When it expires (UTC).' },
    { name: 'extended_time', type: 'DATETIME', description: 'When it was last extended (UTC).' },
    { name: 'extended_count', type: 'INTEGER', description: 'Times it was extended.' },
    { name: 'credentials_type', type: 'STRING', description: 'How the user logged in.' },
    { name: 'browser', type: 'STRING', description: 'Browser.' },
    { name: 'operating_system', type: 'STRING', description: 'Operating system.' },
    { name: 'ip_address', type: 'STRING', description: 'IP address.', personal: 'hash' },
    { name: 'city', type: 'STRING', description: 'City (from the IP address).', personal: 'drop' },
    { name: 'state', type: 'STRING', description: 'State or region (from the IP address).' },
    { name: 'country', type: 'STRING', description: 'Country (from the IP address).' },
    { name: 'workspace_id', type: 'STRING', description: 'Workspace: production or dev.' },
    {
      name: 'user_overrides_workspace',
      type: 'BOOLEAN',
      description: 'Looker field session.user_overrides_workspace (not described in the model facts).',
    },
  ],
};
