-- Question: which dashboards and looks are cleanup candidates, because nobody has used them for
--   a long time, or ever?
-- One row per: Looker instance and user-defined dashboard or look that exists and is not in the
--   trash (from latest_dashboard and latest_look: in_latest_snapshot, deleted_time IS NULL).
--   LookML dashboards are not in the dashboard snapshot, so they are not listed.
-- Reads: latest_dashboard, latest_look, latest_user (the owner) and content_usage.
-- Last use comes from content_usage, which identifies content by content_type ('dashboard' or
--   'look') and content_id (a STRING holding the dashboard or look id): it is joined on both.
--   content_usage is a daily snapshot: each row's copy from the latest snapshot_date it is in
--   counts (a row Looker has since dropped keeps its last known use).
--   last_used:            latest last_accessed_time (UTC DATETIME); NULL if never used.
--   days_since_last_used: whole UTC days from DATE(last_used) to today; NULL if never used.
--   never_used:           TRUE when no content_usage row names the content.
--   access_count:         accesses summed over every path (API, embed, public, schedule, other).
-- "Never" means within what has been exported: content last used before the first exported
--   window shows up as never used.
-- Knob, in the query: filter by age, e.g.
--   SELECT * FROM unused_content WHERE days_since_last_used >= 90 OR never_used
WITH usage_rows AS (
  SELECT
    cu.looker_instance,
    cu.content_type,
    cu.content_id,
    cu.last_accessed_time,
    COALESCE(cu.api_count, 0) + COALESCE(cu.embed_count, 0) + COALESCE(cu.public_count, 0)
      + COALESCE(cu.schedule_count, 0) + COALESCE(cu.other_count, 0) AS access_count,
    cu.favorite_count
  FROM `${project}.${dataset}.content_usage` AS cu
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY cu.looker_instance, cu.id ORDER BY cu.snapshot_date DESC, cu.exported_at DESC
  ) = 1
),
content_use AS (
  SELECT
    r.looker_instance,
    r.content_type,
    r.content_id,
    MAX(r.last_accessed_time) AS last_used,
    SUM(r.access_count) AS access_count,
    SUM(r.favorite_count) AS favorite_count
  FROM usage_rows AS r
  GROUP BY r.looker_instance, r.content_type, r.content_id
),
content AS (
  SELECT
    d.looker_instance,
    'dashboard' AS content_type,
    d.id AS content_id,
    d.title,
    d.user_id AS owner_user_id,
    d.space_id AS folder_id,
    d.created_time
  FROM `${project}.${dataset}.latest_dashboard` AS d
  WHERE d.in_latest_snapshot AND d.deleted_time IS NULL
  UNION ALL
  SELECT
    l.looker_instance,
    'look' AS content_type,
    l.id AS content_id,
    l.title,
    l.user_id AS owner_user_id,
    l.space_id AS folder_id,
    l.created_time
  FROM `${project}.${dataset}.latest_look` AS l
  WHERE l.in_latest_snapshot AND l.deleted_time IS NULL
)
SELECT
  c.looker_instance,
  c.content_type,
  c.content_id,
  c.title,
  c.folder_id,
  c.owner_user_id,
  o.email AS owner_email,
  o.name AS owner_name,
  o.in_latest_snapshot IS TRUE AND o.is_disabled IS NOT TRUE AS owner_is_active,
  c.created_time,
  DATE_DIFF(CURRENT_DATE(), DATE(c.created_time), DAY) AS days_since_created,
  u.last_used,
  DATE_DIFF(CURRENT_DATE(), DATE(u.last_used), DAY) AS days_since_last_used,
  u.last_used IS NULL AS never_used,
  COALESCE(u.access_count, 0) AS access_count,
  COALESCE(u.favorite_count, 0) AS favorite_count
FROM content AS c
LEFT JOIN content_use AS u
  ON u.looker_instance = c.looker_instance
  AND u.content_type = c.content_type
  AND u.content_id = CAST(c.content_id AS STRING)
LEFT JOIN `${project}.${dataset}.latest_user` AS o
  ON o.looker_instance = c.looker_instance
  AND o.id = c.owner_user_id
