/**
 * The explores of the archive's model, declared as data: which table each starts from and how
 * the others join it. They mirror System Activity's explores of the same name (base view, join
 * names, relationships and keys), limited to the tables the archive has.
 *
 * A snapshot table holds one copy of every row per day, so a join to one must pick a copy:
 * `same_day` joins the copy of the parent's own snapshot day (both sides are snapshots taken
 * by the same run); `last_seen` joins each id's copy from the latest day it was seen, for event
 * tables whose rows point at users or content that may since have been deleted.
 */
export type SnapshotJoin = 'same_day' | 'last_seen';

export interface JoinDeclaration {
  /** The join's name: the prefix of its fields in the explore (`user.name`), as in System Activity. */
  name: string;
  /** The archived table joined. */
  table: string;
  /** The join (or the explore's base) whose columns the keys compare with. */
  parent: string;
  /** Pairs of equal columns: the parent's, then the joined table's. */
  on: readonly (readonly [parentColumn: string, column: string])[];
  /** Constant conditions on a column of the parent or of the joined table (`content_type` = 'dashboard'). */
  where?: readonly (readonly [side: 'parent' | 'joined', column: string, value: string])[];
  relationship: 'many_to_one' | 'one_to_many' | 'one_to_one';
  /** Required when the joined table is a snapshot. */
  snapshot?: SnapshotJoin;
}

export interface ExploreDeclaration {
  /** The explore's name, which is also its base table's. */
  name: string;
  description: string;
  joins: readonly JoinDeclaration[];
}

const userOf = (parent: string, column: string, snapshot: SnapshotJoin): JoinDeclaration => ({
  name: 'user',
  table: 'user',
  parent,
  on: [[column, 'id']],
  relationship: 'many_to_one',
  snapshot,
});

/** A dashboard's or look's usage row (content_usage keys both by content_type and content_id). */
const usageOf = (content: 'dashboard' | 'look'): JoinDeclaration => ({
  name: 'content_usage',
  table: 'content_usage',
  parent: content,
  on: [['id', 'content_id']],
  where: [['joined', 'content_type', content]],
  relationship: 'one_to_one',
  snapshot: 'same_day',
});

/** The folder a dashboard or look is saved in. */
const folderOf = (content: 'dashboard' | 'look'): JoinDeclaration => ({
  name: 'folders',
  table: 'folders',
  parent: content,
  on: [['space_id', 'id']],
  relationship: 'many_to_one',
  snapshot: 'same_day',
});

