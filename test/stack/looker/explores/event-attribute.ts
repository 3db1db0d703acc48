import { EVENTS } from './event.js';
import type { ExploreSpec } from './types.js';

const ATTRIBUTES = ['user_id', 'dashboard_id', 'ip', 'user_agent', 'group_id', 'changes'];

/**
 * `event_attribute`: one row per attribute of an event, with the event's own fields joined in
 * (the cursor is the joined `event.created_time`). Four attributes per event.
 */
export const eventAttribute: ExploreSpec = {
  name: 'event_attribute',
  view: 'event_attribute',
  label: 'Event Attribute',
  description: 'Name and value of each attribute of each event, joined to its event.',
  kind: 'event',
  cursor: 'event.created_time',
  defaults: { rows: 8000, days: 30 },
  fields: [
    {
      name: 'id',
      type: 'number',
      label: 'ID',
      primaryKey: true,
      increasing: true,
      value: (r) => 20_000_000 + r.index,
    },
    {
      name: 'event_id',
      type: 'number',
      label: 'Event ID',
      increasing: true,
      value: (r) => 5_000_000 + Math.floor(r.index / 4),
    },
    {
      name: 'name',
      type: 'string',
      label: 'Name',
      value: (r) => ATTRIBUTES[r.index % ATTRIBUTES.length]!,
    },
    {
      name: 'value',
      type: 'string',
      label: 'Value',
      value: ({ index, random }) => {
        switch (ATTRIBUTES[index % ATTRIBUTES.length]) {
          case 'ip':
            return `10.${random.int(256)}.${random.int(256)}.${random.int(256)}`;
          case 'user_agent':
            return 'Mozilla/5.0 (X11; Linux x86_64) "Looker" \\ Chrome/130';
          case 'changes':
            return '{"title":["Old ✎","New 🚀"]}';
          default:
            return String(1 + random.int(1000));
        }
      },
    },
    {
      view: 'event',
      group: 'created',
      label: 'Created',
      groupLabel: 'Created Date',
      timeframes: ['time', 'date'],
    },
    {
      view: 'event',
      name: 'name',
      type: 'string',
      label: 'Name',
      value: (r) => EVENTS[Math.floor(r.index / 4) % EVENTS.length]![0],
    },
    {
      view: 'event',
      name: 'category',
      type: 'string',
      label: 'Category',
      value: (r) => EVENTS[Math.floor(r.index / 4) % EVENTS.length]![1],
    },
  ],
};
