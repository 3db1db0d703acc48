import type { ExploreDefinition } from './types.js';

/** Query definitions: what was asked of which explore (Looker reuses one row per distinct query). */
export const query: ExploreDefinition = {
  name: 'query',
  explore: 'query',
  view: 'query',
  description: 'One row per distinct query definition: model, explore, fields, filters, sorts, limits.',
  mode: 'incremental',
  modeReason:
    'A query definition is immutable: changing a query makes a new row with a new id and slug, so a row never changes after created_time.',
  completeness:
    'The query explore (in the model since after 2020; seen in 2024 tools) has query as its base view: every query definition appears once.',
  cursorField: 'created_time',
  clusterBy: ['model', 'view'],
  primaryKey: ['id'],
  omittedFields: {
    'query.link': 'a Looker UI link or URL derived from the row',
  },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Query ID (history.query_id refers to it).' },
    { name: 'created_time', type: 'DATETIME', description: 'When the query was first defined (UTC).' },
    { name: 'model', type: 'STRING', description: 'LookML model queried.' },
    { name: 'view', type: 'STRING', description: 'Explore queried.' },
    { name: 'fields', type: 'STRING', description: 'Fields selected, as Looker lists them.' },
    { name: 'formatted_fields', type: 'STRING', description: 'Fields selected, formatted.' },
    {
      name: 'filters',
      type: 'STRING',
      description: 'Filters and their values (may hold personal values).',
      personal: 'drop',
    },
    { name: 'pivots', type: 'STRING', description: 'Pivoted fields.' },
    { name: 'formatted_pivots', type: 'STRING', description: 'Pivoted fields, formatted.' },
    { name: 'fill_fields', type: 'STRING', description: 'Dimensions whose missing values are filled.' },
    { name: 'sorts', type: 'STRING', description: 'Sorts.' },
    { name: 'limit', type: 'INTEGER', description: 'Row limit asked for (-1: none).' },
    { name: 'column_limit', type: 'STRING', description: 'Pivot column limit.' },
    { name: 'row_total', type: 'STRING', description: 'Row totals setting.' },
    { name: 'total', type: 'BOOLEAN', description: 'Whether totals were asked for.' },
    { name: 'query_timezone', type: 'STRING', description: 'Time zone the query ran in.' },
    {
      name: 'dynamic_fields',
      type: 'STRING',
      description: 'Table calculations and custom fields, as JSON (newer Looker only).',
    },
    { name: 'vis_config', type: 'STRING', description: 'Visualisation settings, as JSON.' },
    { name: 'slug', type: 'STRING', description: 'Short id used in explore URLs.' },
    { name: 'hash', type: 'STRING', description: 'Hash of the definition.' },
    {
      name: 'visible_ui_sections',
      type: 'STRING',
      description: 'Looker field query.visible_ui_sections (not described in the model facts).',
    },
  ],
};