export const exploreDeclarations: readonly ExploreDeclaration[] = [
  {
    name: 'history',
    description:
      'Every query run: who ran it, from where, how long it took; with its query, user and content.',
    joins: [
      {
        name: 'query',
        table: 'query',
        parent: 'history',
        on: [['query_id', 'id']],
        relationship: 'many_to_one',
      },
      userOf('history', 'user_id', 'last_seen'),
      {
        name: 'dashboard',
        table: 'dashboard',
        parent: 'history',
        on: [['dashboard_id', 'id']],
        relationship: 'many_to_one',
        snapshot: 'last_seen',
      },
      {
        name: 'look',
        table: 'look',
        parent: 'history',
        on: [['look_id', 'id']],
        relationship: 'many_to_one',
        snapshot: 'last_seen',
      },
      {
        name: 'sql_query',
        table: 'sql_query',
        parent: 'history',
        on: [['sql_query_id', 'id']],
        relationship: 'many_to_one',
        snapshot: 'last_seen',
      },
    ],
  },
  { name: 'query', description: 'Query definitions: model, explore, fields, filters.', joins: [] },
  {
    name: 'event',
    description: 'Looker events (logins, content changes, ...) with the user who caused them.',
    joins: [userOf('event', 'user_id', 'last_seen')],
  },
  {
    name: 'event_attribute',
    description: 'The attributes of events, with their event and its user.',
    joins: [
      {
        name: 'event',
        table: 'event',
        parent: 'event_attribute',
        on: [['event_id', 'id']],
        relationship: 'many_to_one',
      },
      userOf('event', 'user_id', 'last_seen'),
    ],
  },
  {
    name: 'content_usage',
    description: 'How often each dashboard and look was used, by access path, and when last.',
    joins: [
      {
        name: 'dashboard',
        table: 'dashboard',
        parent: 'content_usage',
        on: [['content_id', 'id']],
        where: [['parent', 'content_type', 'dashboard']],
        relationship: 'many_to_one',
        snapshot: 'same_day',
      },
      {
        name: 'look',
        table: 'look',
        parent: 'content_usage',
        on: [['content_id', 'id']],
        where: [['parent', 'content_type', 'look']],
        relationship: 'many_to_one',
        snapshot: 'same_day',
      },
    ],
  },
  {
    name: 'dashboard',
    description: 'User-defined dashboards and their tiles, owners, folders and usage.',
    joins: [
      {
        name: 'dashboard_element',
        table: 'dashboard_element',
        parent: 'dashboard',
        on: [['id', 'dashboard_id']],
        relationship: 'one_to_many',
        snapshot: 'same_day',
      },
      usageOf('dashboard'),
      userOf('dashboard', 'user_id', 'same_day'),
      folderOf('dashboard'),
    ],
  },
  {
    name: 'look',
    description: 'Looks, with their query, owner, folder and usage.',
    joins: [
      {
        name: 'query',
        table: 'query',
        parent: 'look',
        on: [['query_id', 'id']],
        relationship: 'many_to_one',
      },
      usageOf('look'),
      userOf('look', 'user_id', 'same_day'),
      folderOf('look'),
    ],
  },
  {
    name: 'user',
    description: 'Users, with their facts, roles, sessions and groups.',
    joins: [
      {
        name: 'user_facts',
        table: 'user_facts',
        parent: 'user',
        on: [['id', 'user_id']],
        relationship: 'one_to_many',
        snapshot: 'same_day',
      },
      {
        name: 'user_facts_role',
        table: 'user_facts_role',
        parent: 'user',
        on: [['id', 'user_id']],
        relationship: 'one_to_many',
        snapshot: 'same_day',
      },
      {
        name: 'role',
        table: 'role',
        parent: 'user_facts_role',
        on: [['role_id', 'id']],
        relationship: 'many_to_one',
        snapshot: 'same_day',
      },
      {
        name: 'session',
        table: 'session',
        parent: 'user',
        on: [['id', 'user_id']],
        relationship: 'one_to_many',
        snapshot: 'same_day',
      },
      {
        name: 'group_user',
        table: 'group_user',
        parent: 'user',
        on: [['id', 'user_id']],
        relationship: 'one_to_many',
        snapshot: 'same_day',
      },
      {
        name: 'group',
        table: 'group',
        parent: 'group_user',
        on: [['group_id', 'id']],
        relationship: 'many_to_one',
        snapshot: 'same_day',
      },
    ],
  },
  {
    name: 'group',
    description: 'Groups, their members and their roles.',
    joins: [
      {
        name: 'group_user',
        table: 'group_user',
        parent: 'group',
        on: [['id', 'group_id']],
        relationship: 'one_to_many',
        snapshot: 'same_day',
      },
      userOf('group_user', 'user_id', 'same_day'),
      {
        name: 'role_group',
        table: 'role_group',
        parent: 'group',
        on: [['id', 'group_id']],
        relationship: 'one_to_many',
        snapshot: 'same_day',
      },
      {
        name: 'role',
        table: 'role',
        parent: 'role_group',
        on: [['role_id', 'id']],
        relationship: 'many_to_one',
        snapshot: 'same_day',
      },
    ],
  },
  { name: 'role', description: 'Roles with their model set and permission set.', joins: [] },
  {
    name: 'scheduled_plan',
    description: 'Schedules, their destinations, owner and content, and every run of them (jobs and stages).',
    joins: [
      {
        name: 'scheduled_plan_destination',
        table: 'scheduled_plan_destination',
        parent: 'scheduled_plan',
        on: [['id', 'scheduled_plan_id']],
        relationship: 'one_to_many',
        snapshot: 'same_day',
      },
      userOf('scheduled_plan', 'user_id', 'same_day'),
      {
        name: 'dashboard',
        table: 'dashboard',
        parent: 'scheduled_plan',
        on: [['dashboard_id', 'id']],
        relationship: 'many_to_one',
        snapshot: 'same_day',
      },
      {
        name: 'look',
        table: 'look',
        parent: 'scheduled_plan',
        on: [['look_id', 'id']],
        relationship: 'many_to_one',
        snapshot: 'same_day',
      },
      {
        name: 'scheduled_job',
        table: 'scheduled_job',
        parent: 'scheduled_plan',
        on: [['id', 'scheduled_plan_id']],
        relationship: 'one_to_many',
      },
      {
        name: 'scheduled_job_stage',
        table: 'scheduled_job_stage',
        parent: 'scheduled_job',
        on: [['id', 'scheduled_job_id']],
        relationship: 'one_to_many',
      },
    ],
  },
  {
    name: 'scheduled_job',
    description:
      'Every schedule run, with the schedule as last seen (so runs of since-deleted schedules keep their name).',
    joins: [
      {
        name: 'scheduled_plan',
        table: 'scheduled_plan',
        parent: 'scheduled_job',
        on: [['scheduled_plan_id', 'id']],
        relationship: 'many_to_one',
        snapshot: 'last_seen',
      },
      {
        name: 'scheduled_job_stage',
        table: 'scheduled_job_stage',
        parent: 'scheduled_job',
        on: [['id', 'scheduled_job_id']],
        relationship: 'one_to_many',
      },
      userOf('scheduled_job', 'user_id', 'last_seen'),
    ],
  },
  {
    name: 'pdt_event_log',
    description: 'PDT events (triggers, builds, errors), with the build they belong to.',
    joins: [
      {
        name: 'pdt_builds',
        table: 'pdt_builds',
        parent: 'pdt_event_log',
        on: [['tid', 'tid']],
        relationship: 'many_to_one',
      },
    ],
  },
  { name: 'pdt_builds', description: 'PDT builds: how long each took, for which model and view.', joins: [] },
  {
    name: 'field_usage',
    description: 'How often each LookML field is used, as Looker reported it each day.',
    joins: [],
  },
  {
    name: 'query_metrics',
    description: 'Where each query run spent its time, with the run itself.',
    joins: [
      {
        name: 'history',
        table: 'history',
        parent: 'query_metrics',
        on: [['history_id', 'id']],
        relationship: 'many_to_one',
      },
    ],
  },
  {
    name: 'sql_query',
    description: 'SQL Runner queries and who ran them.',
    joins: [userOf('sql_query', 'user_id', 'same_day')],
  },
  {
    name: 'merge_query',
    description: 'Merged queries and their source queries.',
    joins: [
      {
        name: 'merge_query_source_query',
        table: 'merge_query_source_query',
        parent: 'merge_query',
        on: [['id', 'merge_query_id']],
        relationship: 'one_to_many',
      },
      {
        name: 'query',
        table: 'query',
        parent: 'merge_query_source_query',
        on: [['query_id', 'id']],
        relationship: 'many_to_one',
      },
    ],
  },
  {
    name: 'db_connection',
    description: 'Database connections and who created them.',
    joins: [userOf('db_connection', 'user_id', 'same_day')],
  },
  {
    name: 'folders',
    description: 'Folders and their creators.',
    joins: [userOf('folders', 'creator_id', 'same_day')],
  },
  {
    name: 'dashboard_performance',
    description: 'How long each dashboard run took to load, with the dashboard as last seen.',
    joins: [
      {
        name: 'dashboard',
        table: 'dashboard',
        parent: 'dashboard_performance',
        on: [['dashboard_id', 'id']],
        relationship: 'many_to_one',
        snapshot: 'last_seen',
      },
    ],
  },
];
