/**
 * Pure planning of extraction windows. Every window is half-open, `[start, end)`, in UTC, and a
 * daily window is exactly one BigQuery day partition, so loading it can replace that partition.
 */
export type WindowKind = 'initial' | 'new' | 'settle' | 'backfill' | 'snapshot';

export interface ExtractWindow {
  kind: WindowKind;
  start: Date;
  end: Date;
  /** `YYYYMMDD` of the day partition this window replaces; absent for the initial load (whole table). */
  partition?: string;
  /** Stable label used in object paths and job ids: `dt=2026-11-22` or `initial`. */
  label: string;
}

export interface ExploreProgress {
  initialLoadDone: boolean;
  /** End (exclusive) of the last loaded window: always midnight UTC. */
  watermark: Date | null;
}

const DAY_MS = 86_400_000;
/** Start of the initial window: earlier than anything System Activity can hold. */
export const EPOCH = new Date('2000-01-01T00:00:00Z');
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

function dayWindow(start: Date, kind: WindowKind): ExtractWindow {
  const day = isoDay(start);
  return { kind, start, end: addDays(start, 1), partition: day.replaceAll('-', ''), label: `dt=${day}` };
}

/**
 * The scheduled run's windows for one explore. The first run loads everything before today in
 * one window. Later runs re-read `settleDays` days before the watermark (System Activity serves
 * results up to 12 hours stale, so the last loaded days may have been incomplete) and then every
 * complete day from the watermark to the start of today, one window per day, so days skipped by
 * missed runs are caught up and nothing is loaded twice.
 */
export function planScheduled(progress: ExploreProgress, now: Date, settleDays: number): ExtractWindow[] {
  const today = startOfUtcDay(now);
  if (!progress.initialLoadDone || progress.watermark === null) {
    return [{ kind: 'initial', start: EPOCH, end: today, label: 'initial' }];
  }
  const watermark = startOfUtcDay(progress.watermark);
  const windows: ExtractWindow[] = [];
  for (let day = addDays(watermark, -settleDays); day < today; day = addDays(day, 1)) {
    windows.push(dayWindow(day, day < watermark ? 'settle' : 'new'));
  }
  return windows;
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

/** One window per day from `from` to `to`, both inclusive; the request parser keeps `to` before today. */
export function planBackfill(from: Date, to: Date): ExtractWindow[] {
  const windows: ExtractWindow[] = [];
  for (let day = startOfUtcDay(from); day <= startOfUtcDay(to); day = addDays(day, 1)) {
    windows.push(dayWindow(day, 'backfill'));
  }
  return windows;
}

/** The Looker filter expression selecting `[start, end)` on a time field. */
export function lookerTimeFilter(window: Pick<ExtractWindow, 'start' | 'end'>): string {
  return `${lookerTime(window.start)} to ${lookerTime(window.end)}`;
}

/** `2026-11-22 00:00:00`, the form Looker filters and returns times in (UTC here). */
export function lookerTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
