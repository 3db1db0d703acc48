/**
 * Per-view data profiles: how many rows a view's generated table has, over how many days, which
 * time group orders it (the cursor), whether its rows belong to a parent view's rows, how Looker
 * prunes it, and value hints for realism. Field names, kinds and types are never declared here:
 * they come from the facts (`catalogue.ts`); a hint naming a field the view lacks is ignored.
 */
import type { SoonerRule } from './dataset.js';
import type { Generate } from './generators.js';
import { CONNECTIONS, DIALECTS, ENDPOINTS, EXPLORES, hexToken, MODELS } from './pools.js';
import type { Scalar } from './types.js';

/** How Looker forgets a view's rows (when the fake is asked to: `retention` option). */
export type PruneKind = 'age' | 'count';

export interface ViewProfile {
  rows: number;
  days: number;
  /** The number dimension that is the primary key, the row number (default `id`). */
  primaryKey?: string;
  /** The time group rows are generated in increasing order of (their `_time` is the cursor). */
  cursor?: string;
  /** Rows grouped under a parent view's rows: `perParent` children each, contiguous, keyed `key`. */
  childOf?: { view: string; key: string; perParent: number };
  /** `event` views accumulate and are pruned; `snapshot` views describe current state. */
  kind: 'event' | 'snapshot';
  prune?: PruneKind;
  /** Rows an age retention forgets sooner, as Looker documents (history of scheduled tasks: 7 days). */
  sooner?: readonly SoonerRule[];
  /** Number fields that count use and grow with the clock (state views changing in place). */
  growing?: RegExp;
  /** Value pools for fields by name (strings or numbers, picked uniformly). */
  hints?: Record<string, readonly Scalar[]>;
  /** Generators for fields whose values depend on each other (an API client's ids on its name). */
  values?: Record<string, Generate>;
}

const DEFAULT: ViewProfile = { rows: 20, days: 365, kind: 'snapshot' };

