import type { ExploreSpec } from './types.js';
import { hexToken, TITLES } from './values.js';

const FAILURES = [
  'Query error: column "x" does not exist',
  'SMTP 550: mailbox "ops@exämple.org" unavailable',
  'Timeout after 3600 s',
];

/** `scheduled_job`: one row per run of a schedule, created when it starts and finalized when it ends. */
export const scheduledJob: ExploreSpec = {
  name: 'scheduled_job',
  view: 'scheduled_job',
  label: 'Scheduled Job',
  description: 'Runs of scheduled plans: when they ran, how they ended, and for which content.',
  kind: 'event',
  cursor: 'scheduled_job.created_time',
  defaults: { rows: 2000, days: 30 },
  fields: [
    {
      name: 'id',
      type: 'number',
      label: 'ID',
      primaryKey: true,
      increasing: true,
      value: (r) => 300_000 + r.index,
    },
    {
      group: 'created',
      label: 'Created',
      groupLabel: 'Created Date',
      timeframes: ['time', 'date', 'week'],
    },
    {
      group: 'finalized',
      label: 'Finalized',
      groupLabel: 'Finalized Date',
      timeframes: ['time', 'date'],
      value: ({ random, time }) => (random.next() < 0.03 ? null : time + (1 + random.int(600)) * 1000),
    },
    {
      name: 'name',
      type: 'string',
      label: 'Name',
      value: ({ random }) => `Daily: ${random.pick(TITLES)}`,
    },
    {
      name: 'status',
      type: 'string',
      label: 'Status',
      value: ({ random }) => (random.next() < 0.9 ? 'success' : 'failure'),
    },
    {
      name: 'status_detail',
      type: 'string',
      label: 'Status Detail',
      value: ({ random }) => (random.next() < 0.9 ? null : random.pick(FAILURES)),
    },
    {
      name: 'scheduled_plan_id',
      type: 'number',
      label: 'Scheduled Plan ID',
      value: ({ random }) => 1 + random.int(300),
    },
    {
      name: 'user_id',
      type: 'number',
      label: 'User ID',
      value: ({ random }) => 1 + random.int(500),
    },
    {
      name: 'look_id',
      type: 'number',
      label: 'Look ID',
      value: ({ random }) => (random.next() < 0.5 ? null : 1 + random.int(900)),
    },
    {
      name: 'dashboard_id',
      type: 'number',
      label: 'Dashboard ID',
      value: ({ random }) => (random.next() < 0.5 ? null : 1 + random.int(400)),
    },
    {
      name: 'lookml_dashboard_id',
      type: 'string',
      label: 'LookML Dashboard ID',
      value: ({ random }) => (random.next() < 0.95 ? null : 'ops_metrics::overview'),
    },
    {
      name: 'crontab',
      type: 'string',
      label: 'Crontab',
      value: ({ random }) => random.pick(['0 6 * * *', '*/15 * * * *', '0 9 * * 1-5']),
    },
    {
      name: 'timezone',
      type: 'string',
      label: 'Timezone',
      value: ({ random }) => random.pick(['UTC', 'America/New_York', 'Europe/Berlin']),
    },
    {
      name: 'data_signature',
      type: 'string',
      label: 'Data Signature',
      value: ({ random }) => hexToken(random, 32),
    },
    {
      name: 'require_results',
      type: 'yesno',
      label: 'Require Results',
      value: ({ random }) => (random.next() < 0.2 ? 'Yes' : 'No'),
    },
    {
      name: 'row_limit_reached',
      type: 'yesno',
      label: 'Row Limit Reached',
      value: ({ random }) => (random.next() < 0.01 ? 'Yes' : 'No'),
    },
  ],
};
