-- Question: who uses the Looker API, how much, and how much of it fails?
-- One row per: Looker instance, UTC day (of history.created_time) and user, for the days the
--   user ran at least one query through the API.
-- Reads: history (all exported days) and latest_user (name and e-mail of the user).
-- A run counts as API usage when Looker says the API issued it (issuer_source = 'api') or it
--   came in through an API endpoint (source 'api3', 'api4', ...: STARTS_WITH(source, 'api')).
--   The exporter's own API user is never in history (its rows are left out at export), so its
--   audit queries do not show up here.
--   run_count, query_count:  API runs, and distinct queries they ran.
--   error_count, killed_count: runs with status 'error', and 'killed'.
--   error_rate:              error_count / run_count.
--   cached_count:            runs served from cache.
--   total_runtime_seconds, avg_runtime_seconds: over runs with a runtime.
-- Knob, in the query: filter on day (e.g. WHERE day >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY))
--   to read fewer history partitions.
WITH api_runs AS (
  SELECT
    h.looker_instance,
    DATE(h.created_time) AS day,
    h.user_id,
    COUNT(*) AS run_count,
    COUNT(DISTINCT h.query_id) AS query_count,
    COUNTIF(h.status = 'error') AS error_count,
    COUNTIF(h.status = 'killed') AS killed_count,
    COUNTIF(h.cache) AS cached_count,
    SUM(h.runtime) AS total_runtime_seconds,
    AVG(h.runtime) AS avg_runtime_seconds,
    MIN(h.created_time) AS first_run_time,
    MAX(h.created_time) AS last_run_time
  FROM `${project}.${dataset}.history` AS h
  WHERE h.issuer_source = 'api' OR STARTS_WITH(h.source, 'api')
  GROUP BY h.looker_instance, day, h.user_id
)
SELECT
  a.looker_instance,
  a.day,
  a.user_id,
  u.name AS user_name,
  u.email AS user_email,
  u.is_disabled AS user_is_disabled,
  a.run_count,
  a.query_count,
  a.error_count,
  a.killed_count,
  SAFE_DIVIDE(a.error_count, a.run_count) AS error_rate,
  a.cached_count,
  a.total_runtime_seconds,
  a.avg_runtime_seconds,
  a.first_run_time,
  a.last_run_time
FROM api_runs AS a
LEFT JOIN `${project}.${dataset}.latest_user` AS u
  ON u.looker_instance = a.looker_instance
  AND u.id = a.user_id
