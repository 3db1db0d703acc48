import type { ExploreDefinition } from './types.js';

/** Every run of a schedule: what was sent, when, and whether it worked. */
export const scheduledJob: ExploreDefinition = {
  name: 'scheduled_job',
  view: 'scheduled_job',
  description: 'One row per scheduled delivery run, with its plan, content, status and timing.',
  mode: 'incremental',
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
    { name: 'crontab', type: 'STRING', description: 'Schedule, as a crontab.' },
    { name: 'timezone', type: 'STRING', description: 'Time zone of the schedule.' },
    { name: 'data_signature', type: 'STRING', description: 'Hash of the data sent (for send-if-changed).' },
    { name: 'require_results', type: 'BOOLEAN', description: 'Sent only when there are results.' },
    { name: 'row_limit_reached', type: 'BOOLEAN', description: 'Whether the delivery hit its row limit.' },
  ],
};
