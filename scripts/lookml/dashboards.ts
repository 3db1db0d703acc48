/**
 * The LookML dashboards: what System Activity's own dashboards answer, over any range the
 * archive holds. Each element names an explore of the model and fields of its views; the
 * suite checks every name against the generated views.
 */
import { DEFAULT_PERIOD, MODEL_NAME } from './model.js';
import { yamlDocument, type Yaml } from './yaml.js';

interface Element {
  name: string;
  title: string;
  explore: string;
  type: string;
  fields: readonly string[];
  pivots?: readonly string[];
  sorts?: readonly string[];
  filters?: Readonly<Record<string, string>>;
  limit?: number;
  /** Dashboard filter name → the field of this element it filters. */
  listen: Readonly<Record<string, string>>;
  note?: string;
}

interface DashboardFilter {
  name: string;
  title: string;
  explore: string;
  field: string;
  defaultValue?: string;
}

export interface Dashboard {
  name: string;
  title: string;
  description: string;
  filters: readonly DashboardFilter[];
  elements: readonly Element[];
}

const instanceFilter = (explore: string): DashboardFilter => ({
  name: 'instance',
  title: 'Looker Instance',
  explore,
  field: `${explore}.looker_instance`,
});

export const dashboards: readonly Dashboard[] = [
  {
    name: 'usage_over_time',
    title: 'Usage over time (archive)',
    description: 'Query runs and active users per day, by source, over any range of the archive.',
    filters: [
      {
        name: 'date',
        title: 'Date (UTC)',
        explore: 'history',
        field: 'history.created_date',
        defaultValue: '90 days',
      },
      instanceFilter('history'),
    ],
    elements: [
      {
        name: 'queries_per_day_by_source',
        title: 'Query runs per day by source',
        explore: 'history',
        type: 'looker_area',
        fields: ['history.created_date', 'history.source', 'history.query_run_count'],
        pivots: ['history.source'],
        sorts: ['history.created_date'],
        listen: { date: 'history.created_date', instance: 'history.looker_instance' },
      },
      {
        name: 'active_users_per_day',
        title: 'Active users per day',
        explore: 'history',
        type: 'looker_line',
        fields: ['history.created_date', 'history.user_count'],
        sorts: ['history.created_date'],
        listen: { date: 'history.created_date', instance: 'history.looker_instance' },
      },
      {
        name: 'active_users_per_day_by_source',
        title: 'Active users per day by source',
        explore: 'history',
        type: 'looker_column',
        fields: ['history.created_date', 'history.source', 'history.user_count'],
        pivots: ['history.source'],
        sorts: ['history.created_date'],
        listen: { date: 'history.created_date', instance: 'history.looker_instance' },
      },
      {
        name: 'queries_by_source',
        title: 'Query runs by source',
        explore: 'history',
        type: 'looker_grid',
        fields: [
          'history.source',
          'history.query_run_count',
          'history.user_count',
          'history.average_runtime',
        ],
        sorts: ['history.query_run_count desc'],
        listen: { date: 'history.created_date', instance: 'history.looker_instance' },
      },
    ],
  },
  {
    name: 'content_activity',
    title: 'Content activity (archive)',
    description: 'The most used dashboards and looks, and those nobody has used for 365 days.',
    filters: [
      {
        name: 'date',
        title: 'Runs in (UTC)',
        explore: 'history',
        field: 'history.created_date',
        defaultValue: '90 days',
      },
      instanceFilter('history'),
    ],
    elements: [
      {
        name: 'most_run_dashboards',
        title: 'Most used dashboards (query runs in range)',
        explore: 'history',
        type: 'looker_grid',
        fields: ['dashboard.id', 'dashboard.title', 'history.query_run_count', 'history.user_count'],
        filters: { 'history.source': 'dashboard' },
        sorts: ['history.query_run_count desc'],
        limit: 50,
        listen: { date: 'history.created_date', instance: 'history.looker_instance' },
      },
      {
        name: 'most_run_looks',
        title: 'Most used looks (query runs in range)',
        explore: 'history',
        type: 'looker_grid',
        fields: ['look.id', 'look.title', 'history.query_run_count', 'history.user_count'],
        filters: { 'look.id': 'NOT NULL' },
        sorts: ['history.query_run_count desc'],
        limit: 50,
        listen: { date: 'history.created_date', instance: 'history.looker_instance' },
      },
      {
        name: 'unused_dashboards',
        title: 'Dashboards unused for 365 days',
        explore: 'dashboard',
        type: 'looker_grid',
        fields: [
          'dashboard.looker_instance',
          'dashboard.id',
          'dashboard.title',
          'user.name',
          'dashboard.created_date',
          'content_usage.last_accessed_date',
        ],
        filters: { 'content_usage.unused_365_days': 'Yes', 'dashboard.deleted_date': 'NULL' },
        sorts: ['content_usage.last_accessed_date'],
        limit: 500,
        listen: { instance: 'dashboard.looker_instance' },
        note: 'Exists in the latest snapshot, not in the trash, and no access in 365 days (or never).',
      },
      {
        name: 'unused_looks',
        title: 'Looks unused for 365 days',
        explore: 'look',
        type: 'looker_grid',
        fields: [
          'look.looker_instance',
          'look.id',
          'look.title',
          'user.name',
          'look.created_date',
          'content_usage.last_accessed_date',
        ],
        filters: { 'content_usage.unused_365_days': 'Yes', 'look.deleted_date': 'NULL' },
        sorts: ['content_usage.last_accessed_date'],
        limit: 500,
        listen: { instance: 'look.looker_instance' },
        note: 'Exists in the latest snapshot, not in the trash, and no access in 365 days (or never).',
      },
    ],
  },
  {
    name: 'performance',
    title: 'Performance (archive)',
    description: 'The slowest query runs, runtime per day, and PDT builds.',
    filters: [
      {
        name: 'date',
        title: 'Date (UTC)',
        explore: 'history',
        field: 'history.created_date',
        defaultValue: DEFAULT_PERIOD,
      },
      instanceFilter('history'),
    ],
    elements: [
      {
        name: 'slowest_queries',
        title: 'Slowest query runs',
        explore: 'history',
        type: 'looker_grid',
        fields: [
          'history.id',
          'history.created_time',
          'history.runtime',
          'history.status',
          'history.source',
          'query.model',
          'query.view',
          'user.name',
          'dashboard.title',
          'look.title',
        ],
        filters: { 'history.runtime': 'NOT NULL' },
        sorts: ['history.runtime desc'],
        limit: 50,
        listen: { date: 'history.created_date', instance: 'history.looker_instance' },
      },
      {
        name: 'runtime_per_day',
        title: 'Average and longest runtime per day (seconds)',
        explore: 'history',
        type: 'looker_line',
        fields: ['history.created_date', 'history.average_runtime', 'history.max_runtime'],
        sorts: ['history.created_date'],
        listen: { date: 'history.created_date', instance: 'history.looker_instance' },
      },
      {
        name: 'pdt_builds_per_day',
        title: 'PDT builds per day and their average build time',
        explore: 'pdt_builds',
        type: 'looker_column',
        fields: ['pdt_builds.start_date', 'pdt_builds.count', 'pdt_builds.average_build_time_seconds'],
        sorts: ['pdt_builds.start_date'],
        listen: { date: 'pdt_builds.start_date', instance: 'pdt_builds.looker_instance' },
      },
      {
        name: 'slowest_pdts',
        title: 'Slowest PDTs',
        explore: 'pdt_builds',
        type: 'looker_grid',
        fields: [
          'pdt_builds.model_name',
          'pdt_builds.view_name',
          'pdt_builds.count',
          'pdt_builds.average_build_time_seconds',
          'pdt_builds.max_build_time_seconds',
        ],
        sorts: ['pdt_builds.average_build_time_seconds desc'],
        limit: 50,
        listen: { date: 'pdt_builds.start_date', instance: 'pdt_builds.looker_instance' },
      },
    ],
  },
  {
    name: 'schedules',
    title: 'Schedules (archive)',
    description: 'Schedule runs and failures, by schedule, over any range.',
    filters: [
      {
        name: 'date',
        title: 'Date (UTC)',
        explore: 'scheduled_job',
        field: 'scheduled_job.created_date',
        defaultValue: '90 days',
      },
      instanceFilter('scheduled_job'),
    ],
    elements: [
      {
        name: 'failures_by_plan',
        title: 'Failures by schedule',
        explore: 'scheduled_job',
        type: 'looker_grid',
        fields: [
          'scheduled_plan.id',
          'scheduled_plan.name',
          'scheduled_job.failure_count',
          'scheduled_job.count',
        ],
        filters: { 'scheduled_job.failure_count': '>0' },
        sorts: ['scheduled_job.failure_count desc'],
        limit: 100,
        listen: { date: 'scheduled_job.created_date', instance: 'scheduled_job.looker_instance' },
      },
      {
        name: 'runs_per_day',
        title: 'Schedule runs per day by status',
        explore: 'scheduled_job',
        type: 'looker_column',
        fields: ['scheduled_job.created_date', 'scheduled_job.status', 'scheduled_job.count'],
        pivots: ['scheduled_job.status'],
        sorts: ['scheduled_job.created_date'],
        listen: { date: 'scheduled_job.created_date', instance: 'scheduled_job.looker_instance' },
      },
      {
        name: 'recent_failures',
        title: 'Failed runs',
        explore: 'scheduled_job',
        type: 'looker_grid',
        fields: [
          'scheduled_job.created_time',
          'scheduled_plan.name',
          'scheduled_job.status_detail',
          'user.name',
        ],
        filters: { 'scheduled_job.status': 'failure' },
        sorts: ['scheduled_job.created_time desc'],
        limit: 200,
        listen: { date: 'scheduled_job.created_date', instance: 'scheduled_job.looker_instance' },
      },
    ],
  },
  {
    name: 'field_usage',
    title: 'Field usage over time (archive)',
    description: 'How often each LookML field is used, as Looker reported it on each snapshot day.',
    filters: [
      {
        name: 'snapshot',
        title: 'Snapshot date (UTC)',
        explore: 'field_usage',
        field: 'field_usage.snapshot_date',
        defaultValue: '365 days',
      },
      { name: 'model', title: 'Model', explore: 'field_usage', field: 'field_usage.model' },
      { name: 'field', title: 'Field', explore: 'field_usage', field: 'field_usage.field' },
      instanceFilter('field_usage'),
    ],
    elements: [
      {
        name: 'times_used_over_time',
        title: 'Times used per snapshot day, by model',
        explore: 'field_usage',
        type: 'looker_line',
        fields: ['field_usage.snapshot_date', 'field_usage.model', 'field_usage.times_used'],
        pivots: ['field_usage.model'],
        sorts: ['field_usage.snapshot_date'],
        listen: {
          snapshot: 'field_usage.snapshot_date',
          model: 'field_usage.model',
          field: 'field_usage.field',
          instance: 'field_usage.looker_instance',
        },
      },
      {
        name: 'most_used_fields',
        title: 'Most used fields (latest snapshot)',
        explore: 'field_usage',
        type: 'looker_grid',
        fields: [
          'field_usage.model',
          'field_usage.explore',
          'field_usage.view',
          'field_usage.field',
          'field_usage.times_used',
        ],
        filters: { 'field_usage.is_latest_snapshot': 'Yes' },
        sorts: ['field_usage.times_used desc'],
        limit: 100,
        listen: { model: 'field_usage.model', instance: 'field_usage.looker_instance' },
      },
      {
        name: 'unused_fields',
        title: 'Fields used once or never (latest snapshot)',
        explore: 'field_usage',
        type: 'looker_grid',
        fields: [
          'field_usage.model',
          'field_usage.explore',
          'field_usage.view',
          'field_usage.field',
          'field_usage.times_used',
        ],
        filters: { 'field_usage.is_latest_snapshot': 'Yes', 'field_usage.times_used': '<=1' },
        sorts: ['field_usage.times_used'],
        limit: 500,
        listen: { model: 'field_usage.model', instance: 'field_usage.looker_instance' },
      },
    ],
  },
];

