-- One row per release, current version. Partitioned files under releases/language=xx/year=yyyy/.
-- last_seen_at comes from the fetch state (a 304 re-check is a sighting, not a rewrite);
-- releases whose page has gone (404/410) are not current and are left out.
CREATE OR REPLACE VIEW releases AS
SELECT
    r.release_id, r.source, r.language, r.url, r.title, r.subtitle,
    r.published_date, r.year, r.dateline, r.body_text, r.word_count,
    r.translation_key, r.content_hash, r.first_seen_at,
    coalesce(p.last_seen_at, r.updated_at) AS last_seen_at,
    r.updated_at, r.parser_version, r.path, r.translations, r.analysis_version
FROM read_parquet('{{lake}}/releases/*/*/*.parquet', hive_partitioning = true,
                  union_by_name = true, hive_types = {'language': VARCHAR, 'year': INTEGER}) AS r
LEFT JOIN read_parquet('{{lake}}/pages/*.parquet') AS p ON p.path = r.path
WHERE coalesce(p.status, 'ok') <> 'gone';
