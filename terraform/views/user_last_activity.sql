-- Question: which Looker accounts are idle (licence and access cleanup): when did each user
--   last log in and last run a query?
-- One row per: Looker instance and user that still exists (latest_user.in_latest_snapshot),
--   disabled ones included (see is_disabled).
-- Reads: latest_user, event (logins: name = 'login') and history (query runs), all exported
--   days of both.
--   last_login_time, last_query_time: UTC DATETIME; NULL when none was exported.
--   last_active_time: the later of the two (NULL when both are NULL).
--   days_since_last_active: whole UTC days from DATE(last_active_time) to today.
-- "Never" means within what has been exported: a login before the first exported window, or
--   one Looker pruned before it, does not count.
-- Knob, in the query: filter by age, e.g.
--   SELECT * FROM user_last_activity WHERE days_since_last_active >= 90 OR last_active_time IS NULL
WITH logins AS (
  SELECT e.looker_instance, e.user_id, MAX(e.created_time) AS last_login_time
  FROM `${project}.${dataset}.event` AS e
  WHERE e.name = 'login'
  GROUP BY e.looker_instance, e.user_id
),
runs AS (
  SELECT h.looker_instance, h.user_id, MAX(h.created_time) AS last_query_time, COUNT(*) AS query_run_count
  FROM `${project}.${dataset}.history` AS h
  GROUP BY h.looker_instance, h.user_id
),
activity AS (
  SELECT
    u.looker_instance,
    u.id AS user_id,
    u.name,
    u.email,
    u.is_disabled,
    u.created_time,
    g.last_login_time,
    r.last_query_time,
    COALESCE(r.query_run_count, 0) AS query_run_count,
    CASE
      WHEN g.last_login_time IS NULL THEN r.last_query_time
      WHEN r.last_query_time IS NULL THEN g.last_login_time
      ELSE GREATEST(g.last_login_time, r.last_query_time)
    END AS last_active_time
  FROM `${project}.${dataset}.latest_user` AS u
  LEFT JOIN logins AS g
    ON g.looker_instance = u.looker_instance
    AND g.user_id = u.id
  LEFT JOIN runs AS r
    ON r.looker_instance = u.looker_instance
    AND r.user_id = u.id
  WHERE u.in_latest_snapshot
)
SELECT
  a.looker_instance,
  a.user_id,
  a.name,
  a.email,
  a.is_disabled,
  a.created_time,
  a.last_login_time,
  a.last_query_time,
  a.query_run_count,
  a.last_active_time,
  DATE_DIFF(CURRENT_DATE(), DATE(a.last_active_time), DAY) AS days_since_last_active
FROM activity AS a
