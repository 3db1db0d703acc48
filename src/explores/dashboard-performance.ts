import type { ExploreDefinition } from './types.js';

/** How fast each dashboard run was for its viewer: page load, first and last tile. */
export const dashboardPerformance: ExploreDefinition = {
  name: 'dashboard_performance',
  explore: 'dashboard_performance',
  // `explore: dashboard_performance { from: dashboard_run_event_stats }`: the base view's fields
  // are named after the explore (dashboard_performance.dashboard_run_session).
  view: 'dashboard_performance',
  description:
    'One row per dashboard run (session): seconds until data and tiles arrived, with its dashboard.',
  mode: 'incremental',
  modeReason:
    "A run's statistics are derived from its events, which never change: they arrive within seconds of the run's first event, and the settle re-read of the previous day catches a run that spanned midnight; first_event_at never changes.",
  completeness:
    'The base view is dashboard_run_event_stats, aliased as dashboard_performance (one row per dashboard run session, from browser events); dashboard, dashboard_page_event_stats and dashboard_history_stats are joined many_to_one or one_to_one, history (one_to_many) is not selected. Runs that sent no events (API, schedules, PDF renders) do not appear.',
  cursorField: 'first_event_at_time',
  clusterBy: ['dashboard_id'],
  // The model declares no primary key: a run session names one run (the view is one row per
  // session), and a run without one is told apart by its page session, first event and dashboard.
  primaryKey: ['dashboard_run_session'],
  nullKeyFrom: ['dashboard_page_session', 'first_event_at_time', 'dashboard_id'],
  fields: [
    {
      name: 'dashboard_run_session',
      type: 'STRING',
      description:
        'Dashboard run session ID; where Looker has none, `~` and a hash of the page session, first event and dashboard.',
    },
    { name: 'dashboard_page_session', type: 'STRING', description: 'Page session the run belongs to.' },
    { name: 'first_event_at_time', type: 'DATETIME', description: 'First event of the run (UTC).' },
    { name: 'last_event_at_time', type: 'DATETIME', description: 'Last event of the run (UTC).' },
    { name: 'dashboard_id', field: 'dashboard.id', type: 'INTEGER', description: 'Dashboard run.' },
    {
      name: 'seconds_until_dashboard_run_start',
      type: 'FLOAT',
      description: 'Seconds until the run started.',
    },
    {
      name: 'seconds_until_first_data_received',
      type: 'FLOAT',
      description: 'Seconds until the first data arrived.',
    },
    {
      name: 'seconds_until_last_data_received',
      type: 'FLOAT',
      description: 'Seconds until the last data arrived.',
    },
    {
      name: 'seconds_until_first_tile_finished_rendering',
      type: 'FLOAT',
      description: 'Seconds until the first tile was drawn.',
    },
    {
      name: 'seconds_until_last_tile_finished_rendering',
      type: 'FLOAT',
      description: 'Seconds until the last tile was drawn.',
    },
    {
      name: 'seconds_until_dom_content_loaded',
      field: 'dashboard_page_event_stats.seconds_until_dom_content_loaded',
      type: 'FLOAT',
      description: 'Seconds until the page loaded.',
    },
    {
      name: 'seconds_until_metadata_loaded',
      field: 'dashboard_page_event_stats.seconds_until_metadata_loaded',
      type: 'FLOAT',
      description: 'Seconds until the dashboard definition loaded.',
    },
    {
      name: 'total_queries',
      field: 'dashboard_history_stats.total_queries',
      type: 'INTEGER',
      description: 'Queries the run ran.',
    },
    {
      name: 'total_runtime',
      field: 'dashboard_history_stats.total_runtime',
      type: 'FLOAT',
      description: 'Seconds of query runtime, summed.',
    },
  ],
};