/** Elements two to a row, each 12 columns wide and 8 rows high. */
function element(element: Element, index: number): Record<string, Yaml> {
  return {
    name: element.name,
    title: element.title,
    model: MODEL_NAME,
    explore: element.explore,
    type: element.type,
    fields: element.fields,
    ...(element.pivots ? { pivots: element.pivots } : {}),
    ...(element.filters ? { filters: element.filters } : {}),
    ...(element.sorts ? { sorts: element.sorts } : {}),
    ...(element.limit ? { limit: element.limit } : {}),
    ...(element.note ? { note_state: 'collapsed', note_display: 'hover', note_text: element.note } : {}),
    ...(Object.keys(element.listen).length > 0 ? { listen: element.listen } : {}),
    row: Math.floor(index / 2) * 8,
    col: (index % 2) * 12,
    width: 12,
    height: 8,
  };
}

export function dashboardFile(dashboard: Dashboard): string {
  return (
    '# Generated by `npm run lookml`; do not edit.\n' +
    yamlDocument([
      {
        dashboard: dashboard.name,
        title: dashboard.title,
        description: dashboard.description,
        layout: 'newspaper',
        preferred_viewer: 'dashboards-next',
        filters: dashboard.filters.map((filter) => ({
          name: filter.name,
          title: filter.title,
          type: 'field_filter',
          ...(filter.defaultValue ? { default_value: filter.defaultValue } : {}),
          allow_multiple_values: true,
          required: false,
          model: MODEL_NAME,
          explore: filter.explore,
          field: filter.field,
        })),
        elements: dashboard.elements.map(element),
      },
    ])
  );
}
