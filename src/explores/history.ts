import type { ExploreDefinition } from './types.js';

/** Every query run, by whom, from where, how long and with what outcome (Looker keeps about 90 days). */
export const history: ExploreDefinition = {
  name: 'history',
  explore: 'history',
  view: 'history',
  description:
    'One row per query run: source, status, runtime, connection, and the content and user behind it.',
  mode: 'incremental',
  modeReason:
    'A run is an event: its row is written when the run starts and completed once when it ends (status, runtime, completed_time), minutes later at most, which the settle re-read of the previous day replaces; created_time never changes.',
  completeness:
    'The base view is history itself: every run Looker still keeps (about 90 days, so export daily) appears once.',
  cursorField: 'created_time',
  clusterBy: ['source', 'status'],
  primaryKey: ['id'],
  actorField: 'user_id',
  omittedFields: {
    'history.runtime_under_10s': 'derived in LookML from exported columns',
    'history.runtime_tiers': 'derived in LookML from exported columns',
    'history.runtime_tiers_1': 'derived in LookML from exported columns',
    'history.runtime_tiers_5': 'derived in LookML from exported columns',
    'history.is_user_dashboard': 'derived in LookML from exported columns',
    'history.most_recent_length': 'derived in LookML from exported columns',
    'history.real_dash_id': 'derived in LookML from exported columns',
    'history.dashboard_id_as_number': 'derived in LookML from exported columns',
    'history.most_recent_run_at_time': 'derived in LookML from exported columns',
  },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'History row ID.' },
    { name: 'created_time', type: 'DATETIME', description: 'When the query run started (UTC).' },
    { name: 'completed_time', type: 'DATETIME', description: 'When the query run finished (UTC).' },
    { name: 'runtime', type: 'FLOAT', description: 'Runtime in seconds.' },
    { name: 'status', type: 'STRING', description: 'Outcome: complete, error, killed, cache_only_miss...' },
    {
      name: 'source',
      type: 'STRING',
      description: 'Where the run came from: dashboard, explore, api4, scheduled_task...',
    },
    { name: 'raw_source', type: 'STRING', description: 'The source as Looker recorded it, before grouping.' },
    { name: 'issuer_source', type: 'STRING', description: 'Who issued it: user, api, scheduler.' },
    { name: 'result_source', type: 'STRING', description: 'Where the result came from: query, cache, pdt.' },
    { name: 'cache', type: 'BOOLEAN', description: 'Whether the result was served from cache.' },
    { name: 'cache_only', type: 'BOOLEAN', description: 'Whether only a cached result was acceptable.' },
    {
      name: 'rebuild_pdts',
      type: 'BOOLEAN',
      description: 'Whether the run rebuilt persistent derived tables.',
    },
    { name: 'force_production', type: 'BOOLEAN', description: 'Whether production mode was forced.' },
    { name: 'connection_id', type: 'STRING', description: 'Database connection ID the query ran on.' },
    { name: 'connection_name', type: 'STRING', description: 'Database connection the query ran on.' },
    { name: 'dialect', type: 'STRING', description: 'SQL dialect of the connection.' },
    { name: 'dashboard_id', type: 'STRING', description: 'Dashboard the run belonged to, if any.' },
    {
      name: 'dashboard_session',
      type: 'STRING',
      description: 'Dashboard session the run belonged to, if any.',
    },
    { name: 'look_id', type: 'INTEGER', description: 'Look the run belonged to, if any.' },
    { name: 'query_id', type: 'INTEGER', description: 'Query that was run (query.id).' },
    {
      name: 'sql_query_id',
      type: 'INTEGER',
      description: 'SQL Runner query that was run (sql_query.id), if any.',
    },
    {
      name: 'result_maker_id',
      type: 'STRING',
      description: 'Result maker (query or merge query) behind a tile.',
    },
    { name: 'slug', type: 'STRING', description: 'Short id of the query in explore URLs.' },
    { name: 'user_id', type: 'INTEGER', description: 'User who ran it.' },
    { name: 'workspace_id', type: 'STRING', description: 'Workspace: production or dev.' },
    { name: 'node_id', type: 'INTEGER', description: 'Looker node that ran it.' },
    {
      name: 'message',
      type: 'STRING',
      description: 'Error message, if the run failed (may quote filter values).',
      personal: 'drop',
    },
    { name: 'render_key', type: 'STRING', description: 'Render task key, for rendered downloads.' },
    { name: 'result_format', type: 'STRING', description: 'Result format asked for.' },
    { name: 'apply_formatting', type: 'BOOLEAN', description: 'Whether values were formatted.' },
    { name: 'apply_vis', type: 'BOOLEAN', description: 'Whether visualisation options were applied.' },
    {
      name: 'server_table_calcs',
      type: 'BOOLEAN',
      description: 'Whether table calculations ran on the server.',
    },
    {
      name: 'cache_key',
      type: 'STRING',
      description: 'Looker field history.cache_key (not described in the model facts).',
    },
    {
      name: 'generate_links',
      type: 'BOOLEAN',
      description: 'Looker field history.generate_links (not described in the model facts).',
    },
    {
      name: 'is_single_query',
      type: 'BOOLEAN',
      description: 'Looker field history.is_single_query (not described in the model facts).',
    },
    {
      name: 'title',
      type: 'STRING',
      description: 'Looker field history.title (not described in the model facts).',
    },
    // Looker 25.18+ joins query_api_client_context in History (one row per query run at most);
    // an older Looker lacks the view: the columns stay NULL and each run reports them removed.
    {
      name: 'api_client_name',
      type: 'STRING',
      field: 'query_api_client_context.name',
      description:
        'API client that ran the query (Looker 25.18+ "API Client Name": Connected Sheets, Looker Studio, Power BI, ...); NULL for other queries and before Looker recorded it.',
    },
    {
      name: 'api_client_cs_spreadsheet_id',
      type: 'STRING',
      field: 'query_api_client_context.cs_spreadsheet_id',
      description: 'Connected Sheets: the Google spreadsheet the query ran for.',
    },
    {
      name: 'api_client_cs_trigger',
      type: 'STRING',
      field: 'query_api_client_context.cs_trigger',
      description: 'Connected Sheets: what triggered the query (a manual or scheduled refresh).',
    },
    {
      name: 'api_client_ls_dashboard_id',
      type: 'STRING',
      field: 'query_api_client_context.ls_dashboard_id',
      description: 'Looker Studio: the report (dashboard) the query ran for.',
    },
    {
      name: 'api_client_ls_datasource_id',
      type: 'STRING',
      field: 'query_api_client_context.ls_datasource_id',
      description: 'Looker Studio: the data source the query ran through.',
    },
  ],
};
