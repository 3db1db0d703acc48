import type { ExploreDefinition } from './types.js';

/** User-defined dashboards, as they are on the day of the snapshot (deleted ones included). */
export const dashboard: ExploreDefinition = {
  name: 'dashboard',
  view: 'dashboard',
  description: 'One row per dashboard per snapshot day.',
  mode: 'snapshot',
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
  ],
};
