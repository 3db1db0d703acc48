import type { ExploreDefinition } from './types.js';

/** One row per PDT build (a transaction of pdt_event_log), with how long it took. */
export const pdtBuilds: ExploreDefinition = {
  name: 'pdt_builds',
  explore: 'pdt_builds',
  view: 'pdt_builds',
  description: 'One row per persistent derived table build: model, view, connection, status and duration.',
  mode: 'incremental',
  modeReason:
    'A build is an event keyed by its transaction (tid) whose start never changes; only a build still running when its day is read changes (end, status, elapsed), and the settle re-read of the previous day replaces it. A build running longer than SETTLE_DAYS keeps its unfinished state here; pdt_event_log has its final events.',
  completeness:
    'The base view is pdt_builds itself (builds derived from pdt_event_log): every build Looker still logs appears once.',
  cursorField: 'start_time',
  clusterBy: ['connection', 'model_name'],
  // The model declares no primary key. pdt_builds groups pdt_event_log by its transaction id, so
  // a tid names one build; a build logged without one is told apart by what never changes for
  // it: when it started, where and what it built.
  primaryKey: ['tid'],
  nullKeyFrom: ['start_time', 'connection', 'model_name', 'view_name', 'workspace', 'context', 'dev_build'],
  omittedFields: {
    'pdt_builds.elapsed_minutes_float': 'derived in LookML from exported columns',
    'pdt_builds.elapsed_minutes': 'derived in LookML from exported columns',
  },
  fields: [
    {
      name: 'tid',
      type: 'STRING',
      description:
        'Transaction id of the build (pdt_event_log.tid); where Looker has none, `~` and a hash of start, connection, model, view, workspace, context and dev_build.',
    },
    { name: 'start_time', type: 'DATETIME', description: 'When the build started (UTC).' },
    { name: 'end_time', type: 'DATETIME', description: 'When the build ended (UTC), if it did.' },
    { name: 'status', type: 'STRING', description: 'Outcome of the build.' },
    { name: 'context', type: 'STRING', description: 'What triggered the build.' },
    { name: 'workspace', type: 'STRING', description: 'Workspace: production or dev.' },
    { name: 'dev_build', type: 'BOOLEAN', description: 'Whether it was a development mode build.' },
    { name: 'connection', type: 'STRING', description: 'Database connection.' },
    { name: 'model_name', type: 'STRING', description: 'LookML model of the PDT.' },
    { name: 'view_name', type: 'STRING', description: 'LookML view of the PDT.' },
    { name: 'elapsed_seconds', type: 'FLOAT', description: 'Build duration in seconds.' },
  ],
};
