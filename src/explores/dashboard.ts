import type { ExploreDefinition } from './types.js';

/** User-defined dashboards, as they are on the day of the snapshot (deleted ones included). */
export const dashboard: ExploreDefinition = {
  name: 'dashboard',
  explore: 'dashboard',
  view: 'dashboard',
  description: 'One row per dashboard per snapshot day (dashboards without tiles are missing).',
  mode: 'snapshot',
  modeReason: 'A dashboard is state: its title, folder, owner and trash flag are edited in place.',
  completeness:
    "The dashboard explore's base view is dashboard_layout_component (left joined up to dashboard), so selecting dashboard fields gives one row per dashboard that has at least one tile: a dashboard without tiles does not appear. No explore has dashboard as its base view; every other one that joins it loses more: content_usage and history lose dashboards never used (the cleanup candidates), user (one_to_many to dashboard) loses dashboards whose owner was deleted, scheduled_plan and dashboard_performance lose those never scheduled or run.",
  filters: { 'dashboard.id': 'NOT NULL' },
  clusterBy: ['id'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Dashboard ID.' },
    { name: 'created_time', type: 'DATETIME', description: 'When it was created (UTC).' },
    {
      name: 'deleted_time',
      type: 'DATETIME',
      description: 'When it was moved to the trash (UTC), if it was.',
    },
    { name: 'title', type: 'STRING', description: 'Title.' },
    { name: 'description', type: 'STRING', description: 'Description.' },
    { name: 'hidden', type: 'BOOLEAN', description: 'Whether it is hidden from browsing.' },
    { name: 'space_id', type: 'INTEGER', description: 'Folder (space) it is in.' },
    { name: 'refresh_interval', type: 'STRING', description: 'Auto-refresh interval.' },
    { name: 'user_id', type: 'INTEGER', description: 'Owner.' },
    { name: 'run_on_load', type: 'BOOLEAN', description: 'Whether it runs when opened.' },
    { name: 'deleter_id', type: 'INTEGER', description: 'User who moved it to the trash, if any.' },
    { name: 'content_metadata_id', type: 'INTEGER', description: 'Content metadata (access control) ID.' },
    { name: 'query_timezone', type: 'STRING', description: 'Time zone its queries run in.' },
    { name: 'load_configuration', type: 'STRING', description: 'How its tiles load.' },
    { name: 'show_filters_bar', type: 'BOOLEAN', description: 'Whether the filters bar is shown.' },
  ],
};
