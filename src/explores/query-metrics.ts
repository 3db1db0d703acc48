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
  omittedFields: {
    'query_metrics.acquire_connection_recommendation':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.acquire_connection_warning':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.combo_warning': 'advice text or an average Looker derives from the exported timings',
    'query_metrics.execute_main_query_recommendation':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.execute_main_query_warning':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.explore_init_recommendation':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.explore_init_warning':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.marshalled_cache_load_recommendation':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.marshalled_cache_load_warning':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.model_init_computed_recommendation':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.model_init_computed_warning':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.postprocessing_or_stream_to_cache_recommendation':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.postprocessing_warning':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.prepare_recommendation':
      'advice text or an average Looker derives from the exported timings',
    'query_metrics.prepare_warning': 'advice text or an average Looker derives from the exported timings',
    'query_metrics.stream_to_cache_warning':
      'advice text or an average Looker derives from the exported timings',
  },
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
    {
      name: 'async_processing',
      type: 'FLOAT',
      description: 'Looker field query_metrics.async_processing (not described in the model facts).',
    },
    {
      name: 'bi_engine_reasons',
      type: 'STRING',
      description: 'Looker field query_metrics.bi_engine_reasons (not described in the model facts).',
    },
    {
      name: 'combo_recommendations',
      type: 'STRING',
      description: 'Looker field query_metrics.combo_recommendations (not described in the model facts).',
    },
    {
      name: 'execute_extents_query',
      type: 'FLOAT',
      description: 'Looker field query_metrics.execute_extents_query (not described in the model facts).',
    },
    {
      name: 'execute_fill_max_query',
      type: 'FLOAT',
      description: 'Looker field query_metrics.execute_fill_max_query (not described in the model facts).',
    },
    {
      name: 'execute_fill_min_query',
      type: 'FLOAT',
      description: 'Looker field query_metrics.execute_fill_min_query (not described in the model facts).',
    },
    {
      name: 'execute_fill_pivot_max_query',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.execute_fill_pivot_max_query (not described in the model facts).',
    },
    {
      name: 'execute_fill_pivot_min_query',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.execute_fill_pivot_min_query (not described in the model facts).',
    },
    {
      name: 'execute_grand_totals_query',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.execute_grand_totals_query (not described in the model facts).',
    },
    {
      name: 'execute_row_totals_query',
      type: 'FLOAT',
      description: 'Looker field query_metrics.execute_row_totals_query (not described in the model facts).',
    },
    {
      name: 'execute_totals_query',
      type: 'FLOAT',
      description: 'Looker field query_metrics.execute_totals_query (not described in the model facts).',
    },
    {
      name: 'explore_init_mode',
      type: 'STRING',
      description: 'Looker field query_metrics.explore_init_mode (not described in the model facts).',
    },
    {
      name: 'extra_fields_json',
      type: 'STRING',
      description: 'Looker field query_metrics.extra_fields_json (not described in the model facts).',
    },
    {
      name: 'load_extents_query_in_memory',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.load_extents_query_in_memory (not described in the model facts).',
    },
    {
      name: 'load_fill_max_query_in_memory',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.load_fill_max_query_in_memory (not described in the model facts).',
    },
    {
      name: 'load_fill_min_query_in_memory',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.load_fill_min_query_in_memory (not described in the model facts).',
    },
    {
      name: 'load_fill_pivot_max_query_in_memory',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.load_fill_pivot_max_query_in_memory (not described in the model facts).',
    },
    {
      name: 'load_fill_pivot_min_query_in_memory',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.load_fill_pivot_min_query_in_memory (not described in the model facts).',
    },
    {
      name: 'load_grand_totals_query_in_memory',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.load_grand_totals_query_in_memory (not described in the model facts).',
    },
    {
      name: 'load_main_query_in_memory',
      type: 'FLOAT',
      description: 'Looker field query_metrics.load_main_query_in_memory (not described in the model facts).',
    },
    {
      name: 'load_row_totals_query_in_memory',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.load_row_totals_query_in_memory (not described in the model facts).',
    },
    {
      name: 'load_totals_query_in_memory',
      type: 'FLOAT',
      description:
        'Looker field query_metrics.load_totals_query_in_memory (not described in the model facts).',
    },
    {
      name: 'marshalled_cache_load',
      type: 'FLOAT',
      description: 'Looker field query_metrics.marshalled_cache_load (not described in the model facts).',
    },
    {
      name: 'model_init_cache',
      type: 'FLOAT',
      description: 'Looker field query_metrics.model_init_cache (not described in the model facts).',
    },
    {
      name: 'model_init_mode',
      type: 'STRING',
      description: 'Looker field query_metrics.model_init_mode (not described in the model facts).',
    },
    {
      name: 'pdt',
      type: 'FLOAT',
      description: 'Looker field query_metrics.pdt (not described in the model facts).',
    },
    {
      name: 'project_init',
      type: 'FLOAT',
      description: 'Looker field query_metrics.project_init (not described in the model facts).',
    },
    {
      name: 'sorted_warnings',
      type: 'STRING',
      description: 'Looker field query_metrics.sorted_warnings (not described in the model facts).',
    },
    {
      name: 'temporary_dt',
      type: 'FLOAT',
      description: 'Looker field query_metrics.temporary_dt (not described in the model facts).',
    },
    {
      name: 'view',
      type: 'STRING',
      description: 'Looker field query_metrics.view (not described in the model facts).',
    },
  ],
};
