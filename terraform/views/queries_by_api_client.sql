-- Question: which API clients (Connected Sheets, Looker Studio, Power BI, MCP toolboxes, ...)
--   run queries on Looker, how many, for how many users, and from which spreadsheets and
--   Studio reports?
-- One row per: Looker instance, UTC day (of history.created_time) and API client, for the days
--   the client ran at least one query. Queries Looker records no client for (api_client_name
--   NULL: ordinary explore, dashboard and API queries, and every query before Looker 25.18 or
--   on a Looker without the query_api_client_context view) are left out.
-- Reads: history (all exported days).
--   run_count, query_count, user_count: runs, distinct queries, distinct users.
--   spreadsheet_count:      distinct Connected Sheets spreadsheets (api_client_cs_spreadsheet_id).
--   studio_report_count, studio_datasource_count: distinct Looker Studio reports and data sources.
--   error_count:            runs with status 'error'.
--   total_runtime_seconds:  summed over runs with a runtime.
-- Knob, in the query: filter on day (e.g. WHERE day >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY))
--   to read fewer history partitions.
SELECT
  h.looker_instance,
  DATE(h.created_time) AS day,
  h.api_client_name,
  COUNT(*) AS run_count,
  COUNT(DISTINCT h.query_id) AS query_count,
  COUNT(DISTINCT h.user_id) AS user_count,
  COUNT(DISTINCT h.api_client_cs_spreadsheet_id) AS spreadsheet_count,
  COUNT(DISTINCT h.api_client_ls_dashboard_id) AS studio_report_count,
  COUNT(DISTINCT h.api_client_ls_datasource_id) AS studio_datasource_count,
  COUNTIF(h.status = 'error') AS error_count,
  SUM(h.runtime) AS total_runtime_seconds
FROM `${project}.${dataset}.history` AS h
WHERE h.api_client_name IS NOT NULL
GROUP BY h.looker_instance, day, h.api_client_name
