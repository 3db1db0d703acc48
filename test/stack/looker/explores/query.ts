import type { ExploreSpec } from './types.js';
import { EXPLORES, hexToken, MODELS, sometimesNull } from './values.js';

const FIELDS = [
  'order_items.created_date',
  'users.count',
  'orders.total_revenue',
  'users.state',
  'history.query_run_count',
];
const FILTERS = [
  '{"orders.created_date":"7 days"}',
  '{"users.state":"California,New York"}',
  '{"users.name":"O\'Brien^, Pat"}',
  '{"order_items.status":"-NULL"}',
  null,
];
const TIMEZONES = ['UTC', 'America/Los_Angeles', 'Europe/Paris', 'Asia/Tokyo', null];

/** `query`: one row per distinct query definition (model, explore, fields, filters, sorts, limit). */
export const query: ExploreSpec = {
  name: 'query',
  view: 'query',
  label: 'Query',
  description: 'Query definitions: what was asked of which explore.',
  kind: 'event',
  cursor: 'query.created_time',
  defaults: { rows: 3000, days: 30 },
  fields: [
    {
      name: 'id',
      type: 'number',
      label: 'ID',
      primaryKey: true,
      increasing: true,
      value: (r) => 1_000_000 + r.index,
    },
    {
      group: 'created',
      label: 'Created',
      groupLabel: 'Created Date',
      timeframes: ['time', 'date', 'week', 'month'],
    },
    {
      name: 'model',
      type: 'string',
      label: 'Model',
      value: ({ random }) => random.pick(MODELS),
    },
    {
      name: 'view',
      type: 'string',
      label: 'Explore',
      value: ({ random }) => random.pick(EXPLORES),
    },
    {
      name: 'formatted_fields',
      type: 'string',
      label: 'Fields Used',
      value: ({ random }) => FIELDS.slice(random.int(3), 2 + random.int(FIELDS.length - 1)).join(', '),
    },
    {
      name: 'formatted_filters',
      type: 'string',
      label: 'Filters Used',
      value: ({ random }) => random.pick(FILTERS),
    },
    {
      name: 'formatted_pivots',
      type: 'string',
      label: 'Pivots Used',
      value: ({ random }) => (random.next() < 0.1 ? 'users.state' : null),
    },
    {
      name: 'sorts',
      type: 'string',
      label: 'Sorts',
      value: ({ random }) => (random.next() < 0.7 ? '["orders.created_date desc"]' : null),
    },
    {
      name: 'limit',
      type: 'number',
      label: 'Limit',
      value: ({ random }) => random.pick([500, 5000, -1, 50]),
    },
    {
      name: 'column_limit',
      type: 'number',
      label: 'Column Limit',
      value: ({ random }) => sometimesNull(random, 0.8, () => 50),
    },
    {
      name: 'query_timezone',
      type: 'string',
      label: 'Query Timezone',
      value: ({ random }) => random.pick(TIMEZONES),
    },
    {
      name: 'filter_expression',
      type: 'string',
      label: 'Filter Expression',
      value: ({ random }) =>
        random.next() < 0.05 ? '${orders.total} > 100 AND NOT is_null(${users.id})' : null,
    },
    {
      name: 'dynamic_fields',
      type: 'string',
      label: 'Table Calculations',
      value: ({ random }) =>
        random.next() < 0.1 ? '[{"table_calculation":"pct","expression":"${a}/sum(${a})"}]' : null,
    },
    {
      name: 'slug',
      type: 'string',
      label: 'Slug',
      value: ({ random }) => hexToken(random, 7),
    },
    {
      name: 'client_id',
      type: 'string',
      label: 'Client ID',
      value: ({ random }) => hexToken(random, 22),
    },
    {
      name: 'total',
      type: 'yesno',
      label: 'Total',
      value: ({ random }) => (random.next() < 0.2 ? 'Yes' : 'No'),
    },
  ],
};
