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
  ],
};
