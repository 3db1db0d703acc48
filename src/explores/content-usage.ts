import type { ExploreDefinition } from './types.js';

/** The reference pipeline's explore: how often each piece of content is used, and how. */
export const contentUsage: ExploreDefinition = {
  name: 'content_usage',
  view: 'content_usage',
  description: 'Usage of each dashboard and look: counts by access path and the last access time.',
  mode: 'incremental',
  cursorField: 'last_accessed_time',
  clusterBy: ['content_type'],
  primaryKey: ['id'],
  fields: [
    { name: 'content_id', type: 'STRING', description: 'ID of the dashboard or look.' },
    { name: 'content_title', type: 'STRING', description: 'Title of the dashboard or look.' },
    { name: 'content_type', type: 'STRING', description: 'Kind of content: dashboard or look.' },
    {
      name: 'days_since_last_access_tiers',
      type: 'STRING',
      description: 'Tier of days since the content was last accessed, as Looker labels it.',
    },
    {
      name: 'days_since_last_accessed',
      type: 'INTEGER',
      description: 'Days since the content was last accessed.',
    },
    { name: 'id', type: 'INTEGER', description: 'Content usage row ID in Looker.' },
    { name: 'api_count', type: 'INTEGER', description: 'Accesses through the API.' },
    { name: 'embed_count', type: 'INTEGER', description: 'Accesses through embedding.' },
    { name: 'favorite_count', type: 'INTEGER', description: 'Times the content was marked a favourite.' },
    { name: 'public_count', type: 'INTEGER', description: 'Accesses through public URLs.' },
    { name: 'schedule_count', type: 'INTEGER', description: 'Accesses by schedules.' },
    { name: 'other_count', type: 'INTEGER', description: 'Accesses by any other path.' },
    {
      name: 'last_accessed_time',
      type: 'DATETIME',
      description: 'When the content was last accessed (UTC, as Looker reports it).',
    },
  ],
};
