import type { ExploreDefinition } from './types.js';

/** Every run of a schedule: what was sent, when, and whether it worked. */
export const scheduledJob: ExploreDefinition = {
  name: 'scheduled_job',
  explore: 'scheduled_plan',
  view: 'scheduled_job',
  description: 'One row per scheduled delivery run, with its plan, content, status and timing.',
  mode: 'incremental',
  modeReason:
    'A job is an event: written when the run starts and finalized once when it ends (status, finalized_time), minutes later, which the settle re-read replaces; created_time never changes.',
  completeness:
    'There is no scheduled_job explore: jobs are read through scheduled_plan, which joins scheduled_job one_to_many, so a job whose plan was deleted does not appear. One row per job (only scheduled_job fields are selected; the time filter drops the NULL row of a plan without jobs).',
  cursorField: 'created_time',
  clusterBy: ['status'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Scheduled job ID.' },
    { name: 'created_time', type: 'DATETIME', description: 'When the job started (UTC).' },
    { name: 'finalized_time', type: 'DATETIME', description: 'When the job finished (UTC).' },
    { name: 'name', type: 'STRING', description: 'Name of the schedule.' },
    { name: 'status', type: 'STRING', description: 'Outcome: success, failure, skipped...' },
    { name: 'status_detail', type: 'STRING', description: 'Why it failed or was skipped.' },
    { name: 'scheduled_plan_id', type: 'INTEGER', description: 'Schedule (scheduled plan) that ran.' },
    { name: 'user_id', type: 'INTEGER', description: 'Owner of the schedule.' },
    { name: 'look_id', type: 'INTEGER', description: 'Look delivered, if any.' },
    { name: 'dashboard_id', type: 'INTEGER', description: 'Dashboard delivered, if any.' },
    { name: 'lookml_dashboard_id', type: 'STRING', description: 'LookML dashboard delivered, if any.' },
    { name: 'query_id', type: 'INTEGER', description: 'Query delivered, if any.' },
    { name: 'cron_schedule', type: 'STRING', description: 'Schedule, as a crontab.' },
    { name: 'datagroup', type: 'STRING', description: 'Datagroup that triggered it, if any.' },
    { name: 'timezone', type: 'STRING', description: 'Time zone of the schedule.' },
    {
      name: 'filters_string',
      type: 'STRING',
      description: 'Filters applied to the delivery (may hold personal values).',
      personal: 'drop',
    },
    { name: 'require_results', type: 'BOOLEAN', description: 'Sent only when there are results.' },
    { name: 'require_no_results', type: 'BOOLEAN', description: 'Sent only when there are no results.' },
    { name: 'require_change', type: 'BOOLEAN', description: 'Sent only when the results changed.' },
    { name: 'run_once', type: 'BOOLEAN', description: 'Whether the schedule runs once only.' },
    { name: 'row_limit_reached', type: 'BOOLEAN', description: 'Whether the delivery hit its row limit.' },
    {
      name: 'include_links',
      type: 'BOOLEAN',
      description: 'Looker field scheduled_job.include_links (not described in the model facts).',
    },
    {
      name: 'run_as_recipient',
      type: 'BOOLEAN',
      description: 'Looker field scheduled_job.run_as_recipient (not described in the model facts).',
    },
    {
      name: 'send_all_results',
      type: 'BOOLEAN',
      description: 'Looker field scheduled_job.send_all_results (not described in the model facts).',
    },
  ],
};
