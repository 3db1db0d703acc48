/**
 * The API user's roles (`GET /users/{user_id}/roles`), as Role objects of the 4.0 spec: one role
 * whose permission set holds what a System Activity exporter needs, so a client can check its
 * permissions before it runs. `download_without_limit` is there unless the fake caps results.
 */
const PERMISSIONS = ['access_data', 'see_looks', 'see_user_dashboards', 'explore', 'see_system_activity'];

export function apiUserRoles(downloadWithoutLimit: boolean): Record<string, unknown>[] {
  const permissions = downloadWithoutLimit ? [...PERMISSIONS, 'download_without_limit'] : PERMISSIONS;
  return [
    {
      can: { show: true, index: true },
      id: '7',
      name: 'System Activity Exporter',
      permission_set_id: '11',
      permission_set: {
        can: { show: true, index: true },
        all_access: false,
        built_in: false,
        id: '11',
        name: 'System Activity export',
        permissions,
        url: '/api/4.0/permission_sets/11',
      },
      model_set_id: '3',
      model_set: {
        can: { show: true, index: true },
        all_access: false,
        built_in: false,
        id: '3',
        models: ['system__activity'],
        name: 'System Activity',
        url: '/api/4.0/model_sets/3',
      },
      internal: false,
      url: '/api/4.0/roles/7',
      users_url: '/api/4.0/roles/7/users',
    },
  ];
}
