import type { ExploreDefinition } from './types.js';

/** Schedules: what is delivered, when, under which conditions, as they are on the snapshot day. */
export const scheduledPlan: ExploreDefinition = {
  name: 'scheduled_plan',
  explore: 'scheduled_plan',
  view: 'scheduled_plan',
  description: 'One row per schedule (scheduled plan) per snapshot day: content, crontab, owner, conditions.',
  mode: 'snapshot',
  modeReason:
    'A schedule is state: its owner, crontab, filters and enabled flag are edited in place (updated_time).',
  completeness:
    'The base view is scheduled_plan: every schedule appears once (only its many_to_one parents would be safe to add; its jobs and destinations fan out).',
  clusterBy: ['user_id'],
  primaryKey: ['id'],
  omittedFields: {
    'scheduled_plan.lookml_dashboard_link': 'a Looker UI link or URL derived from the row',
    'scheduled_plan.content_link': 'a Looker UI link or URL derived from the row',
    'scheduled_plan.space_link': 'a Looker UI link or URL derived from the row',
  },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Scheduled plan ID.' },
    { name: 'name', type: 'STRING', description: 'Name of the schedule.' },
    { name: 'created_time', type: 'DATETIME', description: 'When it was created (UTC).' },
    { name: 'updated_time', type: 'DATETIME', description: 'When it was last changed (UTC).' },
    { name: 'next_run_time', type: 'DATETIME', description: 'When it runs next (UTC).' },
    { name: 'enabled', type: 'BOOLEAN', description: 'Whether it is enabled.' },
    { name: 'run_once', type: 'BOOLEAN', description: 'Whether it runs once only.' },
    { name: 'cron_schedule', type: 'STRING', description: 'Schedule, as a crontab.' },
    { name: 'datagroup', type: 'STRING', description: 'Datagroup that triggers it, if any.' },
    { name: 'timezone', type: 'STRING', description: 'Time zone of the schedule.' },
    { name: 'user_id', type: 'INTEGER', description: 'Owner.' },
    { name: 'content_type_id', type: 'STRING', description: 'Kind and id of the content delivered.' },
    { name: 'dashboard_id', type: 'INTEGER', description: 'Dashboard delivered, if any.' },
    { name: 'look_id', type: 'INTEGER', description: 'Look delivered, if any.' },
    { name: 'lookml_dashboard_id', type: 'STRING', description: 'LookML dashboard delivered, if any.' },
    { name: 'query_id', type: 'INTEGER', description: 'Query delivered, if any.' },
    { name: 'space_id', type: 'INTEGER', description: 'Folder of the content.' },
    {
      name: 'filters_string',
      type: 'STRING',
      description: 'Filters applied to the delivery (may hold personal values).',
      personal: 'drop',
    },
    { name: 'require_results', type: 'BOOLEAN', description: 'Sent only when there are results.' },
    { name: 'require_no_results', type: 'BOOLEAN', description: 'Sent only when there are no results.' },
    { name: 'require_change', type: 'BOOLEAN', description: 'Sent only when the results changed.' },
    {
      name: 'send_all_results',
      type: 'BOOLEAN',
      description: 'Whether all results are sent, beyond the row limit.',
    },
    { name: 'include_links', type: 'BOOLEAN', description: 'Whether links back to Looker are included.' },
    { name: 'run_as_recipient', type: 'BOOLEAN', description: 'Whether it runs as each recipient.' },
    {
      name: 'requirements',
      type: 'STRING',
      description: 'Looker field scheduled_plan.requirements (not described in the model facts).',
    },
  ],
};
