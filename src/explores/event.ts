import type { ExploreDefinition } from './types.js';

/** Looker's audit events: logins, content changes, permission changes, API calls. */
export const event: ExploreDefinition = {
  name: 'event',
  explore: 'event',
  view: 'event',
  description: 'One row per Looker event (Looker prunes this table; BigQuery keeps it).',
  mode: 'incremental',
  modeReason: 'An event is written once when it happens and never changed; created_time is its time.',
  completeness:
    'The base view is event itself: every event Looker still keeps appears once (Looker prunes at one million rows, so export daily).',
  cursorField: 'created_time',
  clusterBy: ['category', 'name'],
  primaryKey: ['id'],
  actorField: 'user_id',
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Event ID.' },
    { name: 'created_time', type: 'DATETIME', description: 'When the event happened (UTC).' },
    { name: 'name', type: 'STRING', description: 'Event name, e.g. login, create_dashboard.' },
    { name: 'category', type: 'STRING', description: 'Event category, e.g. authentication, content.' },
    { name: 'user_id', type: 'INTEGER', description: 'User who caused the event.' },
    { name: 'sudo_user_id', type: 'INTEGER', description: 'Admin acting as the user (sudo), if any.' },
    { name: 'is_admin', type: 'BOOLEAN', description: 'Whether the user was an admin.' },
    { name: 'is_api_call', type: 'BOOLEAN', description: 'Whether the event came from an API call.' },
    { name: 'is_looker_employee', type: 'BOOLEAN', description: 'Whether a Looker employee caused it.' },
  ],
};
