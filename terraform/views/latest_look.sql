-- Question: what does each look look like now, or, if it is gone, what did it look like the
--   last time an export saw it?
-- One row per: Looker instance and look id.
-- Reads: the look snapshot table (one copy of every look per snapshot_date).
-- The row kept is the one from the most recent snapshot_date in which the id appears, so a
-- look that was deleted, or purged from the trash, keeps its last known state.
--   last_seen_date:     that snapshot_date.
--   in_latest_snapshot: TRUE when the look is in the instance's most recent look snapshot (it
--                       still exists in Looker, maybe in the trash: see deleted_time); FALSE
--                       when it has since disappeared from Looker.
-- Knobs: none. It scans every snapshot partition (the table is small: one row per look per
--   day).
SELECT
  l.looker_instance,
  l.id,
  l.title,
  l.description,
  l.created_time,
  l.deleted_time,
  l.public,
  l.public_slug,
  l.query_id,
  l.space_id,
  l.user_id,
  l.updated_time,
  l.last_updater_id,
  l.deleter_id,
  l.content_metadata_id,
  l.is_run_on_load,
  l.snapshot_date AS last_seen_date,
  l.snapshot_date = MAX(l.snapshot_date) OVER (PARTITION BY l.looker_instance) AS in_latest_snapshot
FROM `${project}.${dataset}.look` AS l
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY l.looker_instance, l.id ORDER BY l.snapshot_date DESC, l.exported_at DESC) = 1
