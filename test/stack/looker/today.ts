/**
 * What today's Looker (25.x/26.x) serves beyond the 2020 model and the 2024 references, built
 * from the facts' `seen_2026` section: the views and joins it names (`query_api_client_context` in
 * History, Looker 25.18+) and the explores added since 2020 (API Usage, API Usage Hourly, Query
 * Concurrency, Compliance User Permissions, Scheduled Plan OAuth Events). The facts give names
 * only; every type, key, base view and field they do not give is a guess declared here, the
 * fields marked `guessed` (the README's fidelity table lists them). Types follow the names: `*_date`
 * / `created` a time group, `total_*` / `*_users` / `*_devs` measures, `id` / `pk` / `*_id` numbers.
 */
import type { FieldFact, JoinFact } from './catalogue.js';

/** A field of a view added since 2020: its name from the facts, or guessed outright. */
export interface FieldGuess extends Omit<FieldFact, 'name'> {
  /** Not named by the facts at all (a key or primary key a real view must have). */
  guessed?: true;
}

/** A view added since 2020: the type of each field the facts name, and the fields they do not name. */
export interface ViewGuess {
  /** Types of the fields the facts name (`view.field` references), by field name. */
  typed: Record<string, FieldGuess>;
  /** Fields the facts do not name, in the order served. */
  added: Record<string, FieldGuess>;
}

const COUNT: FieldGuess = { kind: 'measure', type: 'count', guessed: true };
const ID: FieldGuess = { kind: 'dimension', type: 'number', guessed: true };
const CREATED: FieldGuess = { kind: 'dimension_group', type: 'time' };
const HOURLY = ['raw', 'time', 'minute', 'hour', 'date', 'week', 'month', 'quarter', 'year'];

export const VIEWS_SINCE_2020: Record<string, ViewGuess> = {
  // API calls per endpoint and day; the raw table has columns id, count, created_date, endpoint.
  // `total_usage` sums the calls (a sum: the fake cannot know it sums `count`, so its values are
  // derived from the id as for other sums whose field the facts do not name).
  api_usage: {
    typed: {
      endpoint: { kind: 'dimension', type: 'string' },
      total_usage: { kind: 'measure', type: 'sum' },
      created: CREATED,
    },
    added: { id: ID, count: COUNT },
  },
  // No field name is public: a view of the same shape, by the hour.
  api_usage_hourly: {
    typed: {},
    added: {
      id: ID,
      created: { ...CREATED, timeframes: HOURLY, guessed: true },
      endpoint: { kind: 'dimension', type: 'string', guessed: true },
      total_usage: { kind: 'measure', type: 'sum', guessed: true },
      count: COUNT,
    },
  },
  // Only the primary key `pk` is public; the rest follows the description (load per connection over time).
  concurrency: {
    typed: { pk: { kind: 'dimension', type: 'number' } },
    added: {
      created: { ...CREATED, timeframes: HOURLY, guessed: true },
      connection_name: { kind: 'dimension', type: 'string', guessed: true },
      count: COUNT,
    },
  },
  // Users and what they may do, behind the built-in User Activity dashboard.
  compliance_user_permissions: {
    typed: {
      created: CREATED,
      embed: { kind: 'dimension', type: 'yesno' },
      admin_developer_users: { kind: 'measure', type: 'count_distinct' },
      explore_users: { kind: 'measure', type: 'count_distinct' },
      total_users: { kind: 'measure', type: 'count_distinct' },
    },
    added: { id: ID, user_id: ID, count: COUNT },
  },
  // Joined in compliance_user_permissions by a key no source shows.
  devs_not_explorers: {
    typed: { non_explore_devs: { kind: 'measure', type: 'count_distinct' } },
    added: { user_id: ID },
  },
  // "Query API Client Properties": which API client ran a query. The docs show the name ("API
  // Client Name") and the Connected Sheets (`cs_*`) and Looker Studio (`ls_*`) ids; Google
  // spreadsheet and Studio ids are opaque strings, so every field is a string.
  query_api_client_context: {
    typed: {
      name: { kind: 'dimension', type: 'string' },
      cs_spreadsheet_id: { kind: 'dimension', type: 'string' },
      cs_trigger: { kind: 'dimension', type: 'string' },
      ls_dashboard_id: { kind: 'dimension', type: 'string' },
      ls_datasource_id: { kind: 'dimension', type: 'string' },
    },
    // The context belongs to one query run: keyed by the history row it describes (hidden, as a
    // join key usually is). Looker's real key (history id or the query slug of 23.20) is unknown.
    added: { history_id: { kind: 'dimension', type: 'number', hidden: true, guessed: true } },
  },
};

/** Joins added to 2020 explores since, by explore. */
export const JOINS_SINCE_2020: Record<string, JoinFact[]> = {
  // One context row at most per history row: one_to_one, matched query_api_client_context.history_id = history.id.
  history: [
    {
      alias: 'query_api_client_context',
      view: 'query_api_client_context',
      relationship: 'one_to_one',
      type: 'left_outer',
    },
  ],
};

/** An explore added since 2020: its base view (aliased as the explore) and its joins. */
export interface ExploreGuess {
  baseView: string;
  joins: JoinFact[];
}

const join = (alias: string, relationship: JoinFact['relationship'], view = alias): JoinFact => ({
  alias,
  view,
  relationship,
  type: 'left_outer',
});

/**
 * The explores the 2026 facts list that the 2020 model lacks, served when the facts list their id.
 * Not here: the Studio-in-Looker "Report" explore, whose id no source gives; the joins the facts
 * know only as `view.*` (api_usage's duration histogram, api_usage_hourly's `api_usage_endpoint`,
 * concurrency's `query_intervals`), whose field names are unknown.
 */
export const EXPLORES_SINCE_2020: Record<string, ExploreGuess> = {
  api_usage: { baseView: 'api_usage', joins: [] },
  api_usage_hourly: { baseView: 'api_usage_hourly', joins: [] },
  concurrency: { baseView: 'concurrency', joins: [] },
  compliance_user_permissions: {
    baseView: 'compliance_user_permissions',
    // many_to_many: the key is unknown, so its fields are NULL (see the README's join convention).
    joins: [join('devs_not_explorers', 'many_to_many')],
  },
  // The docs query user.name, query.model and event_attribute.value here: OAuth events are read as
  // Looker events (base view `event`, aliased as the explore), with the user, query and
  // attributes joined as in the Event explore. Which events are OAuth ones is not modelled.
  scheduled_plan_oauth_events: {
    baseView: 'event',
    joins: [
      join('user', 'many_to_one'),
      join('query', 'many_to_one'),
      join('event_attribute', 'one_to_many'),
    ],
  },
};
