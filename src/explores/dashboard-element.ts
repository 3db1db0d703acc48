import type { ExploreDefinition } from './types.js';

/** Dashboard tiles: what each shows (look, query, merge query, text) on the day of the snapshot. */
export const dashboardElement: ExploreDefinition = {
  name: 'dashboard_element',
  explore: 'dashboard',
  view: 'dashboard_element',
  description: 'One row per dashboard tile per snapshot day: its dashboard, kind, title and source.',
  mode: 'snapshot',
  modeReason: 'A tile is state: its title, query and source are edited in place, and it is soft-deleted.',
  completeness:
    'Read through the dashboard explore, whose base view dashboard_layout_component joins dashboard_element many_to_one: a tile appears when some layout places it; a tile in no layout does not. The filter on the element id drops components that place no element.',
  filters: { 'dashboard_element.id': 'NOT NULL' },
  clusterBy: ['dashboard_id'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Dashboard element (tile) ID.' },
    { name: 'dashboard_id', type: 'INTEGER', description: 'Dashboard it is on.' },
    { name: 'type', type: 'STRING', description: 'Kind of tile: vis, text, button...' },
    { name: 'title', type: 'STRING', description: 'Title.' },
    { name: 'title_hidden', type: 'BOOLEAN', description: 'Whether the title is hidden.' },
    { name: 'subtitle_text', type: 'STRING', description: 'Subtitle.' },
    { name: 'look_id', type: 'INTEGER', description: 'Look it shows, if any.' },
    { name: 'query_id', type: 'INTEGER', description: 'Query it runs, if any.' },
    { name: 'result_maker_id', type: 'INTEGER', description: 'Result maker (query or merge query) it runs.' },
    {
      name: 'result_source',
      type: 'STRING',
      description: 'Where its result comes from: look, query, merge...',
    },
    { name: 'refresh_interval', type: 'STRING', description: 'Auto-refresh interval of the tile.' },
    { name: 'listen', type: 'STRING', description: 'Dashboard filters it listens to, as JSON.' },
    { name: 'created_time', type: 'DATETIME', description: 'When it was created (UTC).' },
    { name: 'deleted_time', type: 'DATETIME', description: 'When it was deleted (UTC), if it was.' },
    {
      name: 'body_text',
      type: 'STRING',
      description: 'Looker field dashboard_element.body_text (not described in the model facts).',
    },
    {
      name: 'note_display',
      type: 'STRING',
      description: 'Looker field dashboard_element.note_display (not described in the model facts).',
    },
    {
      name: 'note_state',
      type: 'STRING',
      description: 'Looker field dashboard_element.note_state (not described in the model facts).',
    },
    {
      name: 'note_text',
      type: 'STRING',
      description: 'Looker field dashboard_element.note_text (not described in the model facts).',
    },
    {
      name: 'coalesced_query_id',
      type: 'INTEGER',
      description: 'Looker field dashboard_element.coalesced_query_id (not described in the model facts).',
    },
    {
      name: 'title_text',
      type: 'STRING',
      description: 'Looker field dashboard_element.title_text (not described in the model facts).',
    },
  ],
};
