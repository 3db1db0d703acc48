import type { ExploreDefinition } from './types.js';

/** Where each schedule delivers: e-mail addresses, webhooks, buckets, with format. */
export const scheduledPlanDestination: ExploreDefinition = {
  name: 'scheduled_plan_destination',
  explore: 'scheduled_plan',
  view: 'scheduled_plan_destination',
  description: 'One row per destination of a schedule per snapshot day: type, format and address.',
  mode: 'snapshot',
  modeReason: 'A destination is state: it is edited in place with its schedule, and removed with it.',
  completeness:
    'Read through the scheduled_plan explore, which joins scheduled_plan_destination one_to_many: destinations of a deleted plan do not appear; a plan without destinations adds a NULL row, which the filter on the destination id removes.',
  filters: { 'scheduled_plan_destination.id': 'NOT NULL' },
  clusterBy: ['scheduled_plan_id'],
  primaryKey: ['id'],
  omittedFields: {
    'scheduled_plan_destination.parameters': "may hold the destination's credentials: never read",
  },
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Destination ID.' },
    { name: 'scheduled_plan_id', type: 'INTEGER', description: 'Schedule it belongs to.' },
    { name: 'type', type: 'STRING', description: 'Kind: email, webhook, s3, sftp, action...' },
    { name: 'format', type: 'STRING', description: 'Format delivered.' },
    {
      name: 'address',
      type: 'STRING',
      description: 'Where it is delivered (e-mail addresses, URLs).',
      personal: 'hash',
    },
    { name: 'apply_formatting', type: 'BOOLEAN', description: 'Whether values are formatted.' },
    { name: 'apply_vis', type: 'BOOLEAN', description: 'Whether visualisation options are applied.' },
    {
      name: 'message',
      type: 'STRING',
      description: 'Message sent with the delivery (free text).',
      personal: 'drop',
    },
    { name: 'created_time', type: 'DATETIME', description: 'When it was created (UTC).' },
    {
      name: 's3_region',
      type: 'STRING',
      description: 'Looker field scheduled_plan_destination.s3_region (not described in the model facts).',
    },
    {
      name: 'slug',
      type: 'STRING',
      description: 'Looker field scheduled_plan_destination.slug (not described in the model facts).',
    },
  ],
};
