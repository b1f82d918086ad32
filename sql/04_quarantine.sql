-- Pages and rows currently rejected (per source: `source`, the newsroom): stage
-- (fetch|extract|validate|publish), reason code, detail, and raw_path (relative to the lake
-- root) so `ingest replay` can parse them again; found: what extraction did find on a
-- refused page (JSON: title, date, body excerpt, ...).
CREATE OR REPLACE VIEW quarantine AS
SELECT url, stage, reason, seen_at, detail, raw_path, parser_version, language, path,
       first_seen_at, attempts, run_id, found, source
FROM read_parquet('{{lake}}/quarantine/*.parquet');
