import type { ExploreDefinition } from './types.js';

/** Merged results: queries combined on a dashboard tile or in an explore. */
export const mergeQuery: ExploreDefinition = {
  name: 'merge_query',
  explore: 'merge_query',
  view: 'merge_query',
  description: 'One row per merge query definition: pivots, sorts, totals and custom fields.',
  mode: 'incremental',
  modeReason:
    'A merge query, like a query, is a definition identified by its hash: editing one makes a new row, so a row never changes after created_time.',
  completeness: 'The base view is merge_query itself: every merge query appears once.',
  cursorField: 'created_time',
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Merge query ID.' },
    { name: 'created_time', type: 'DATETIME', description: 'When it was defined (UTC).' },
    { name: 'hash', type: 'STRING', description: 'Hash of the definition.' },
    { name: 'column_limit', type: 'INTEGER', description: 'Pivot column limit.' },
    { name: 'pivots', type: 'STRING', description: 'Pivoted fields.' },
    { name: 'formatted_pivots', type: 'STRING', description: 'Pivoted fields, formatted.' },
    { name: 'sorts', type: 'STRING', description: 'Sorts.' },
    { name: 'total', type: 'BOOLEAN', description: 'Whether totals were asked for.' },
    { name: 'dynamic_fields', type: 'STRING', description: 'Table calculations and custom fields, as JSON.' },
    { name: 'vis_config', type: 'STRING', description: 'Visualisation settings, as JSON.' },
  ],
};
