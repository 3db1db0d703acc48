/**
 * What today's Looker (25.x/26.x) serves beyond the 2020 model and the 2024 references, built
 * from the facts' `seen_2026` section: the views and joins it names (`query_api_client_context` in
 * History, Looker 25.18+). The facts give names only; every type, key and field they do not give is
 * a guess declared here, each marked `guessed` (the README's fidelity table lists them).
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

export const VIEWS_SINCE_2020: Record<string, ViewGuess> = {
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
