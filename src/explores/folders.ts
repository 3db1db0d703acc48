import type { ExploreDefinition } from './types.js';

/** Folders (spaces): the tree content lives in, personal and shared, on the snapshot day. */
export const folders: ExploreDefinition = {
  name: 'folders',
  explore: 'folders',
  view: 'folders',
  description: 'One row per folder per snapshot day: name, parent, creator and kind.',
  mode: 'snapshot',
  modeReason: 'A folder is state: renamed, moved and deleted in place.',
  completeness: 'The base view is folders itself: every folder appears once.',
  clusterBy: ['parent_id'],
  primaryKey: ['id'],
  fields: [
    {
      name: 'id',
      type: 'INTEGER',
      description: 'Folder ID (dashboard.space_id and look.space_id refer to it).',
    },
    { name: 'name', type: 'STRING', description: 'Folder name (a personal folder is named after its user).' },
    { name: 'parent_id', type: 'INTEGER', description: 'Parent folder.' },
    { name: 'creator_id', type: 'INTEGER', description: 'User who created it.' },
    { name: 'content_metadata_id', type: 'INTEGER', description: 'Content metadata (access control) ID.' },
    { name: 'external_id', type: 'STRING', description: 'External ID (embed).' },
    { name: 'is_personal', type: 'BOOLEAN', description: "Whether it is a user's personal folder." },
    {
      name: 'is_personal_descendant',
      type: 'BOOLEAN',
      description: 'Whether it is inside a personal folder.',
    },
    { name: 'is_shared_root', type: 'BOOLEAN', description: 'Whether it is the Shared root.' },
    { name: 'is_users_root', type: 'BOOLEAN', description: 'Whether it is the Users root.' },
    { name: 'is_embed', type: 'BOOLEAN', description: 'Whether it is an embed folder.' },
    { name: 'created_time', type: 'DATETIME', description: 'When it was created (UTC).' },
    { name: 'deleted_time', type: 'DATETIME', description: 'When it was deleted (UTC), if it was.' },
    {
      name: 'is_embed_shared_root',
      type: 'BOOLEAN',
      description: 'Looker field folders.is_embed_shared_root (not described in the model facts).',
    },
    {
      name: 'is_embed_users_root',
      type: 'BOOLEAN',
      description: 'Looker field folders.is_embed_users_root (not described in the model facts).',
    },
  ],
};
