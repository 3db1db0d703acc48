-- Question: which query runs were the slowest lately, who ran them, from which dashboard or
--   look, against which model and explore?
-- One row per: history row (one query run) among the 1000 slowest of its Looker instance in
--   the last 30 days (UTC, by history.created_time); runs without a runtime are left out.
-- Reads: history, query (model and explore, on query.id = history.query_id), latest_user (who
--   ran it), latest_dashboard (history.dashboard_id is a STRING, so LookML dashboard ids such
--   as 'model::name' fit: user-defined ones are joined on CAST(id AS STRING) and LookML ones
--   have no title) and latest_look.
--   runtime_rank:        1 for the slowest run of the instance in the period (ties share).
--   runtime_rank_in_day: the same within the UTC day of the run.
--   runtime_vs_query_p50: this run's runtime over the median runtime of the same query_id's
--                        runs in the period (how unusual the run was for that query).
-- Consumers order it themselves: ORDER BY runtime_rank.
-- Knobs: the period (INTERVAL 30 DAY) and how many runs are kept (runtime_rank <= 1000).
WITH recent AS (
  SELECT
    h.looker_instance,
    h.id AS history_id,
    h.created_time,
    h.completed_time,
    h.runtime,
    h.status,
    h.source,
    h.issuer_source,
    h.result_source,
    h.cache,
    h.connection_name,
    h.dialect,
    h.dashboard_id,
    h.look_id,
    h.query_id,
    h.user_id,
    h.result_format,
    RANK() OVER (PARTITION BY h.looker_instance ORDER BY h.runtime DESC) AS runtime_rank,
    RANK() OVER (
      PARTITION BY h.looker_instance, DATE(h.created_time) ORDER BY h.runtime DESC
    ) AS runtime_rank_in_day,
    SAFE_DIVIDE(
      h.runtime,
      PERCENTILE_CONT(h.runtime, 0.5) OVER (PARTITION BY h.looker_instance, h.query_id)
    ) AS runtime_vs_query_p50
  FROM `${project}.${dataset}.history` AS h
  WHERE h.created_time >= DATETIME_SUB(CURRENT_DATETIME(), INTERVAL 30 DAY)
    AND h.runtime IS NOT NULL
  QUALIFY runtime_rank <= 1000
)
SELECT
  r.looker_instance,
  r.runtime_rank,
  r.runtime_rank_in_day,
  r.history_id,
  r.created_time,
  r.completed_time,
  r.runtime AS runtime_seconds,
  r.runtime_vs_query_p50,
  r.status,
  r.source,
  r.issuer_source,
  r.result_source,
  r.cache,
  r.connection_name,
  r.dialect,
  r.result_format,
  r.user_id,
  u.name AS user_name,
  u.email AS user_email,
  r.dashboard_id,
  d.title AS dashboard_title,
  r.look_id,
  l.title AS look_title,
  r.query_id,
  q.model,
  q.view AS explore
FROM recent AS r
LEFT JOIN `${project}.${dataset}.query` AS q
  ON q.looker_instance = r.looker_instance
  AND q.id = r.query_id
LEFT JOIN `${project}.${dataset}.latest_user` AS u
  ON u.looker_instance = r.looker_instance
  AND u.id = r.user_id
LEFT JOIN `${project}.${dataset}.latest_dashboard` AS d
  ON d.looker_instance = r.looker_instance
  AND CAST(d.id AS STRING) = r.dashboard_id
LEFT JOIN `${project}.${dataset}.latest_look` AS l
  ON l.looker_instance = r.looker_instance
  AND l.id = r.look_id
