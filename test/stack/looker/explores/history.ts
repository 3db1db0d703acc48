import type { ExploreSpec } from './types.js';
import { CONNECTIONS, DIALECTS, hexToken, sometimesNull } from './values.js';

const SOURCES = [
  'dashboard',
  'explore',
  'api4',
  'scheduled_task',
  'sql_runner',
  'look',
  'suggest',
  'private_embed',
];
const STATUSES = [
  'complete',
  'complete',
  'complete',
  'complete',
  'complete',
  'error',
  'cache_only_miss',
  'killed',
];
const FORMATS = ['json', 'json_detail', 'csv', 'inline_json', 'json_bi'];

/** `history`: one row per query run; the busiest System Activity explore (kept about 90 days). */
export const history: ExploreSpec = {
  name: 'history',
  view: 'history',
  label: 'History',
  description: 'Every query run: when, how long, from where, by whom, and how it ended.',
  kind: 'event',
  cursor: 'history.created_time',
  defaults: { rows: 5000, days: 30 },
  fields: [
    {
      name: 'id',
      type: 'number',
      label: 'ID',
      primaryKey: true,
      increasing: true,
      value: (r) => 100_000_000 + r.index,
    },
    {
      group: 'created',
      label: 'Created',
      groupLabel: 'Created Date',
      timeframes: ['time', 'date', 'week', 'month'],
    },
    {
      group: 'completed',
      label: 'Completed',
      groupLabel: 'Completed Date',
      timeframes: ['time', 'date'],
      value: ({ random, time }) =>
        random.next() < 0.025 ? null : time + Math.floor(random.next() * 90) * 1000,
    },
    {
      name: 'runtime',
      type: 'number',
      label: 'Runtime in Seconds',
      value: ({ random }) => Math.round(random.next() * 90_000) / 1000,
    },
    {
      name: 'status',
      type: 'string',
      label: 'Status',
      value: ({ random }) => random.pick(STATUSES),
    },
    {
      name: 'source',
      type: 'string',
      label: 'Source',
      value: ({ random }) => random.pick(SOURCES),
    },
    {
      name: 'issuer_source',
      type: 'string',
      label: 'Issuer Source',
      value: ({ random }) => random.pick(['user', 'api', 'scheduler']),
    },
    {
      name: 'result_source',
      type: 'string',
      label: 'Result Source',
      value: ({ random }) => random.pick(['query', 'cache', 'pdt']),
    },
    {
      name: 'cache',
      type: 'yesno',
      label: 'Cache',
      value: ({ random }) => (random.next() < 0.33 ? 'Yes' : 'No'),
    },
    {
      name: 'rebuild_pdts',
      type: 'yesno',
      label: 'Rebuild PDTs',
      value: ({ random }) => (random.next() < 0.02 ? 'Yes' : 'No'),
    },
    {
      name: 'connection_name',
      type: 'string',
      label: 'Connection Name',
      value: ({ random }) => random.pick(CONNECTIONS),
    },
    {
      name: 'dialect',
      type: 'string',
      label: 'Dialect',
      value: ({ random }) => random.pick(DIALECTS),
    },
    {
      name: 'dashboard_id',
      type: 'string',
      label: 'Dashboard ID',
      description: 'A string so that LookML dashboard ids (model::name) fit.',
      value: ({ random }) =>
        random.next() < 0.5
          ? null
          : random.next() < 0.9
            ? String(1 + random.int(400))
            : 'ops_metrics::overview',
    },
    {
      name: 'dashboard_session',
      type: 'string',
      label: 'Dashboard Session',
      value: ({ random }) => sometimesNull(random, 0.5, () => hexToken(random, 12)),
    },
    {
      name: 'look_id',
      type: 'number',
      label: 'Look ID',
      hidden: true,
      value: ({ random }) => (random.next() < 0.25 ? 1 + random.int(900) : null),
    },
    {
      name: 'query_id',
      type: 'number',
      label: 'Query ID',
      hidden: true,
      value: (r) => 1 + r.random.int(2_000_000),
    },
    {
      name: 'user_id',
      type: 'number',
      label: 'User ID',
      hidden: true,
      value: (r) => 1 + r.random.int(5000),
    },
    {
      name: 'message',
      type: 'string',
      label: 'Message',
      value: ({ random }) =>
        random.next() < 0.04 ? 'Query "Q" failed: syntax error at or near ")" — line 3\n\tSELECT \\x' : null,
    },
    {
      name: 'render_key',
      type: 'string',
      label: 'Render Key',
      value: () => null,
    },
    {
      name: 'result_format',
      type: 'string',
      label: 'Result Format',
      value: ({ random }) => random.pick(FORMATS),
    },
  ],
};
