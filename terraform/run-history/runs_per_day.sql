-- Question: how did the export runs go, day by day: how many ran, how many failed or ran out of
--   budget, how many rows they loaded and how long they took?
-- One row per: UTC day (of the run's summary entry) and run status (succeeded, partial, failed).
-- Reads: the table the run-history log sink writes (one row per run summary entry). Cloud
--   Logging lowercases the names of jsonPayload fields (durationMs is durationms) and stores
--   JSON numbers as FLOAT64, hence the casts.
--   run_count:              runs that ended on that day with that status.
--   rows_loaded:            rows loaded by those runs, summed (ROWS is a reserved word).
--   avg_duration_seconds, max_duration_seconds: how long the runs took.
--   first_run_time, last_run_time: when the first and the last of them ended.
-- Knob, in the query: the period, e.g.
--   SELECT * FROM runs_per_day WHERE day >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY)
SELECT
  DATE(r.timestamp) AS day,
  r.jsonPayload.status AS status,
  COUNT(*) AS run_count,
  SUM(CAST(r.jsonPayload.`rows` AS INT64)) AS rows_loaded,
  AVG(CAST(r.jsonPayload.durationms AS FLOAT64)) / 1000 AS avg_duration_seconds,
  MAX(CAST(r.jsonPayload.durationms AS FLOAT64)) / 1000 AS max_duration_seconds,
  MIN(r.timestamp) AS first_run_time,
  MAX(r.timestamp) AS last_run_time
FROM `${project}.${dataset}.${table}` AS r
WHERE STARTS_WITH(r.jsonPayload.message, 'export run ')
GROUP BY day, status