const PROFILES: Record<string, Partial<ViewProfile>> = {
  history: {
    rows: 5000,
    days: 30,
    cursor: 'created',
    kind: 'event',
    prune: 'age',
    // "History rows deleted after 90 days, and after 7 days when history.source = scheduled_task" (docs).
    sooner: [{ field: 'source', value: 'scheduled_task', days: 7 }],
    hints: {
      status: ['complete', 'complete', 'complete', 'error', 'killed', 'cache_only_miss'],
      source: ['api4', 'dashboard', 'explore', 'look', 'scheduled_task', 'sql_runner', 'suggest'],
      issuer_source: ['api', 'dashboard', 'explore', 'look', 'schedule', 'sql_runner'],
      result_source: ['query', 'cache', 'query', 'merge'],
      result_format: ['json', 'json_detail', 'csv', 'inline_json', 'png'],
      connection_name: CONNECTIONS,
      dialect: DIALECTS,
    },
  },
  query_metrics: {
    childOf: { view: 'history', key: 'history_id', perParent: 1 },
    cursor: 'created_at',
    kind: 'event',
    prune: 'age',
  },
  // Which API client ran a history row's query (Looker 25.18+): one row per history row, NULL
  // for most (queries no API client declared, the exporter's own included); the ids only for
  // their client. Client names from the docs; an MCP toolbox's name and cs_trigger values are guesses.
  query_api_client_context: {
    childOf: { view: 'history', key: 'history_id', perParent: 1 },
    kind: 'event',
    values: {
      name: (row) =>
        row.random.chance(0.75)
          ? null
          : row.random.pick(['Connected Sheets', 'Looker Studio', 'Power BI', 'MCP Toolbox for Databases']),
      cs_spreadsheet_id: (row) => (row.get('name') === 'Connected Sheets' ? hexToken(row.random, 44) : null),
      cs_trigger: (row) =>
        row.get('name') === 'Connected Sheets' ? row.random.pick(['manual', 'scheduled_refresh']) : null,
      ls_dashboard_id: (row) => (row.get('name') === 'Looker Studio' ? clientUuid(row.random) : null),
      ls_datasource_id: (row) => (row.get('name') === 'Looker Studio' ? clientUuid(row.random) : null),
    },
  },
  event: {
    rows: 4000,
    days: 30,
    cursor: 'created',
    kind: 'event',
    prune: 'count',
    hints: {
      name: ['login', 'logout', 'view_dashboard', 'run_query', 'create_look', 'update_dashboard'],
      category: ['login', 'dashboard', 'query', 'look', 'user'],
    },
  },
  event_attribute: {
    childOf: { view: 'event', key: 'event_id', perParent: 2 },
    kind: 'event',
    hints: { name: ['dashboard_id', 'query_id', 'ip_address', 'user_agent', 'result_format'] },
  },
  pdt_event_log: {
    rows: 3000,
    days: 30,
    cursor: 'created',
    kind: 'event',
    prune: 'age',
    hints: {
      action: ['create begin', 'create end', 'regenerate', 'trigger value changed', 'drop'],
      connection: CONNECTIONS,
      model_name: MODELS,
    },
  },
  pdt_builds: { rows: 500, days: 30, cursor: 'start', kind: 'event', prune: 'age' },
  // The base view of explore dashboard_performance (served as `dashboard_performance.*`).
  dashboard_run_event_stats: { rows: 1000, days: 30, cursor: 'first_event_at', kind: 'event' },
  scheduled_job: {
    rows: 2000,
    days: 30,
    cursor: 'created',
    kind: 'event',
    prune: 'age',
    hints: { status: ['success', 'success', 'failure', 'skipped'], timezone: ['UTC', 'Europe/Paris'] },
  },
  scheduled_job_stage: {
    childOf: { view: 'scheduled_job', key: 'scheduled_job_id', perParent: 3 },
    kind: 'event',
    hints: { stage: ['execute', 'prepare', 'deliver'] },
  },
  query: {
    rows: 3000,
    days: 30,
    cursor: 'created',
    kind: 'event',
    hints: { model: MODELS, view: EXPLORES, query_timezone: ['UTC', 'America/New_York', null] },
  },
  sql_query: { rows: 200, days: 90, cursor: 'last_run', kind: 'event' },
  merge_query: { rows: 100, days: 365, cursor: 'created', kind: 'event' },
  content_usage: {
    rows: 3000,
    days: 30,
    cursor: 'last_accessed',
    growing: /_count$/,
    hints: { content_type: ['dashboard', 'look', 'explore'] },
  },
  user: { rows: 500, cursor: 'created', hints: { timezone: ['UTC', 'Europe/Berlin', 'Asia/Tokyo', null] } },
  user_facts: { childOf: { view: 'user', key: 'user_id', perParent: 1 } },
  dashboard: { rows: 400, cursor: 'created' },
  dashboard_element: {
    childOf: { view: 'dashboard', key: 'dashboard_id', perParent: 3 },
    hints: { type: ['vis', 'text', 'button'] },
  },
  dashboard_layout: { childOf: { view: 'dashboard', key: 'dashboard_id', perParent: 1 } },
  dashboard_layout_component: {
    childOf: { view: 'dashboard_layout', key: 'dashboard_layout_id', perParent: 3 },
  },
  look: { rows: 900, cursor: 'created' },
  scheduled_plan: { rows: 300, cursor: 'created' },
  field_usage: { rows: 600, hints: { model: MODELS, explore: EXPLORES } },
  folders: { rows: 100, cursor: 'created' },
  group: { rows: 40 },
  group_user: { rows: 600 },
  role: { rows: 12 },
  permission_set: { rows: 6 },
  model_set: { rows: 4 },
  db_connection: { rows: 6, cursor: 'created', hints: { name: CONNECTIONS, dialect_name: DIALECTS } },
  // The explores added since 2020 (`today.ts`). API Usage keeps no history since Looker 25.16:
  // only the last day's calls.
  api_usage: {
    rows: 150,
    days: 1,
    cursor: 'created',
    kind: 'event',
    prune: 'age',
    hints: { endpoint: ENDPOINTS },
  },
  api_usage_hourly: {
    rows: 720,
    days: 30,
    cursor: 'created',
    kind: 'event',
    prune: 'age',
    hints: { endpoint: ENDPOINTS },
  },
  concurrency: {
    rows: 720,
    days: 30,
    cursor: 'created',
    kind: 'event',
    prune: 'age',
    primaryKey: 'pk',
    hints: { connection_name: CONNECTIONS },
  },
  compliance_user_permissions: { rows: 500, cursor: 'created' },
};

function clientUuid(random: Parameters<typeof hexToken>[0]): string {
  const hex = hexToken(random, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function profileOf(view: string): ViewProfile {
  return { ...DEFAULT, ...PROFILES[view] };
}

/**
 * The view a `*_id` field refers to, by convention: the name without `_id` if it is a view, else
 * these aliases (`space` is the folder, creators and deleters are users), else the name with its
 * leading words dropped (`sudo_user_id` -> `user`). Undefined when nothing matches.
 */
const ID_ALIASES: Record<string, string> = {
  space: 'folders',
  home_space: 'folders',
  folder: 'folders',
  creator: 'user',
  deleter: 'user',
  last_updater: 'user',
  from_group: 'group',
};

export function referencedView(field: string, views: ReadonlySet<string>): string | undefined {
  const match = /^(.+)_id$/.exec(field);
  if (!match) return undefined;
  let name = match[1]!;
  if (ID_ALIASES[name]) return ID_ALIASES[name];
  while (name) {
    if (views.has(name)) return name;
    const cut = name.indexOf('_');
    if (cut < 0) return undefined;
    name = name.slice(cut + 1);
  }
  return undefined;
}
