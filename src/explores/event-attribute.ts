import type { ExploreDefinition } from './types.js';

/** Name/value details of each event (what changed, which content, which IP address). */
export const eventAttribute: ExploreDefinition = {
  name: 'event_attribute',
  explore: 'event_attribute',
  view: 'event_attribute',
  description: "One row per event attribute, with its event's time, name and category.",
  mode: 'incremental',
  modeReason:
    "An attribute is written with its event and never changed; the cursor is its event's created_time (event is joined many_to_one), which never changes either.",
  completeness:
    'The base view is event_attribute; its event is joined many_to_one, so each attribute appears once. An attribute whose event was pruned has no event time and falls in no window.',
  cursorField: 'event_created_time',
  clusterBy: ['event_name', 'name'],
  primaryKey: ['id'],
  fields: [
    { name: 'id', type: 'INTEGER', description: 'Event attribute ID.' },
    { name: 'event_id', type: 'INTEGER', description: 'Event the attribute belongs to.' },
    { name: 'name', type: 'STRING', description: 'Attribute name, e.g. ip, dashboard_id.' },
    {
      name: 'value',
      type: 'STRING',
      description: 'Attribute value (may hold e-mail or IP addresses).',
      personal: 'hash',
    },
    {
      name: 'event_created_time',
      field: 'event.created_time',
      type: 'DATETIME',
      description: 'When the event happened (UTC).',
    },
    { name: 'event_name', field: 'event.name', type: 'STRING', description: 'Event name.' },
    { name: 'event_category', field: 'event.category', type: 'STRING', description: 'Event category.' },
  ],
};
