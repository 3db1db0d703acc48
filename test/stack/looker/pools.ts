/**
 * Value pools and small helpers the explore entries share. Titles and names deliberately carry
 * what breaks naive encoders: quotes, backslashes, non-Latin scripts, emoji (astral code points),
 * and now and then a tab or newline.
 */
import type { RowRandom } from './types.js';

export const DAY_MS = 86_400_000;

export const TITLES = [
  'Sales overview',
  'Daily "KPIs"',
  'Été ☀ revenue',
  'Backslash \\ report',
  'Churn 📉 by cohort',
  'Ops — weekly',
  "O'Brien's look",
  '売上ダッシュボード',
  'Pipeline, forecast & quota',
  'Support SLA\tbreaches',
  'Marketing\nattribution',
  'Retention 🧪 experiment',
  'C:\\exports\\finance "final"',
  'Ünïcödé ✓ audit',
] as const;

export const FIRST_NAMES = [
  'Ada',
  'Grace',
  'José',
  'Zoë',
  'Björn',
  'Aiko',
  'Nnamdi',
  'Siobhán',
  'Li',
  "D'Arcy",
];
export const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Núñez',
  'Øster',
  'Müller',
  '山田',
  'Okafor',
  'Ó Briain',
  'Wei',
];

export const MODELS = ['ecommerce', 'finance', 'marketing', 'system__activity', 'ops_metrics'];
export const EXPLORES = ['order_items', 'users', 'sessions', 'invoices', 'history', 'tickets'];
export const CONNECTIONS = ['bigquery_prod', 'snowflake_dw', 'postgres_ops'];
export const DIALECTS = ['bigquery_standard_sql', 'snowflake', 'postgres'];

/**
 * Looker's `tier` label for `value` with `style: integer` tiers at `edges` (ascending):
 * `Below 0`, `0 to 6`, `7 to 13`, ..., `90 or Above`.
 */
export function integerTier(value: number, edges: readonly number[]): string {
  if (value < edges[0]!) return `Below ${edges[0]}`;
  for (let k = 1; k < edges.length; k++) if (value < edges[k]!) return `${edges[k - 1]} to ${edges[k]! - 1}`;
  return `${edges[edges.length - 1]} or Above`;
}

/** A person's name for the row, stable for a given id. */
export function personName(id: number): { first: string; last: string } {
  return {
    first: FIRST_NAMES[id % FIRST_NAMES.length]!,
    last: LAST_NAMES[Math.floor(id / FIRST_NAMES.length) % LAST_NAMES.length]!,
  };
}

const HEX_BYTES = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));

/** A short lowercase hex token (slugs, hashes, session ids) drawn from the row's random numbers. */
export function hexToken(random: RowRandom, length: number): string {
  let text = '';
  while (text.length < length) {
    const n = random.int(0x100000000);
    text +=
      HEX_BYTES[n >>> 24]! + HEX_BYTES[(n >>> 16) & 255]! + HEX_BYTES[(n >>> 8) & 255]! + HEX_BYTES[n & 255]!;
  }
  return text.length === length ? text : text.slice(0, length);
}

/** API 4.0 endpoints (method names) as API Usage reports them. */
export const ENDPOINTS = [
  'login',
  'logout',
  'me',
  'run_inline_query',
  'lookml_model_explore',
  'all_dashboards',
  'search_looks',
  'create_query',
  'run_query',
  'scheduled_plans_for_dashboard',
  'all_users',
  'versions',
];
