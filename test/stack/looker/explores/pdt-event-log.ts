import type { ExploreSpec } from './types.js';
import { CONNECTIONS, hexToken, MODELS } from './values.js';

const ACTIONS = [
  'create begin',
  'create complete',
  'regenerate begin',
  'trigger value changed',
  'drop',
  'create error',
];
const VIEWS = ['orders_rollup', 'user_facts', 'daily_sessions', 'sales_by_region'];

/** `pdt_event_log`: one row per step of building or dropping a persistent derived table. */
export const pdtEventLog: ExploreSpec = {
  name: 'pdt_event_log',
  view: 'pdt_event_log',
  label: 'PDT Event Log',
  description: 'Persistent derived table builds, triggers and drops, step by step.',
  kind: 'event',
  cursor: 'pdt_event_log.created_time',
  defaults: { rows: 3000, days: 30 },
  fields: [
    {
      name: 'id',
      type: 'number',
      label: 'ID',
      primaryKey: true,
      increasing: true,
      value: (r) => 700_000 + r.index,
    },
    {
      group: 'created',
      label: 'Created',
      groupLabel: 'Created Date',
      timeframes: ['time', 'date', 'week'],
    },
    {
      name: 'action',
      type: 'string',
      label: 'Action',
      value: ({ random }) => random.pick(ACTIONS),
    },
    {
      name: 'action_data',
      type: 'string',
      label: 'Action Data',
      value: ({ random }) =>
        random.next() < 0.5
          ? null
          : `{"rows":${random.int(1_000_000)},"reason":"datagroup \\"nightly\\" triggered"}`,
    },
    {
      name: 'connection',
      type: 'string',
      label: 'Connection',
      value: ({ random }) => random.pick(CONNECTIONS),
    },
    {
      name: 'model_name',
      type: 'string',
      label: 'Model Name',
      value: ({ random }) => random.pick(MODELS),
    },
    {
      name: 'view_name',
      type: 'string',
      label: 'View Name',
      value: ({ random }) => random.pick(VIEWS),
    },
    {
      name: 'table_name',
      type: 'string',
      label: 'Table Name',
      value: ({ random }) => `LR$${hexToken(random, 5).toUpperCase()}_${random.pick(VIEWS)}`,
    },
    {
      name: 'tid',
      type: 'string',
      label: 'Tid',
      value: ({ random }) => hexToken(random, 8),
    },
    {
      name: 'hash',
      type: 'string',
      label: 'Hash',
      value: ({ random }) => hexToken(random, 32),
    },
  ],
};
