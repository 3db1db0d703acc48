import type { FakeExplore } from './types.js';

const TITLES = [
  'Sales overview',
  'Daily "KPIs"',
  'Été ☀ revenue',
  'Backslash \\ report',
  'Churn 📉',
  'Ops — weekly',
  "O'Brien's look",
  '売上ダッシュボード',
];
const TIERS = ['0 to 6', '7 to 13', '14 to 20', '21 to 27', '28 to 89', '90 or Above'];

function tier(days: number): string {
  if (days < 7) return TIERS[0]!;
  if (days < 14) return TIERS[1]!;
  if (days < 21) return TIERS[2]!;
  if (days < 28) return TIERS[3]!;
  return days < 90 ? TIERS[4]! : TIERS[5]!;
}

/** `content_usage`: the 13 fields of the reference mapping. */
export const contentUsage: FakeExplore = {
  name: 'content_usage',
  view: 'content_usage',
  cursor: 'last_accessed_time',
  defaults: { rows: 3000, days: 30 },
  fields: [
    { name: 'content_id', type: 'string', label: 'Content ID', value: (i) => String(10_000 + (i % 7919)) },
    {
      name: 'content_title',
      type: 'string',
      label: 'Content Title',
      value: (i, r) => (r.int(50) === 0 ? null : `${r.pick(TITLES)} ${i}`),
    },
    {
      name: 'content_type',
      type: 'string',
      label: 'Content Type',
      value: (_i, r) => r.pick(['dashboard', 'look']),
    },
    {
      name: 'days_since_last_access_tiers',
      type: 'tier',
      label: 'Days Since Last Access Tiers',
      value: (_i, r) => tier(r.int(120)),
    },
    {
      name: 'days_since_last_accessed',
      type: 'number',
      label: 'Days Since Last Accessed',
      value: (_i, r) => r.int(120),
    },
    { name: 'id', type: 'number', label: 'ID', value: (i) => i + 1 },
    { name: 'api_count', type: 'number', label: 'API Count', value: (_i, r) => r.int(500) },
    {
      name: 'embed_count',
      type: 'number',
      label: 'Embed Count',
      value: (_i, r) => (r.int(10) === 0 ? null : r.int(50)),
    },
    { name: 'favorite_count', type: 'number', label: 'Favorite Count', value: (_i, r) => r.int(20) },
    { name: 'public_count', type: 'number', label: 'Public Count', value: (_i, r) => r.int(5) },
    { name: 'schedule_count', type: 'number', label: 'Schedule Count', value: (_i, r) => r.int(30) },
    { name: 'other_count', type: 'number', label: 'Other Count', value: (_i, r) => r.int(100) },
    {
      name: 'last_accessed_time',
      type: 'date_time',
      label: 'Last Accessed Time',
      value: (_i, _r, time) => new Date(time).toISOString().slice(0, 19).replace('T', ' '),
    },
  ],
};
