import type { ExploreDefinition } from './types.js';

/** The queries a merge query combines, in order, and the fields they are merged on. */
export const mergeQuerySourceQuery: ExploreDefinition = {
  name: 'merge_query_source_query',
  explore: 'merge_query',
  view: 'merge_query_source_query',
  description: 'One row per source query of a merge query: its query, rank and merge fields.',
  mode: 'incremental',
  modeReason:
    "Source queries are written with their merge query and never changed (editing makes a new merge query); the cursor is the merge query's created_time.",
  completeness:
    'Read through the merge_query explore, which joins merge_query_source_query one_to_many: one row per source query; the time filter drops the NULL row of a merge query without sources.',
  cursorField: 'merge_query_created_time',
  clusterBy: ['merge_query_id'],
  primaryKey: ['id'],
  // A merge query without source queries joins as one row of NULLs: not a row of this table.
  filters: { 'merge_query_source_query.id': 'NOT NULL' },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Source query row ID.' },
    { name: 'merge_query_id', type: 'INTEGER', description: 'Merge query it belongs to.' },
    { name: 'query_id', type: 'INTEGER', description: 'Query merged.' },
    { name: 'rank', type: 'INTEGER', description: 'Position among the merged queries.' },
    { name: 'name', type: 'STRING', description: 'Name of the source in the merge.' },
    { name: 'merge_fields', type: 'STRING', description: 'Fields it is merged on, as JSON.' },
    {
      name: 'merge_query_created_time',
      field: 'merge_query.created_time',
      type: 'DATETIME',
      description: 'When the merge query was defined (UTC).',
    },
  ],
};
