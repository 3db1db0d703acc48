/**
 * Proven reads, end to end: every registered table read through its explore under each of
 * Looker's cap settings (none, a silent cap, a cap the operator declared) while rows come and go
 * between the count and the read, each judged against what the Looker fake held when the table
 * was read; then the defects the pager (7e129ab) fixed, one spec each.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type request from 'supertest';
import { explores, lookerField, type ExploreDefinition } from '../../src/explores/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { assertSameRows, tableRows, truthRows } from '../support/oracle.js';
import type { LookerQueryBody, LookerRow } from '../stack/looker/index.js';

type Row = Record<string, unknown>;
type Call = (body?: unknown) => Promise<request.Response>;
type Mutation = 'stable' | 'added' | 'removed';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const NOW = new Date('2026-11-24T03:00:00Z');
const EPOCH = day('2000-01-01');
/** The end of an initial load at NOW: the start of today. */
const END = day('2026-11-24');
const FOREVER = day('2100-01-01');
const TABLES = [...explores.values()];
const ALL = TABLES.map((t) => t.name).join(',');
const table = (name: string) => explores.get(name)!;

/** The matrix's silent (and declared) cap: a page of 10 rows. */
const CAP = 10;
/**
 * Rows added to a table between its count and its read: more than CAP minus the smallest table
 * (db_connection, 6 rows), so one table is counted under the cap and held over it at read time.
 */
const ADDED = 5;
/** Rows removed from a table between its count and its read. */
const REMOVED = 3;

/**
 * Small data, so the matrix (9 runs of all 30 tables) stays cheap: 20-60 rows per table (962 in
 * all), the big views shrunk; views not named keep their profile (20 rows, role 12, group 40,
 * db_connection 6), and child views follow their parents (query_metrics, event_attribute,
 * scheduled_job_stage, user_facts, dashboard_element).
 */
const SMALL = {
  history: { rows: 60 },
  query: { rows: 40 },
  event: { rows: 30 },
  scheduled_job: { rows: 20 },
  pdt_event_log: { rows: 40 },
  pdt_builds: { rows: 40 },
  dashboard_performance: { rows: 40 },
  content_usage: { rows: 40 },
  user: { rows: 40 },
  dashboard: { rows: 20 },
  look: { rows: 40 },
  field_usage: { rows: 40 },
  group_user: { rows: 40 },
  sql_query: { rows: 30 },
  merge_query: { rows: 20 },
  scheduled_plan: { rows: 20 },
  folders: { rows: 20 },
};

const column = (t: ExploreDefinition, name: string) => t.fields.find((f) => f.name === name)!;

/** The Looker fields of the table's primary key, in order. */
const keyFields = (t: ExploreDefinition) => t.primaryKey.map((name) => lookerField(t, column(t, name)));

/** BigQuery jobs that finish at once (the fake's default keeps each 50 ms PENDING and RUNNING). */
const FAST_JOBS = { jobDelayMs: 5 };

/** Tables without a count measure at their grain: pages alone prove their reads. */
const UNCOUNTED = TABLES.filter((t) => t.countField === null).map((t) => t.name);

/**
 * Tables whose view is a join of their explore, not its base view: the fake's `append()` adds
 * rows to an explore's base view only, so rows cannot be added to these (they are still read,
 * judged and, in the removal cells, lose rows).
 */
const NOT_APPENDABLE = [
  'api_usage',
  'compliance_user_permissions',
  'dashboard',
  'scheduled_plan_destination',
  'scheduled_job_stage',
  'user_facts',
  'user_facts_role',
  'session',
  'group_user',
  'role_group',
  'dashboard_element',
  'scheduled_job',
  'merge_query_source_query',
].sort();

/** Tables with no rows in the fake: none (each is still read and judged). */
const EMPTY: string[] = [];

/**
 * Tables whose row is not one row of one view: groups Looker aggregates (api_usage,
 * compliance_user_permissions) and pairs read through a join that hides its own view
 * (user_facts_role, role_group). The fake adds and removes rows of one view, so these are read
 * and judged in every cell, but not mutated.
 */
const NOT_MUTABLE = ['api_usage', 'compliance_user_permissions', 'role_group', 'user_facts_role'];

/**
 * event_attribute has no time of its own: Looker windows it by its event's. The fake stores an
 * appended attribute at the table's start (a year back), not at its event's time, so a window
 * query does not see it while `truth()` over [EPOCH, END) does: rows added to it cannot be
 * judged, and none are added.
 */
