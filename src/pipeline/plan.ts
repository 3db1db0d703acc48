/**
 * Pure planning from Looker's own counts. A run first asks Looker how many rows each UTC day of
 * a range holds (one query), then packs consecutive days into windows of at most `maxRows`
 * counted rows. A window is the unit that is written (one atomic BigQuery job) and recorded (the
 * watermark moves to its end), so a run that stops between windows resumes at the next one.
 */
import { addDays, isoDay, startOfUtcDay, type ExploreProgress, type ExtractWindow } from './windows.js';

/** Rows per UTC day, keyed `YYYY-MM-DD`, as Looker counted them. */
export type DayCounts = ReadonlyMap<string, number>;

/** A window with the rows Looker counted in it. */
export interface PlannedWindow extends ExtractWindow {
  /**
   * Rows Looker counted in `[start, end)` at the table's grain before the read; null: the model
   * has no count at that grain (`countField: null`), so a short page proves the read instead.
   */
  counted: number | null;
}

/** The half-open range of days a scheduled run must cover, before counting. */
export interface ScheduledRange {
  /** Undefined: from the earliest day Looker holds (an initial load, or state that was lost). */
  start?: Date;
  end: Date;
  kind: 'initial' | 'daily';
}

/**
 * The range a scheduled run covers for an incremental explore: everything before today that is
 * not yet recorded, plus `settleDays` already recorded days (System Activity's cache may have
 * served them incomplete). An unfinished initial load resumes at its watermark; a finished one
 * re-reads the settle days. Writes merge by key, so re-reading a day never doubles a row.
 */
export function scheduledRange(progress: ExploreProgress, now: Date, settleDays: number): ScheduledRange {
  const end = startOfUtcDay(now);
  if (!progress.initialLoadDone)
    return {
      start: progress.watermark ? startOfUtcDay(progress.watermark) : undefined,
      end,
      kind: 'initial',
    };
  const watermark = progress.watermark ? startOfUtcDay(progress.watermark) : end;
  const settled = addDays(watermark, -settleDays);
  return { start: settled < end ? settled : end, end, kind: 'daily' };
}

/**
 * Packs `[start, end)` into day-aligned windows of at most `maxRows` counted rows each (a single
 * day above `maxRows` is a window of its own: the read pages it). The range starts at `start`, or
 * at the earliest counted day when `start` is undefined. Empty days are carried inside windows;
 * a range with no rows at all is one empty window, so the watermark still moves past it.
 */
export function packWindows(
  counts: DayCounts,
  range: { start?: Date; end: Date },
  maxRows: number,
  kind: ExtractWindow['kind'],
): PlannedWindow[] {
  const end = startOfUtcDay(range.end);
  const earliest = [...counts.keys()].sort()[0];
  const start = range.start ? startOfUtcDay(range.start) : earliest ? new Date(`${earliest}T00:00:00Z`) : end;
  if (start >= end) return [];
  const windows: PlannedWindow[] = [];
  let windowStart = start;
  let rows = 0;
  for (let day = start; day < end; day = addDays(day, 1)) {
    const dayRows = counts.get(isoDay(day)) ?? 0;
    if (rows > 0 && rows + dayRows > maxRows) {
      windows.push(planned(windowStart, day, rows, kind));
      windowStart = day;
      rows = 0;
    }
    rows += dayRows;
  }
  windows.push(planned(windowStart, end, rows, kind));
  return windows;
}

function planned(start: Date, end: Date, counted: number, kind: ExtractWindow['kind']): PlannedWindow {
  const first = isoDay(start);
  const last = isoDay(addDays(end, -1));
  return {
    kind,
    start,
    end,
    counted,
    label: first === last ? `dt=${first}` : `dt=${first}..${last}`,
  };
}
