-- Question: which queries run most often, where do they come from, and how long do they take?
--   (the candidates for caching, aggregate awareness or a PDT).
-- One row per: Looker instance and query (history.query_id) run at least once in the last 30
--   days (UTC, by history.created_time).
-- Reads: history (the runs) and query (model and explore of the query, joined on
--   query.id = history.query_id). The runs are counted before the join, so a query row seen
--   twice cannot double them; a query created before the first exported window has no query
--   row, and its model, explore and fields are NULL.
--   run_count, user_count:     runs, and distinct users who ran it.
--   error_count, cached_count: runs with status 'error', runs served from cache.
--   avg_runtime_seconds, p95_runtime_seconds, total_runtime_seconds: over runs with a runtime
--                              (p95 is approximate: APPROX_QUANTILES).
--   run_rank:                  1 for the most run query of the instance.
-- Knob: the period. Change INTERVAL 30 DAY below (history partitions outside it are not read).
WITH runs AS (
  SELECT
    h.looker_instance,
    h.query_id,
    COUNT(*) AS run_count,
    COUNT(DISTINCT h.user_id) AS user_count,
    COUNTIF(h.status = 'error') AS error_count,
    COUNTIF(h.cache) AS cached_count,
    COUNT(DISTINCT h.dashboard_id) AS dashboard_count,
    COUNT(DISTINCT h.look_id) AS look_count,
    AVG(h.runtime) AS avg_runtime_seconds,
    APPROX_QUANTILES(h.runtime, 100)[SAFE_OFFSET(95)] AS p95_runtime_seconds,
    SUM(h.runtime) AS total_runtime_seconds,
    MIN(h.created_time) AS first_run_time,
    MAX(h.created_time) AS last_run_time
  FROM `${project}.${dataset}.history` AS h
  WHERE h.created_time >= DATETIME_SUB(CURRENT_DATETIME(), INTERVAL 30 DAY)
    AND h.query_id IS NOT NULL
  GROUP BY h.looker_instance, h.query_id
)
SELECT
  r.looker_instance,
  r.query_id,
  q.model,
  q.view AS explore,
  q.formatted_fields,
  q.slug,
  r.run_count,
  r.user_count,
  r.error_count,
  r.cached_count,
  r.dashboard_count,
  r.look_count,
  r.avg_runtime_seconds,
  r.p95_runtime_seconds,
  r.total_runtime_seconds,
  r.first_run_time,
  r.last_run_time,
  RANK() OVER (PARTITION BY r.looker_instance ORDER BY r.run_count DESC) AS run_rank
FROM runs AS r
LEFT JOIN `${project}.${dataset}.query` AS q
  ON q.looker_instance = r.looker_instance
  AND q.id = r.query_id
