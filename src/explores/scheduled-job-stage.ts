import type { ExploreDefinition } from './types.js';

/** The stages of each scheduled delivery run (query, render, send) and how long each took. */
export const scheduledJobStage: ExploreDefinition = {
  name: 'scheduled_job_stage',
  explore: 'scheduled_plan',
  view: 'scheduled_job_stage',
  description: 'One row per stage of a scheduled delivery run, with its start, end and runtime.',
  mode: 'incremental',
  modeReason:
    'A stage is an event of its job: written when it starts and completed once, seconds later; started_time never changes.',
  completeness:
    'Read through the scheduled_plan explore, which joins scheduled_job_stage one_to_many: stages of a job whose plan was deleted do not appear. One row per stage (the time filter drops the NULL row of a plan without stages).',
  cursorField: 'started_time',
  clusterBy: ['stage'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Stage ID.' },
    { name: 'scheduled_job_id', type: 'INTEGER', description: 'Job the stage belongs to.' },
    { name: 'stage', type: 'STRING', description: 'Stage name.' },
    { name: 'started_time', type: 'DATETIME', description: 'When the stage started (UTC).' },
    { name: 'completed_time', type: 'DATETIME', description: 'When the stage finished (UTC).' },
    { name: 'runtime', type: 'FLOAT', description: 'Runtime in seconds.' },
    { name: 'node_id', type: 'INTEGER', description: 'Looker node that ran it.' },
  ],
};
