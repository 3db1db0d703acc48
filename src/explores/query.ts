import type { ExploreDefinition } from './types.js';

/** Query definitions: what was asked of which explore (Looker reuses one row per distinct query). */
export const query: ExploreDefinition = {
  name: 'query',
  view: 'query',
  description: 'One row per distinct query definition: model, explore, fields, filters, sorts, limits.',
  mode: 'incremental',
  cursorField: 'created_time',
  clusterBy: ['model', 'view'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Query ID (history.query_id refers to it).' },
    { name: 'created_time', type: 'DATETIME', description: 'When the query was first defined (UTC).' },
    { name: 'model', type: 'STRING', description: 'LookML model queried.' },
    { name: 'view', type: 'STRING', description: 'Explore queried.' },
    { name: 'formatted_fields', type: 'STRING', description: 'Fields selected.' },
    {
      name: 'formatted_filters',
      type: 'STRING',
      description: 'Filters, as JSON (may hold personal values).',
      personal: 'drop',
    },
    { name: 'formatted_pivots', type: 'STRING', description: 'Pivoted fields.' },
    { name: 'sorts', type: 'STRING', description: 'Sorts, as JSON.' },
    { name: 'limit', type: 'INTEGER', description: 'Row limit asked for (-1: none).' },
    { name: 'column_limit', type: 'INTEGER', description: 'Pivot column limit.' },
    { name: 'query_timezone', type: 'STRING', description: 'Time zone the query ran in.' },
    {
      name: 'filter_expression',
      type: 'STRING',
      description: 'Custom filter expression (may hold personal values).',
      personal: 'drop',
    },
    { name: 'dynamic_fields', type: 'STRING', description: 'Table calculations and custom fields, as JSON.' },
    { name: 'slug', type: 'STRING', description: 'Short id used in explore URLs.' },
    { name: 'client_id', type: 'STRING', description: 'Client id used in explore URLs.' },
    { name: 'total', type: 'BOOLEAN', description: 'Whether totals were asked for.' },
  ],
};