const ADD_UNSEEN = ['event_attribute'];

// ------------------------------------------------------------------------------------------------
// Which table a Looker query reads, from its body alone.

/** `explore|last key field` -> table: every page sorts by its levels, the key's last column last. */
const byLastKey = new Map(TABLES.map((t) => [`${t.explore}|${keyFields(t).at(-1)!}`, t]));
assert.equal(byLastKey.size, TABLES.length, "each table's pages sort by a key of its own");

/**
 * The table a query reads a page of, from its body alone; `count` for a count query (a measure,
 * and at most the cursor's date: no key), which names its explore only.
 */
function queried(query: LookerQueryBody): { table?: ExploreDefinition; count: boolean } | undefined {
  const paged = byLastKey.get(`${query.view}|${(query.sorts ?? []).at(-1)}`);
  if (paged) return { table: paged, count: false };
  return (query.fields ?? []).length <= 2 ? { count: true } : undefined;
}

// ------------------------------------------------------------------------------------------------
// The oracle and the mutations.

/** What the table must hold: the truth of its window (an initial load at NOW) or of its snapshot. */
const truthOf = (h: Harness, t: ExploreDefinition) =>
  truthRows(h, EPOCH, t.mode === 'incremental' ? END : FOREVER, t);

const keyOf = (t: ExploreDefinition, row: Row) => JSON.stringify(t.primaryKey.map((k) => row[k]));

/** Rows in key order, numbers as numbers (as Looker sorts the key). */
function sortedByKey(t: ExploreDefinition, rows: Row[]): Row[] {
  const compare = (a: unknown, b: unknown) =>
    typeof a === 'number' && typeof b === 'number'
      ? a - b
      : String(a) < String(b)
        ? -1
        : String(a) > String(b)
          ? 1
          : 0;
  return [...rows].sort((a, b) => {
    for (const k of t.primaryKey) {
      const order = compare(a[k], b[k]);
      if (order !== 0) return order;
    }
    return 0;
  });
}

/**
 * Appends ADDED rows to the table's view, copies of the last row it holds in the window (so a
 * time inside the window, in a second that already holds a row, and references that join),
 * with keys beyond every existing one and an actor other than the exporter's API user.
 * Returns how many were added: none for a table whose view `append()` cannot reach.
 */
function addRows(h: Harness, t: ExploreDefinition): number {
  const looker = h.stack.looker;
  if (NOT_APPENDABLE.includes(t.name) || ADD_UNSEEN.includes(t.name) || NOT_MUTABLE.includes(t.name))
    return 0;
  const held = t.mode === 'incremental' ? looker.truth(t.explore, EPOCH, END) : looker.truth(t.explore);
  const template = held.at(-1);
  if (!template) return 0;
  const keys = keyFields(t);
  const actor = t.actorField && lookerField(t, column(t, t.actorField));
  looker.append(
    t.explore,
    Array.from({ length: ADDED }, (_, i): LookerRow => {
      const row: LookerRow = { ...template };
      t.primaryKey.forEach((name, k) => {
        row[keys[k]!] = column(t, name).type === 'INTEGER' ? 9_000_000 + i : `zz-added-${i}`;
      });
      if (actor && actor in row) row[actor] = 7;
      return row;
    }),
  );
  return ADDED;
}

/**
 * Removes REMOVED rows of the table's own view that the table holds: the first, a middle and
 * the last by key (`spread`), or the last three by key (`last`: rows a first page of CAP rows
 * has not reached). Children go with them (an event's attributes, a dashboard's elements).
 */
function removeRows(h: Harness, t: ExploreDefinition, which: 'spread' | 'last'): number {
  if (NOT_MUTABLE.includes(t.name)) return 0;
  const rows = sortedByKey(t, truthOf(h, t));
  if (rows.length < REMOVED) return 0;
  const picked =
    which === 'last' ? rows.slice(-REMOVED) : [rows[0]!, rows[Math.floor(rows.length / 2)]!, rows.at(-1)!];
  const keys = keyFields(t);
  const wanted = new Set(picked.map((row) => keyOf(t, row)));
  const removed = h.stack.looker.remove(
    t.explore,
    (row) => wanted.has(JSON.stringify(t.primaryKey.map((name, k) => normalKey(t, name, row[keys[k]!])))),
    { view: t.view },
  );
  assert.equal(removed, REMOVED, `${t.name}: removed ${removed} rows`);
  return REMOVED;
}

