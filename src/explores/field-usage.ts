import type { ExploreDefinition } from './types.js';

/** How often each LookML field is used in queries (cleanup candidates are fields never used). */
export const fieldUsage: ExploreDefinition = {
  name: 'field_usage',
  explore: 'field_usage',
  view: 'field_usage',
  description: 'One row per model, explore and field per snapshot day, with how often it was used.',
  mode: 'snapshot',
  modeReason:
    'Usage counts are state: times_used grows in place with every query, and newer Looker recomputes the rows over its history window.',
  completeness:
    'The base view is field_usage. times_used is a measure (a sum), so the query groups by the selected dimensions: one row per model, explore, view and field. The row id and the per-query dimensions of newer Looker (query_id, user_id, ...) are not selected: they would make a row per query. A field never used has no row.',
  clusterBy: ['model', 'explore'],
  primaryKey: ['model', 'explore', 'view', 'field'],
  // A row is a group of the selected dimensions (times_used sums over it): no count measure counts
  // groups, so the snapshot is read without a count to verify against.
  countField: null,
  fields: [
    { name: 'model', type: 'STRING', description: 'LookML model.' },
    { name: 'explore', type: 'STRING', description: 'Explore.' },
    { name: 'view', type: 'STRING', description: 'View of the field.' },
    { name: 'field', type: 'STRING', description: 'Field.' },
    { name: 'times_used', kind: 'measure', type: 'INTEGER', description: 'Queries that used the field.' },
  ],
};
