import type { ExploreDefinition } from './types.js';

/** Per user: kind of account, roles held, credentials and last logins, on the snapshot day. */
export const userFacts: ExploreDefinition = {
  name: 'user_facts',
  explore: 'user',
  view: 'user_facts',
  description: 'One row per user_facts row per snapshot day: account kind, credentials and last logins.',
  mode: 'snapshot',
  modeReason: 'Facts about a user are state: last logins, sessions and permission flags change in place.',
  completeness:
    'No user_facts explore exists: it is read through the user explore, which joins user_facts one_to_many; keyed by the user_facts id (the child), with a filter dropping the NULL row of a user without facts.',
  filters: { 'user_facts.id': 'NOT NULL' },
  clusterBy: ['user_id'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'User facts row ID.' },
    { name: 'user_id', type: 'INTEGER', description: 'User.' },
    { name: 'is_admin', type: 'BOOLEAN', description: 'Whether the user is an admin.' },
    { name: 'is_developer', type: 'BOOLEAN', description: 'Whether the user may develop LookML.' },
    { name: 'is_explorer', type: 'BOOLEAN', description: 'Whether the user may explore.' },
    { name: 'is_viewer', type: 'BOOLEAN', description: 'Whether the user may only view.' },
    { name: 'is_content_saver', type: 'BOOLEAN', description: 'Whether the user may save content.' },
    { name: 'is_embed', type: 'BOOLEAN', description: 'Whether this is an embed user.' },
    {
      name: 'is_looker_employee',
      type: 'BOOLEAN',
      description: 'Whether this is a Looker employee (support) account.',
    },
    {
      name: 'is_verified_looker_employee',
      type: 'BOOLEAN',
      description: 'Verified Looker employee account.',
    },
    {
      name: 'is_presumed_looker_employee',
      type: 'BOOLEAN',
      description: 'Presumed Looker employee account.',
    },
    { name: 'has_api_credentials', type: 'BOOLEAN', description: 'Whether the user has API keys.' },
    { name: 'has_ui_credentials', type: 'BOOLEAN', description: 'Whether the user can log in to the UI.' },
    { name: 'active_api_sessions', type: 'INTEGER', description: 'Open API sessions.' },
    { name: 'active_ui_sessions', type: 'INTEGER', description: 'Open UI sessions.' },
    { name: 'last_api_login_time', type: 'DATETIME', description: 'Last API login (UTC).' },
    { name: 'last_ui_login_time', type: 'DATETIME', description: 'Last UI login (UTC).' },
    { name: 'last_ui_login_credential_type', type: 'STRING', description: 'How the user last logged in.' },
    { name: 'external_id', type: 'STRING', description: 'ID of the user in the identity provider.' },
  ],
};
