import type { FakeExplore } from './types.js';

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
const STATUSES = ['complete', 'complete', 'complete', 'complete', 'error', 'cache_only_miss', 'killed'];
const CONNECTIONS = ['bigquery_prod', 'snowflake_dw', 'postgres_ops'];
const time = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** `history`: one row per query run; the busiest System Activity explore (kept about 90 days). */
export const history: FakeExplore = {
  name: 'history',
  view: 'history',
  cursor: 'created_time',
  defaults: { rows: 5000, days: 30 },
  fields: [
    { name: 'id', type: 'number', label: 'ID', value: (i) => 100_000_000 + i },
    { name: 'created_time', type: 'date_time', label: 'Created Time', value: (_i, _r, t) => time(t) },
    {
      name: 'completed_time',
      type: 'date_time',
      label: 'Completed Time',
      value: (_i, r, t) => (r.int(40) === 0 ? null : time(t + r.int(90_000))),
    },
    {
      name: 'runtime',
      type: 'number',
      label: 'Runtime in Seconds',
      value: (_i, r) => Math.round(r.next() * 90_000) / 1000,
    },
    { name: 'status', type: 'string', label: 'Status', value: (_i, r) => r.pick(STATUSES) },
    { name: 'source', type: 'string', label: 'Source', value: (_i, r) => r.pick(SOURCES) },
    {
      name: 'issuer_source',
      type: 'string',
      label: 'Issuer Source',
      value: (_i, r) => r.pick(['user', 'api', 'scheduler']),
    },
    {
      name: 'result_source',
      type: 'string',
      label: 'Result Source',
      value: (_i, r) => r.pick(['query', 'cache', 'pdt']),
    },
    { name: 'cache', type: 'yesno', label: 'Cache', value: (_i, r) => (r.int(3) === 0 ? 'Yes' : 'No') },
    {
      name: 'rebuild_pdts',
      type: 'yesno',
      label: 'Rebuild PDTs',
      value: (_i, r) => (r.int(50) === 0 ? 'Yes' : 'No'),
    },
    {
      name: 'connection_name',
      type: 'string',
      label: 'Connection Name',
      value: (_i, r) => r.pick(CONNECTIONS),
    },
    {
      name: 'dialect',
      type: 'string',
      label: 'Dialect',
      value: (_i, r) => r.pick(['bigquery_standard_sql', 'snowflake', 'postgres']),
    },
    {
      name: 'dashboard_id',
      type: 'string',
      label: 'Dashboard ID',
      value: (_i, r) => (r.int(2) ? String(1 + r.int(400)) : null),
    },
    {
      name: 'dashboard_session',
      type: 'string',
      label: 'Dashboard Session',
      value: (_i, r) => (r.int(2) ? r.next().toString(36).slice(2, 14) : null),
    },
    {
      name: 'look_id',
      type: 'number',
      label: 'Look ID',
      value: (_i, r) => (r.int(4) === 0 ? 1 + r.int(900) : null),
    },
    { name: 'query_id', type: 'number', label: 'Query ID', value: (_i, r) => 1 + r.int(2_000_000) },
    { name: 'user_id', type: 'number', label: 'User ID', value: (_i, r) => 1 + r.int(5000) },
    {
      name: 'message',
      type: 'string',
      label: 'Message',
      value: (_i, r) => (r.int(25) === 0 ? 'Query "Q" failed: syntax error at or near ")" — line 3' : null),
    },
    { name: 'render_key', type: 'string', label: 'Render Key', value: () => null },
    {
      name: 'result_format',
      type: 'string',
      label: 'Result Format',
      value: (_i, r) => r.pick(['json', 'json_detail', 'csv', 'inline_json']),
    },
  ],
};
