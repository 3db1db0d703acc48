import type { ExploreDefinition } from './types.js';

/** Persistent derived table builds, drops and errors. */
export const pdtEventLog: ExploreDefinition = {
  name: 'pdt_event_log',
  explore: 'pdt_event_log',
  view: 'pdt_event_log',
  description: 'One row per PDT lifecycle event: build start/complete, regenerate, drop, error.',
  mode: 'incremental',
  modeReason: 'A log entry is written once and never changed; created_time is its time.',
  completeness: 'The base view is pdt_event_log itself: every logged PDT event appears once.',
  cursorField: 'created_time',
  clusterBy: ['connection', 'action'],
  primaryKey: ['id'],
  omittedFields: {
    'pdt_event_log.short_hash': 'derived in LookML from exported columns',
    'pdt_event_log.extract_view_from_table': 'derived in LookML from exported columns',
    'pdt_event_log.short_tid': 'derived in LookML from exported columns',
  },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'PDT event ID.' },
    { name: 'created_time', type: 'DATETIME', description: 'When the event happened (UTC).' },
    { name: 'action', type: 'STRING', description: 'What happened: create begin, regenerate, drop...' },
    { name: 'action_data', type: 'STRING', description: 'Details of the action, as JSON.' },
    { name: 'connection', type: 'STRING', description: 'Database connection.' },
    { name: 'model_name', type: 'STRING', description: 'LookML model of the PDT.' },
    { name: 'view_name', type: 'STRING', description: 'LookML view of the PDT.' },
    { name: 'table_name', type: 'STRING', description: 'Database table name.' },
    { name: 'tid', type: 'STRING', description: 'Transaction id grouping related events.' },
    { name: 'hash', type: 'STRING', description: 'Hash of the PDT definition.' },
    { name: 'sequence', type: 'INTEGER', description: 'Order of the event within its transaction.' },
  ],
};
