import {
  retainedDays,
  retentionOf,
  RETENTION_ALERT_DAYS,
  SHORTEST_MUST_SUCCEED_DAYS,
  SHORTEST_RETENTION_DAYS,
} from '../explores/retention.js';
import type { ExploreDefinition } from '../explores/types.js';
import { addDays, startOfUtcDay } from '../pipeline/windows.js';
import type { RecordedProgress, StateStore } from '../state/store.js';
import { messageOf } from './looker.js';
import { ok, type CheckResult } from './report.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const CHECK = 'firestore.last_success';

/**
 * The gap since the instance's last successful run, from the progress runs record in Firestore:
 * an explore succeeded when a run last recorded a window of it, and the instance's gap is that
 * of the explore longest without one. Past RETENTION_ALERT_DAYS it warns, saying when Looker
 * drops (or that it dropped) rows the archive does not hold yet. Reads only. An explore no run
 * has recorded yet is named, not warned about: its first run reads what Looker still keeps.
 */
export async function checkLastSuccess(
  state: Pick<StateStore, 'readRecordedProgress'>,
  instance: string,
  explores: readonly ExploreDefinition[],
  now = new Date(),
): Promise<CheckResult> {
  let recorded: Map<string, RecordedProgress>;
  try {
    recorded = await state.readRecordedProgress(explores.map((e) => e.name));
  } catch (error) {
    return {
      instance,
      check: CHECK,
      status: 'warning',
      detail: `the gap since the last successful run is unknown: ${messageOf(error)}`,
      fix: 'See the firestore.database check.',
    };
  }
  return assessLastSuccess(instance, explores, recorded, now);
}

/** The report line for the progress `checkLastSuccess` read. */
export function assessLastSuccess(
  instance: string,
  explores: readonly ExploreDefinition[],
  recorded: ReadonlyMap<string, RecordedProgress>,
  now: Date,
): CheckResult {
  const never = explores.filter((e) => !recorded.has(e.name)).map((e) => e.name);
  const seen = explores.flatMap((explore) => {
    const progress = recorded.get(explore.name);
    return progress ? [{ explore, progress, gapMs: now.getTime() - progress.updatedAt.getTime() }] : [];
  });
  if (seen.length === 0)
    return ok(CHECK, `no run has recorded progress yet (the first run reads what Looker still keeps)`, {
      instance,
    });
  const notYet = never.length ? `; no run has recorded ${never.join(', ')} yet` : '';
  const bound =
    `Looker forgets scheduled-task history after ${SHORTEST_RETENTION_DAYS} days, so the export must succeed ` +
    `at least every ${SHORTEST_MUST_SUCCEED_DAYS} days (a warning after ${RETENTION_ALERT_DAYS})`;
  const lagging = seen.filter((s) => s.gapMs > RETENTION_ALERT_DAYS * DAY_MS);
  if (lagging.length === 0) {
    const oldest = seen.reduce((a, b) => (b.gapMs > a.gapMs ? b : a));
    return ok(
      CHECK,
      `last success ${gap(oldest.gapMs)} ago (${oldest.explore.name}, the explore longest without one, at ${oldest.progress.updatedAt.toISOString()}); ${bound}${notYet}`,
      { instance },
    );
  }
  const described = lagging.map((s) => ({
    name: s.explore.name,
    ...consequence(s.explore, s.progress, now),
    gapMs: s.gapMs,
  }));
  return {
    instance,
    check: CHECK,
    status: 'warning',
    detail: `${described.map((d) => `${d.name}: no success for ${gap(d.gapMs)}, ${d.text}`).join('; ')}; ${bound}${notYet}`,
    fix:
      'Get a run through: the run summaries in the function’s logs say why runs fail (`export run failed`); the next ' +
      `successful run reads every day since the watermark.${described.some((d) => d.lost) ? ' What Looker dropped before a run archived it (rows, a day’s snapshot) is gone for good.' : ''}`,
  };
}

/** What a lagging explore has lost, or when it starts losing rows. */
function consequence(
  explore: ExploreDefinition,
  progress: RecordedProgress,
  now: Date,
): { text: string; lost: boolean } {
  const today = startOfUtcDay(now);
  if (explore.mode === 'snapshot') {
    // The watermark of a snapshot table is the day after its last snapshot; today's can still be taken.
    const missed = progress.watermark
      ? Math.max(0, Math.round((today.getTime() - progress.watermark.getTime()) / DAY_MS))
      : 0;
    return {
      text: `${missed} daily snapshot(s) missing for good (Looker keeps the current state only)`,
      lost: missed > 0,
    };
  }
  if (!progress.initialLoadDone || !progress.watermark)
    return { text: 'its initial load has not moved since', lost: false };
  const retention = retentionOf(explore);
  // Documented ages are facts; a count or no documentation is held to the shortest documented age.
  const sure = retention.kind === 'age';
  const keeps = `Looker keeps ${retention.keeps}`;
  const archived = `archived up to ${progress.watermark.toISOString()}`;
  // A row created at t is gone from Looker at t + the days it keeps; the archive holds all before the watermark.
  const keptFrom = addDays(now, -retainedDays(retention));
  if (keptFrom > progress.watermark)
    return {
      text: `${archived}: rows created from then to ${keptFrom.toISOString()} ${sure ? 'are' : 'may be'} gone from Looker unarchived (${keeps})`,
      lost: true,
    };
  const dropsFrom = addDays(progress.watermark, retainedDays(retention));
  return {
    text: `${archived}: Looker ${sure ? 'drops' : 'may drop'} its unarchived rows from ${dropsFrom.toISOString()} (${keeps})`,
    lost: false,
  };
}

function gap(ms: number): string {
  return ms < 2 * DAY_MS ? `${Math.round(ms / HOUR_MS)} h` : `${(ms / DAY_MS).toFixed(1)} days`;
}
