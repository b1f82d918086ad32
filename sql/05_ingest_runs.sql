-- One row per run of the daily or backfill flow, with its parameters and counts.
CREATE OR REPLACE VIEW ingest_runs AS
SELECT run_id, flow, parameters, started_at, finished_at, status,
       discovered, fetched, new, updated, unchanged, quarantined, failed, gone, requests,
       error, warnings, source, date_diff('millisecond', started_at, finished_at) / 1000.0 AS duration_s
FROM read_parquet('{{lake}}/ingest_runs/*.parquet');
