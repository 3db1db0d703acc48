import type { ExploreDefinition } from './types.js';

/** How often each LookML field is used in queries (cleanup candidates are fields never used). */
export const fieldUsage: ExploreDefinition = {
  name: 'field_usage',
  view: 'field_usage',
  description: 'One row per model, explore and field per snapshot day, with how often it was used.',
  mode: 'snapshot',
  clusterBy: ['model', 'explore'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Row ID.' },
    { name: 'model', type: 'STRING', description: 'LookML model.' },
    { name: 'explore', type: 'STRING', description: 'Explore.' },
    { name: 'field', type: 'STRING', description: 'Field, as view.field.' },
    { name: 'times_used', type: 'INTEGER', description: 'Queries that used the field.' },
  ],
};
