-- Question: who is each Looker user now, or, if the user was deleted, who were they the last
--   time an export saw them?
-- One row per: Looker instance and user id.
-- Reads: the user snapshot table (one copy of every user per snapshot_date).
-- The row kept is the one from the most recent snapshot_date in which the id appears, so a
-- deleted user keeps a name and e-mail for the history rows that still point at them.
--   last_seen_date:     that snapshot_date.
--   in_latest_snapshot: TRUE when the user is in the instance's most recent user snapshot (the
--                       account exists, maybe disabled: see is_disabled); FALSE when it has
--                       since been deleted.
-- With masking on, email and the names are keyed hashes (joins still work, values do not
--   read as names).
-- Knobs: none. It scans every snapshot partition (one row per user per day).
SELECT
  u.looker_instance,
  u.id,
  u.email,
  u.first_name,
  u.last_name,
  u.name,
  u.created_time,
  u.is_disabled,
  u.timezone,
  u.home_space_id,
  u.dev_branch_name,
  u.snapshot_date AS last_seen_date,
  u.snapshot_date = MAX(u.snapshot_date) OVER (PARTITION BY u.looker_instance) AS in_latest_snapshot
FROM `${project}.${dataset}.user` AS u
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY u.looker_instance, u.id ORDER BY u.snapshot_date DESC, u.exported_at DESC) = 1
