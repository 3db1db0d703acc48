/**
 * What Looker's System Activity records about the API user's own calls, so an exporter can be
 * shown its own footprint: every query it runs becomes a `history` row, and its logins and logouts
 * become `event` rows, at the fake's clock. A row starts as the generated row just past the
 * dataset's end (so ids continue the generated sequence and any field a test added gets a value);
 * the fields that describe the call are then set to what Looker records for an API query.
 */
import type { LookerRow, SystemActivity } from './system-activity.js';
import { formatTime, SECOND } from './time.js';

/** System Activity runs on Looker's internal database, under this reserved connection name. */
export const SYSTEM_ACTIVITY_CONNECTION = 'looker__internal__analytics';

/** What the API user's query was, as far as `history` records it. */
export interface RecordedQuery {
  /** The WriteQuery body as sent: equal bodies are one Looker query, with one `query_id`. */
  body: unknown;
  /** `json`, `csv` or `txt`. */
  format: string;
}

export class ApiActivity {
  /** Looker creates a query object per distinct query; generated `history.query_id`s stay below this. */
  static readonly FIRST_QUERY_ID = 2_000_001;
  readonly #queryIds = new Map<string, number>();
  readonly #recorded = new Map<string, number>();

  constructor(readonly userId: number) {}

  /** One `history` row for a query the API user ran at `now`. */
  query(activity: SystemActivity, now: number, query: RecordedQuery): void {
    const text = JSON.stringify(query.body);
    let queryId = this.#queryIds.get(text);
    if (queryId === undefined) {
      queryId = ApiActivity.FIRST_QUERY_ID + this.#queryIds.size;
      this.#queryIds.set(text, queryId);
    }
    const time = formatTime(now - (now % SECOND));
    this.#append(activity, 'history', now, {
      'history.created_time': time,
      // The fake's clock does not move while a query runs.
      'history.completed_time': time,
      'history.runtime': 0,
      'history.status': 'complete',
      'history.source': 'api4',
      'history.issuer_source': 'api',
      'history.result_source': 'query',
      'history.cache': 'No',
      'history.rebuild_pdts': 'No',
      'history.connection_name': SYSTEM_ACTIVITY_CONNECTION,
      'history.dialect': 'mysql',
      'history.dashboard_id': null,
      'history.dashboard_session': null,
      'history.look_id': null,
      'history.query_id': queryId,
      'history.user_id': this.userId,
      'history.message': null,
      'history.render_key': null,
      'history.result_format': query.format,
    });
  }

  /** One `event` row (`login` or `logout`, category `login`) for the API user at `now`. */
  session(activity: SystemActivity, now: number, name: 'login' | 'logout'): void {
    this.#append(activity, 'event', now, {
      'event.created_time': formatTime(now - (now % SECOND)),
      'event.name': name,
      'event.category': 'login',
      'event.user_id': this.userId,
      'event.sudo_user_id': null,
      'event.is_admin': 'No',
      'event.is_api_call': 'Yes',
      'event.is_looker_employee': 'No',
    });
  }

  /** Appends the row past the generated ones with `fields` set; fields the view does not serve are left out. */
  #append(activity: SystemActivity, explore: string, now: number, fields: LookerRow): void {
    const recorded = this.#recorded.get(explore) ?? 0;
    this.#recorded.set(explore, recorded + 1);
    const table = activity.explore(explore).aliases[0]!.table;
    const row = activity.generatedRow(explore, table.rows + recorded, now - (now % SECOND));
    for (const [key, value] of Object.entries(fields)) if (key in row) row[key] = value;
    activity.append(explore, [row]);
  }
}