/** A Looker key value in the form `truthRows` gives it (numbers for INTEGER columns). */
function normalKey(t: ExploreDefinition, name: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  return column(t, name).type === 'INTEGER' ? Number(value) : value;
}

interface Watch {
  /** Rows added or removed per table (0: the table could not be mutated). */
  mutated: Map<string, number>;
  /**
   * The truth of each table as its read went on: at its first page (after its own mutation),
   * then again after any page when another table's mutation changed what Looker holds.
   */
  truths: Map<string, Row[][]>;
  pages: Map<string, number>;
}

/**
 * Applies `mutation` to each table between its count and its read: before its first page, or,
 * for a table without a count, before its second page (after the first). Explores run side by
 * side, so one table's mutation can land while another is read (removing a user takes its
 * facts and sessions, a plan its jobs): the truth is taken again whenever that happens, and
 * the table is judged against every state Looker was in while it was read.
 */
function watch(h: Harness, mutation: Mutation, capped: boolean): Watch {
  const state: Watch = { mutated: new Map(), truths: new Map(), pages: new Map() };
  let version = 0;
  const seen = new Map<string, number>();
  const take = (t: ExploreDefinition, fresh: boolean) => {
    if (!fresh && seen.get(t.name) === version) return;
    state.truths.set(t.name, [...(fresh ? [] : (state.truths.get(t.name) ?? [])), truthOf(h, t)]);
    seen.set(t.name, version);
  };
  h.stack.looker.onQuery((query) => {
    const t = queried(query)?.table;
    if (!t) return;
    const page = (state.pages.get(t.name) ?? 0) + 1;
    state.pages.set(t.name, page);
    const counted = !UNCOUNTED.includes(t.name);
    // What the table must hold from its first page on, or from its own mutation (not a race).
    let fresh = page === 1;
    if (mutation !== 'stable' && !state.mutated.has(t.name) && page === (counted ? 1 : 2)) {
      // Without a count and without a cap, the first page holds every row: a row removed after
      // it was read, not between a count and the read, so those tables lose none.
      const n =
        mutation === 'added'
          ? addRows(h, t)
          : counted
            ? removeRows(h, t, 'spread')
            : capped
              ? removeRows(h, t, 'last')
              : 0;
      state.mutated.set(t.name, n);
      if (n > 0) {
        version += 1;
        fresh = true;
      }
    }
    take(t, fresh);
  });
  h.stack.looker.onQuery(
    (query) => {
      const t = queried(query)?.table;
      if (t) take(t, false);
    },
    { when: 'after' },
  );
  return state;
}

interface Summary {
  explore: string;
  status: string;
  error?: string;
  rows: number;
  lookerQueries: number;
  windows: {
    window: string;
    status: string;
    counted: number | null;
    rows?: number;
    pieces?: number;
    lookerQueries?: number;
    proof?: string;
    error?: string;
  }[];
}
const summaries = (res: request.Response): Summary[] => res.body?.instances?.[0]?.explores ?? [];
const summaryOf = (res: request.Response, name: string) => summaries(res).find((e) => e.explore === name);

/**
 * Every way a table differs from what Looker held while it was read, one line each. Read in one
 * state, it must hold exactly that state's rows. Read while another table's mutation changed
 * its rows, it must hold each row once, every row Looker held throughout, and no row (nor value)
 * Looker never held.
 */
