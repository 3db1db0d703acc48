import type { ExploreDefinition } from './types.js';

/** SQL Runner queries: the SQL, its connection, how often and when it last ran. */
export const sqlQuery: ExploreDefinition = {
  name: 'sql_query',
  explore: 'sql_query',
  view: 'sql_query',
  description: 'One row per SQL Runner query per snapshot day: connection, author, run count and last run.',
  mode: 'snapshot',
  modeReason:
    'A SQL Runner query is state: each rerun updates its run_count, last_run and last_runtime in place, and it has no creation time to window by (each run is also in history, via sql_query_id).',
  completeness: 'The base view is sql_query itself: every SQL Runner query Looker keeps appears once.',
  clusterBy: ['connection_id'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'SQL query ID (history.sql_query_id refers to it).' },
    { name: 'connection_id', type: 'STRING', description: 'Connection it runs on.' },
    { name: 'user_id', type: 'INTEGER', description: 'User who wrote it.' },
    {
      name: 'sql',
      type: 'STRING',
      description: 'The SQL text (may hold personal values).',
      personal: 'drop',
    },
    { name: 'hash', type: 'STRING', description: 'Hash of the SQL text.' },
    { name: 'slug', type: 'STRING', description: 'Short id in SQL Runner URLs.' },
    { name: 'run_count', type: 'INTEGER', description: 'Times it ran.' },
    { name: 'last_runtime', type: 'FLOAT', description: 'Runtime of its last run, in seconds.' },
    { name: 'last_run_time', type: 'DATETIME', description: 'When it last ran (UTC).' },
    {
      name: 'result_set_metadata',
      type: 'STRING',
      description: 'Looker field sql_query.result_set_metadata (not described in the model facts).',
    },
  ],
};
