import type { ExploreDefinition } from './types.js';

/** API calls per endpoint and day, as Looker's API Usage explore totals them. */
export const apiUsage: ExploreDefinition = {
  name: 'api_usage',
  explore: 'api_usage',
  view: 'api_usage',
  description:
    'API calls per endpoint and day as the API Usage explore totals them, as Looker showed them on the snapshot day.',
  mode: 'snapshot',
  modeReason:
    "Since Looker 25.16 API Usage keeps no history (API Usage Hourly replaces it), and a day's total grows until the day ends: each snapshot keeps what Looker showed that day, and only the archive keeps it after.",
  completeness:
    'One row per endpoint and day Looker holds, total_usage summed by Looker (the explore caches for 1 hour, so a snapshot may lag the last hour). No count measure is known at this grain: a page shorter than a limit within the cap proves the read.',
  clusterBy: ['endpoint'],
  primaryKey: ['created_date', 'endpoint'],
  countField: null,
  fields: [
    { name: 'created_date', type: 'DATE', description: 'Day of the calls (UTC).' },
    { name: 'endpoint', type: 'STRING', description: 'API endpoint called.' },
    {
      name: 'total_usage',
      type: 'INTEGER',
      kind: 'measure',
      description: 'Calls to the endpoint that day, as Looker counted them when the snapshot was read.',
    },
  ],
};
