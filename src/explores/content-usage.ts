import type { ExploreDefinition } from './types.js';

/**
 * How often each dashboard and look is used, and how. Looker keeps one row per piece of content
 * and updates it in place on every use, so this is state, not events: read by last access day,
 * a row used again would leave its earlier copy behind in an earlier partition. A daily snapshot
 * holds each row once per day, and the days together show usage growing.
 */
export const contentUsage: ExploreDefinition = {
  name: 'content_usage',
  explore: 'content_usage',
  view: 'content_usage',
  description:
    'One row per dashboard or look per snapshot day: counts by access path and the last access time.',
  mode: 'snapshot',
  modeReason:
    'Looker keeps one row per dashboard or look and updates its counts and last access in place on every use.',
  completeness:
    'The base view is content_usage: content appears once it has been used (or favourited); content never used has no row here (see the dashboard and look tables).',
  clusterBy: ['content_type'],
  primaryKey: ['id'],
  // The view's row count is its `content_count` measure (it has no `count`).
  countField: 'content_usage.content_count',
  omittedFields: {
    'content_usage.content_id_as_number': 'derived in LookML from exported columns',
  },
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
    {
      name: 'prefetch_count',
      type: 'INTEGER',
      description: 'Looker field content_usage.prefetch_count (not described in the model facts).',
    },
  ],
};