async function judge(h: Harness, res: request.Response, state: Watch): Promise<string[]> {
  const problems: string[] = [];
  const tables = await Promise.all(
    TABLES.map((t) => tableRows(h.clients.bigquery, h.config.bigquery.dataset, t)),
  );
  for (const [i, t] of TABLES.entries()) {
    const summary = summaryOf(res, t.name);
    if (!summary) {
      problems.push(
        `${t.name}: not in the summary (HTTP ${res.status}: ${JSON.stringify(res.body).slice(0, 300)})`,
      );
      continue;
    }
    if (summary.status !== 'succeeded') {
      const errors = [summary.error, ...summary.windows.map((w) => w.error)].filter(Boolean);
      problems.push(`${t.name}: ${summary.status}: ${errors.join('; ').slice(0, 400)}`);
      continue;
    }
    const truths = state.truths.get(t.name) ?? [truthOf(h, t)];
    const actual = tables[i]!;
    if (truths.length === 1) {
      try {
        assertSameRows(t, actual, truths[0]!);
      } catch (error) {
        problems.push(`succeeded, but ${(error as Error).message.split('\n')[0]!.slice(0, 300)}`);
      }
      continue;
    }
    const keys = actual.map((row) => keyOf(t, row));
    const held = new Set(truths.flat().map((row) => JSON.stringify(row)));
    const throughout = truths
      .map((rows) => new Set(rows.map((row) => keyOf(t, row))))
      .reduce((a, b) => new Set([...a].filter((key) => b.has(key))));
    const missing = [...throughout].filter((key) => !keys.includes(key));
    const never = actual.filter((row) => !held.has(JSON.stringify(row))).map((row) => keyOf(t, row));
    if (new Set(keys).size !== keys.length) problems.push(`succeeded, but ${t.name}: a row is there twice`);
    if (missing.length)
      problems.push(`succeeded, but ${t.name}: missing ${missing.length} rows held throughout its read`);
    if (never.length)
      problems.push(`succeeded, but ${t.name}: ${never.length} rows Looker never held (${never.join(' ')})`);
  }
  return problems;
}

/** The tables a mutation must have reached, as the comments above explain. */
function expectedMutated(mutation: Mutation, capped: boolean): string[] {
  if (mutation === 'stable') return [];
  return TABLES.map((t) => t.name)
    .filter((name) => !EMPTY.includes(name) && !NOT_MUTABLE.includes(name))
    .filter((name) => mutation !== 'added' || !(NOT_APPENDABLE.includes(name) || ADD_UNSEEN.includes(name)))
    .filter((name) => mutation === 'added' || capped || !UNCOUNTED.includes(name))
    .sort();
}

/** One cell: all 30 tables in one call, the mutation applied to each between count and read. */
async function cell(h: Harness, call: Call, mutation: Mutation, capped: boolean) {
  const state = watch(h, mutation, capped);
  const res = await call({});
  const problems = await judge(h, res, state);
  const mutated = [...state.mutated].filter(([, n]) => n > 0).map(([name]) => name);
  assert.deepEqual(
    { problems, mutated: mutated.sort() },
    { problems: [], mutated: expectedMutated(mutation, capped) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 2000));
}

const MUTATIONS: [Mutation, string][] = [
  ['stable', 'nothing changes'],
  ['added', 'rows are added between the count and the read'],
  ['removed', 'rows are removed between the count and the read'],
];

/**
 * A function instance over `h` with `env`. The three stacks below start side by side (the file
 * stays within its time budget), and the Firestore client takes its emulator from the process
 * environment when it is created, which the last harness started set: point it at `h`'s first.
 */
function instanceOf(h: Harness, env: Record<string, string>): Call {
  process.env.FIRESTORE_EMULATOR_HOST = h.stack.env.FIRESTORE_EMULATOR_HOST;
  return h.instance(env);
}

// ------------------------------------------------------------------------------------------------
// The matrix: every table x {no cap, silent cap, known cap} x {stable, added, removed}.

/**
 * A harness for the describe block it is called in: started before its specs (then handed to
 * `onStart`), reset and set to NOW before each, stopped after them.
 */
function useHarness(options: Parameters<typeof startHarness>[0], onStart: (h: Harness) => void): void {
  let h: Harness | undefined;
  before(async () => {
    h = await startHarness(options);
    onStart(h);
  });
  after(async () => {
    await h?.stop();
  });
  beforeEach(async () => {
    await h!.reset();
    h!.clock.set(NOW);
  });
}

