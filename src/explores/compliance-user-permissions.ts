import type { ExploreDefinition } from './types.js';

/** How many users hold which kind of access, per day: behind Looker's built-in User Activity dashboard. */
export const complianceUserPermissions: ExploreDefinition = {
  name: 'compliance_user_permissions',
  explore: 'compliance_user_permissions',
  view: 'compliance_user_permissions',
  description:
    'Users by kind of access (all, explorers, admins and developers) per day and embed flag, as Looker showed them on the snapshot day.',
  mode: 'snapshot',
  modeReason:
    'Permissions are state: Looker recomputes these counts as roles change, so each snapshot keeps what it showed that day.',
  completeness:
    'One row per day and embed flag Looker holds, the user counts computed by Looker (the measures the built-in User Activity dashboard reads). No count measure is known at this grain: a page shorter than a limit within the cap proves the read.',
  primaryKey: ['created_date', 'embed'],
  countField: null,
  fields: [
    { name: 'created_date', type: 'DATE', description: 'Day the permissions were recorded (UTC).' },
    { name: 'embed', type: 'BOOLEAN', description: 'Whether the counts are of embed users.' },
    { name: 'total_users', type: 'INTEGER', kind: 'measure', description: 'Users.' },
    {
      name: 'explore_users',
      type: 'INTEGER',
      kind: 'measure',
      description: 'Users who may explore.',
    },
    {
      name: 'admin_developer_users',
      type: 'INTEGER',
      kind: 'measure',
      description: 'Users who are admins or may develop LookML.',
    },
  ],
};
