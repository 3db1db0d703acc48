-- Question: what does each dashboard look like now, or, if it is gone, what did it look like
--   the last time an export saw it?
-- One row per: Looker instance and dashboard id.
-- Reads: the dashboard snapshot table (one copy of every dashboard per snapshot_date).
-- The row kept is the one from the most recent snapshot_date in which the id appears, so a
-- dashboard that was deleted, or purged from the trash, keeps its last known state.
--   last_seen_date:     that snapshot_date.
--   in_latest_snapshot: TRUE when the dashboard is in the instance's most recent dashboard
--                       snapshot (it still exists in Looker, maybe in the trash: see
--                       deleted_time); FALSE when it has since disappeared from Looker.
-- Knobs: none. It scans every snapshot partition (the table is small: one row per dashboard
--   per day).
SELECT
  d.looker_instance,
  d.id,
  d.title,
  d.description,
  d.created_time,
  d.deleted_time,
  d.hidden,
  d.space_id,
  d.refresh_interval,
  d.user_id,
  d.run_on_load,
  d.deleter_id,
  d.content_metadata_id,
  d.query_timezone,
  d.load_configuration,
  d.show_filters_bar,
  d.snapshot_date AS last_seen_date,
  d.snapshot_date = MAX(d.snapshot_date) OVER (PARTITION BY d.looker_instance) AS in_latest_snapshot
FROM `${project}.${dataset}.dashboard` AS d
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY d.looker_instance, d.id ORDER BY d.snapshot_date DESC, d.exported_at DESC) = 1
