import { contentUsage } from './content-usage.js';
import { dashboard } from './dashboard.js';
import { eventAttribute } from './event-attribute.js';
import { event } from './event.js';
import { fieldUsage } from './field-usage.js';
import { group } from './group.js';
import { history } from './history.js';
import { look } from './look.js';
import { pdtEventLog } from './pdt-event-log.js';
import { query } from './query.js';
import { role } from './role.js';
import { scheduledJob } from './scheduled-job.js';
import type { ExploreSpec } from './types.js';
import { user } from './user.js';

export * from './types.js';

/** Every explore the fake serves in the `system__activity` model, by name. */
export const fakeExplores: ReadonlyMap<string, ExploreSpec> = new Map(
  [
    contentUsage,
    dashboard,
    event,
    eventAttribute,
    fieldUsage,
    group,
    history,
    look,
    pdtEventLog,
    query,
    role,
    scheduledJob,
    user,
  ].map((explore) => [explore.name, explore]),
);