// Three harnesses, each with its own stack (no cap, a cap of 10, a cap of 40), run side by side;
// the specs on each run one at a time.
describe('proven reads', { concurrency: true }, () => {
  describe('every table, without a cap', { concurrency: 1 }, () => {
    let h: Harness;
    let call: Call;
    useHarness({ now: NOW, stack: { looker: { datasets: SMALL }, bigquery: FAST_JOBS } }, (started) => {
      h = started;
      call = instanceOf(h, { EXPORT_EXPLORES: ALL, LOOKER_ROW_CAP: '0', EXPLORE_CONCURRENCY: '8' });
      // The fake can add rows to every table whose key is a field of its explore's base view
      // (and whose row is one such row), and no other; no table is empty.
      const appendable = (t: ExploreDefinition) => {
        const template = h.stack.looker.truth(t.explore).at(0) ?? {};
        return keyFields(t).every((key) => key in template);
      };
      assert.deepEqual(
        TABLES.filter((t) => !appendable(t))
          .map((t) => t.name)
          .sort(),
        NOT_APPENDABLE,
      );
      assert.deepEqual(
        TABLES.filter((t) => truthOf(h, t).length === 0).map((t) => t.name),
        EMPTY,
      );
    });

    for (const [mutation, what] of MUTATIONS)
      it(`no cap, ${what}: every table holds what Looker held when it was read, each row once`, async () => {
        await cell(h, call, mutation, false);
      });

    it('(f) a snapshot that shrinks between the count and the read succeeds, and no cap is learned', async () => {
      const user = table('user');
      let removed = 0;
      let counted = false;
      h.stack.looker.onQuery((query) => {
        // Only user is exported: the count on its explore is user's.
        const hit = query.view === 'user' ? queried(query) : undefined;
        if (hit?.count) counted = true;
        else if (hit?.table === user && counted && removed === 0) removed = removeRows(h, user, 'spread');
      });
      const before = truthOf(h, user).length;
      const res = await call({ explores: ['user'] });
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 2000));
      assert.equal(removed, REMOVED);
      const summary = summaryOf(res, 'user')!;
      assert.equal(summary.status, 'succeeded');
      assert.equal(summary.windows[0]!.counted, before);
      assert.equal(summary.rows, before - REMOVED);
      assertSameRows(
        user,
        await tableRows(h.clients.bigquery, h.config.bigquery.dataset, user),
        truthOf(h, user),
      );
      // The rows that vanished are not taken for a cap: nothing in the log learns one.
      const learned = h.logs.lines.filter(
        (line) => 'learnedCap' in line || /learn|cap as the page size/i.test(String(line.message)),
      );
      assert.deepEqual(learned, []);
      assert.ok(
        h.logs.lines.some((line) => /vanished/.test(String(line.message))),
        'the log says rows vanished between the count and the read',
      );
    });
  });

  describe(`every table, under a cap of ${CAP} rows`, { concurrency: 1 }, () => {
    let h: Harness;
    let silent: Call;
    let known: Call;
    useHarness(
      { now: NOW, stack: { looker: { datasets: SMALL, rowCap: CAP }, bigquery: FAST_JOBS } },
      (started) => {
        h = started;
        silent = instanceOf(h, { EXPORT_EXPLORES: ALL, LOOKER_ROW_CAP: '0', EXPLORE_CONCURRENCY: '8' });
        known = instanceOf(h, {
          EXPORT_EXPLORES: ALL,
          LOOKER_ROW_CAP: String(CAP),
          EXPLORE_CONCURRENCY: '8',
        });
      },
    );

    for (const [mutation, what] of MUTATIONS)
      it(`silent cap, ${what}: every table holds what Looker held when it was read, each row once`, async () => {
        await cell(h, silent, mutation, true);
      });

    for (const [mutation, what] of MUTATIONS)
      it(`known cap, ${what}: every table holds what Looker held when it was read, each row once`, async () => {
        await cell(h, known, mutation, true);
      });

    // The two ways the silent-cap cells lose rows, each on its own.

    it('silent cap: a day count Looker cut at the cap proves no read (more days than the cap)', async () => {
      const event = table('event');
      const truth = truthOf(h, event);
      const days = new Set(truth.map((row) => String(row.created_time).slice(0, 10)));
      assert.ok(days.size > CAP, `only ${days.size} days`);
      const res = await silent({ explores: ['event'] });
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 2000));
      const summary = summaryOf(res, 'event')!;
      assertSameRows(event, await tableRows(h.clients.bigquery, h.config.bigquery.dataset, event), truth);
      assert.equal(
        summary.windows.reduce((sum, w) => sum + (w.counted ?? 0), 0),
        truth.length,
      );
    });

    it('silent cap: a snapshot counted under the cap and held over it at read time lands whole', async () => {
      const connection = table('db_connection');
      let added = 0;
      h.stack.looker.onQuery((query) => {
        if (queried(query)?.table === connection && added === 0) added = addRows(h, connection);
      });
      const counted = truthOf(h, connection).length;
      assert.ok(counted < CAP && counted + ADDED > CAP, `${counted} connections`);
      const res = await silent({ explores: ['db_connection'] });
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 2000));
      assert.equal(added, ADDED);
      assert.equal(summaryOf(res, 'db_connection')!.windows[0]!.counted, counted);
      assertSameRows(
        connection,
        await tableRows(h.clients.bigquery, h.config.bigquery.dataset, connection),
        truthOf(h, connection),
      );
    });
  });

  // ------------------------------------------------------------------------------------------------
  // The defects the pager fixed (each failed before 7e129ab), on the fake's default data.

  describe('defects of the reads before the pager, under a cap of 40 rows', { concurrency: 1 }, () => {
    const CAP40 = 40;
    let h: Harness;
    let silent: Call;
    let known: Call;
    useHarness(
      {
        now: NOW,
        // Default data, but the snapshots without a count a little smaller (still > 5 pages).
        stack: {
          looker: { rowCap: CAP40, datasets: { group_user: { rows: 300 }, field_usage: { rows: 300 } } },
          bigquery: FAST_JOBS,
        },
      },
      (started) => {
        h = started;
        silent = instanceOf(h, { EXPORT_EXPLORES: ALL, LOOKER_ROW_CAP: '0' });
        known = instanceOf(h, { EXPORT_EXPLORES: ALL, LOOKER_ROW_CAP: String(CAP40) });
      },
    );

    const rowsOf = (t: ExploreDefinition) => tableRows(h.clients.bigquery, h.config.bigquery.dataset, t);
    const succeeded = (res: request.Response, name: string) => {
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 2000));
      const summary = summaryOf(res, name)!;
      assert.equal(summary.status, 'succeeded', JSON.stringify(summary).slice(0, 2000));
      return summary;
    };

    it('(a) a snapshot without a count, under a silent cap: every row lands', async () => {
      const res = await silent({ explores: ['group_user', 'field_usage'] });
      for (const t of [table('group_user'), table('field_usage')]) {
        succeeded(res, t.name);
        const truth = truthOf(h, t);
        assert.ok(truth.length > CAP40 * 5, `${t.name}: only ${truth.length} rows`);
        assertSameRows(t, await rowsOf(t), truth);
      }
    });

    it('(b) a child table is counted at its own grain: every attribute lands, and counted is the attributes', async () => {
      const attribute = table('event_attribute');
      const [from, to] = [day('2026-11-20'), day('2026-11-21')];
      const attributes = truthRows(h, from, to, attribute);
      const events = h.stack.looker.truth('event', from, to).length;
      assert.ok(attributes.length > CAP40 && attributes.length !== events, `${attributes.length} attributes`);
      const res = await silent({ explores: ['event_attribute'], from: '2026-11-20', to: '2026-11-20' });
      const summary = succeeded(res, 'event_attribute');
      assert.equal(summary.windows[0]!.counted, attributes.length, `not the ${events} events`);
      assertSameRows(attribute, await rowsOf(attribute), attributes);
    });

    it('(c) a string key: 100 rows in one second, under a silent and a known cap, each land once', async () => {
      const performance = table('dashboard_performance');
      const looker = h.stack.looker;
      for (const [date, call] of [
        ['2026-11-20', silent],
        ['2026-11-21', known],
      ] as const) {
        const template = looker.truth('dashboard_performance', day(date), END).at(0)!;
        looker.append(
          'dashboard_performance',
          Array.from({ length: 100 }, (_, i) => ({
            ...template,
            // Characters Looker's filter language gives meaning to, for the exclusions of a page.
            'dashboard_performance.dashboard_run_session':
              i === 0 ? `-${date},comma%pct_us^caret` : `run_${date}_${String(i).padStart(3, '0')}`,
            'dashboard_performance.first_event_at_time': `${date} 12:00:00`,
          })),
        );
        const res = await call({ explores: ['dashboard_performance'], from: date, to: date });
        succeeded(res, 'dashboard_performance');
      }
      assertSameRows(
        performance,
        await rowsOf(performance),
        truthRows(h, day('2026-11-20'), day('2026-11-22'), performance),
      );
    });

    it('(d) a composite string key under a known cap: every row lands', async () => {
      const usage = table('field_usage');
      const res = await known({ explores: ['field_usage'] });
      succeeded(res, 'field_usage');
      const truth = truthOf(h, usage);
      assert.ok(truth.length > CAP40 * 5, `only ${truth.length} rows`);
      assertSameRows(usage, await rowsOf(usage), truth);
    });

    it('(e) a NULL key: pdt_builds without a tid land once each, and a second identical call does not double them', async () => {
      const builds = table('pdt_builds');
      const looker = h.stack.looker;
      const date = '2026-11-21';
      const template = looker.truth('pdt_builds', day(date), day('2026-11-22')).at(0)!;
      const build = (tid: string | null, start: string, view: string): LookerRow => ({
        ...template,
        'pdt_builds.tid': tid,
        'pdt_builds.start_time': `${date} ${start}`,
        'pdt_builds.view_name': view,
      });
      looker.append('pdt_builds', [
        // Three builds without a tid in one second, one more a few seconds later...
        build(null, '10:00:00', 'orders'),
        build(null, '10:00:00', 'users'),
        build(null, '10:00:00', 'sessions'),
        build(null, '10:00:07', 'orders'),
        // ...and enough keyed builds after them that the day is read in more than one page.
        ...Array.from({ length: CAP40 }, (_, i) =>
          build(`zz-added-${i}`, `11:${String(i).padStart(2, '0')}:00`, 'orders'),
        ),
      ]);
      const truth = truthRows(h, day(date), day('2026-11-22'), builds);
      assert.ok(truth.length > CAP40, `only ${truth.length} builds`);
      for (const attempt of ['first', 'second']) {
        const res = await silent({ explores: ['pdt_builds'], from: date, to: date });
        assert.equal(res.status, 200, `${attempt} call: ${JSON.stringify(res.body).slice(0, 2000)}`);
        assert.equal(summaryOf(res, 'pdt_builds')!.status, 'succeeded', `${attempt} call`);
        const rows = await rowsOf(builds);
        const standIns = rows.filter((row) => typeof row.tid === 'string' && row.tid.startsWith('~'));
        assert.equal(standIns.length, 4, `${attempt} call: ${standIns.length} rows without a tid`);
        assert.equal(
          new Set(standIns.map((row) => row.tid)).size,
          4,
          `${attempt} call: stand-in keys differ`,
        );
        // Compared with the truth as Looker sends it: the stand-in key is NULL there.
        const canonical = (list: Row[]) =>
          list.map((row) => JSON.stringify({ ...row, tid: standIns.includes(row) ? null : row.tid })).sort();
        assert.deepEqual(canonical(rows), canonical(truth), `${attempt} call`);
      }
    });

    it('(g) one second holding 3x the cap costs the fewest queries: no page is sent twice', async () => {
      const history = table('history');
      const looker = h.stack.looker;
      const second = '2026-11-20 12:00:00';
      looker.append(
        'history',
        Array.from({ length: 3 * CAP40 }, (_, i) => ({
          'history.id': 7_000_000 + i,
          'history.created_time': second,
          'history.status': 'complete',
          'history.source': 'api4',
          'history.user_id': 7,
        })),
      );
      // Rows Looker sends for the day (the exporter's own included: they are paged, then left out).
      const at = (iso: string) => new Date(`${iso.replace(' ', 'T')}Z`);
      const before = looker.truth('history', day('2026-11-20'), at(second)).length;
      const afterIt = looker.truth(
        'history',
        new Date(at(second).getTime() + 1000),
        day('2026-11-21'),
      ).length;
      const rows = before + 3 * CAP40 + afterIt;
      // The bound below is tight for this day: a page ends inside the rows before the second and
      // the rows on both sides fit one page between them. Were it not so, a re-sent page could hide.
      assert.ok(
        before % CAP40 !== 0 && (before % CAP40) + (afterIt % CAP40) <= CAP40,
        `${before} / ${afterIt}`,
      );

      const res = await known({ explores: ['history'], from: '2026-11-20', to: '2026-11-20' });
      const window = succeeded(res, 'history').windows[0]!;
      assert.equal(window.counted, rows);
      // The fewest pages: ceil(rows / cap), plus one page entering the crowded second (Looker
      // cannot filter "after (time, id)" in one query, so it shares the second's rows the page
      // before held) and one empty page showing the second's remaining rows (2 full pages) end.
      // The reads before the pager re-sent the page that found the second crowded: one more.
      assert.ok(
        window.lookerQueries! <= Math.ceil(rows / CAP40) + 2,
        `${window.lookerQueries} queries for ${rows} rows under a cap of ${CAP40}`,
      );
      assertSameRows(
        history,
        await rowsOf(history),
        truthRows(h, day('2026-11-20'), day('2026-11-21'), history),
      );
    });
  });
});
