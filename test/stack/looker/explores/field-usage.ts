import type { ExploreSpec } from './types.js';
import { EXPLORES, MODELS } from './values.js';

const FIELDS = ['created_date', 'count', 'status', 'total_revenue', 'state', 'id', 'email'];

/** `field_usage`: how often each field of each explore is used in queries. A snapshot without time. */
export const fieldUsage: ExploreSpec = {
  name: 'field_usage',
  view: 'field_usage',
  label: 'Field Usage',
  description: 'Fields of each model and explore with how many times queries used them.',
  kind: 'snapshot',
  defaults: { rows: 600, days: 0 },
  fields: [
    {
      name: 'id',
      type: 'number',
      label: 'ID',
      primaryKey: true,
      increasing: true,
      hidden: true,
      value: (r) => r.index + 1,
    },
    {
      name: 'model',
      type: 'string',
      label: 'Model',
      value: (r) => MODELS[r.index % MODELS.length]!,
    },
    {
      name: 'explore',
      type: 'string',
      label: 'Explore',
      value: (r) => EXPLORES[Math.floor(r.index / MODELS.length) % EXPLORES.length]!,
    },
    {
      name: 'field',
      type: 'string',
      label: 'Field',
      value: (r) => {
        const explore = EXPLORES[Math.floor(r.index / MODELS.length) % EXPLORES.length]!;
        return `${explore}.${FIELDS[Math.floor(r.index / (MODELS.length * EXPLORES.length)) % FIELDS.length]}`;
      },
    },
    {
      name: 'times_used',
      type: 'number',
      label: 'Times Used',
      value: ({ random }) => random.int(10_000),
    },
  ],
};
