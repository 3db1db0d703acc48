import type { ExploreDefinition } from './types.js';

/** Saved looks, as they are on the day of the snapshot (deleted ones included). */
export const look: ExploreDefinition = {
  name: 'look',
  explore: 'look',
  view: 'look',
  description: 'One row per look per snapshot day.',
  mode: 'snapshot',
  modeReason: 'A look is state: its title, query, folder and trash flag are edited in place (updated_time).',
  completeness: 'The base view is look itself: every look, deleted ones included, appears once.',
  clusterBy: ['id'],
  primaryKey: ['id'],
  omittedFields: {
    'look.link': 'a Looker UI link or URL derived from the row',
    'look.public_embed_link': 'a Looker UI link or URL derived from the row',
  },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Look ID.' },
    { name: 'created_time', type: 'DATETIME', description: 'When it was created (UTC).' },
    { name: 'updated_time', type: 'DATETIME', description: 'When it was last changed (UTC).' },
    {
      name: 'deleted_time',
      type: 'DATETIME',
      description: 'When it was moved to the trash (UTC), if it was.',
    },
    { name: 'title', type: 'STRING', description: 'Title.' },
    { name: 'description', type: 'STRING', description: 'Description.' },
    { name: 'public', type: 'BOOLEAN', description: 'Whether it has a public URL.' },
    { name: 'public_slug', type: 'STRING', description: 'Slug of its public URL.' },
    { name: 'query_id', type: 'INTEGER', description: 'Query it runs.' },
    { name: 'space_id', type: 'INTEGER', description: 'Folder (space) it is in.' },
    { name: 'user_id', type: 'INTEGER', description: 'Owner.' },
    { name: 'last_updater_id', type: 'INTEGER', description: 'User who last changed it.' },
    { name: 'deleter_id', type: 'INTEGER', description: 'User who moved it to the trash, if any.' },
    { name: 'content_metadata_id', type: 'INTEGER', description: 'Content metadata (access control) ID.' },
    { name: 'is_run_on_load', type: 'BOOLEAN', description: 'Whether it runs when opened.' },
  ],
};
