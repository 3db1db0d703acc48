import type { ExploreDefinition } from './types.js';

/** Per query run, how long each phase took: queueing, connection, SQL, cache, post-processing. */
export const queryMetrics: ExploreDefinition = {
  name: 'query_metrics',
  explore: 'query_metrics',
  view: 'query_metrics',
  description: 'One row per query run with its phase timings in seconds (history_id links to history).',
  mode: 'incremental',
  modeReason:
    'Metrics are written once when a run finishes and never changed; created_at is when they were written.',
  completeness:
    'The query_metrics explore (added after 2020; fields from 2024 tools, kinds and types not published) has query_metrics as its base view: one row per measured run.',
  cursorField: 'created_at_time',
  clusterBy: ['artifact_type'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Query metrics row ID.' },
    { name: 'created_at_time', type: 'DATETIME', description: 'When the metrics were written (UTC).' },
    { name: 'history_id', type: 'INTEGER', description: 'Query run (history.id).' },
    { name: 'query_task_id', type: 'STRING', description: 'Query task of the run.' },
    { name: 'artifact_type', type: 'STRING', description: 'Kind of content that ran the query.' },
    { name: 'artifact_id', type: 'STRING', description: 'ID of the content that ran the query.' },
    { name: 'dashboard_element_id', type: 'INTEGER', description: 'Dashboard tile that ran it, if any.' },
    {
      name: 'bigquery_job_id',
      type: 'STRING',
      description: 'BigQuery job of the run, on BigQuery connections.',
    },
    { name: 'bi_engine_mode', type: 'STRING', description: 'BigQuery BI Engine acceleration mode.' },
    { name: 'queued', type: 'FLOAT', description: 'Seconds waiting in the queue.' },
    { name: 'per_user_throttler', type: 'FLOAT', description: 'Seconds held by the per-user throttler.' },
    { name: 'acquire_connection', type: 'FLOAT', description: 'Seconds to acquire a connection.' },
    { name: 'connection_held', type: 'FLOAT', description: 'Seconds the connection was held.' },
    { name: 'explore_init', type: 'FLOAT', description: 'Seconds to initialise the explore.' },
    { name: 'model_init_computed', type: 'FLOAT', description: 'Seconds to compute the model.' },
    { name: 'prepare', type: 'FLOAT', description: 'Seconds to prepare the SQL.' },
    { name: 'execute_main_query', type: 'FLOAT', description: 'Seconds the database ran the main query.' },
    {
      name: 'load_process_and_stream_main_query',
      type: 'FLOAT',
      description: 'Seconds to load, process and stream results.',
    },
    { name: 'cache_load', type: 'FLOAT', description: 'Seconds to load from the cache.' },
    { name: 'stream_to_cache', type: 'FLOAT', description: 'Seconds to write results to the cache.' },
    { name: 'post_processing', type: 'FLOAT', description: 'Seconds of post-processing.' },
    { name: 'total_time', type: 'FLOAT', description: 'Total seconds.' },
  ],
};
