/**
 * Windows and UTC days. Every window is half-open, `[start, end)`, in UTC and day-aligned;
 * planning incremental windows from Looker's counts is `plan.ts`.
 */
export type WindowKind = 'initial' | 'new' | 'settle' | 'backfill' | 'snapshot';

export interface ExtractWindow {
  kind: WindowKind;
  start: Date;
  end: Date;
  /** `YYYYMMDD` of the day partition a snapshot window replaces (its `snapshot_date`). */
  partition?: string;
  /** Stable label used in object paths and job ids: `dt=2026-11-22`, `dt=2026-11-01..2026-11-07`, `snapshot=2026-11-22`. */
  label: string;
}

export interface ExploreProgress {
  initialLoadDone: boolean;
  /** End (exclusive) of the last loaded window: always midnight UTC. */
  watermark: Date | null;
}

const DAY_MS = 86_400_000;
/** Longest backfill one call may ask for (Elite System Activity keeps up to about a year). */
export const MAX_BACKFILL_DAYS = 400;

export function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** `2026-11-22` */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * A snapshot explore's window: today's snapshot, unless one was already loaded today (the
 * watermark is then tomorrow). Past days cannot be snapshotted, so missed days stay missing.
 */
export function planSnapshot(progress: ExploreProgress, now: Date): ExtractWindow[] {
  const today = startOfUtcDay(now);
  if (progress.watermark && progress.watermark > today) return [];
  const day = isoDay(today);
  return [
    {
      kind: 'snapshot',
      start: today,
      end: addDays(today, 1),
      partition: day.replaceAll('-', ''),
      label: `snapshot=${day}`,
    },
  ];
}

/** The Looker filter expression selecting `[start, end)` on a time field. */
export function lookerTimeFilter(window: Pick<ExtractWindow, 'start' | 'end'>): string {
  return `${lookerTime(window.start)} to ${lookerTime(window.end)}`;
}

/** `2026-11-22 00:00:00`, the form Looker filters and returns times in (UTC here). */
export function lookerTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
