-- One row per release, current version. Partitioned files under releases/language=xx/year=yyyy/.
-- last_seen_at comes from the fetch state (a 304 re-check is a sighting, not a rewrite);
-- releases whose page has gone (404/410) are not current and are left out.
-- translation_key comes from the families resolved over the whole lake at the last commit
-- (table families; see sql/06_translations.sql), so a family that grew after a release
-- landed still has one key.
CREATE OR REPLACE VIEW releases AS
SELECT
    r.release_id, r.source, r.language, r.url, r.title, r.subtitle,
    r.published_date, r.year, r.dateline, r.body_text, r.word_count,
    coalesce(f.translation_key, r.translation_key) AS translation_key, r.content_hash,
    r.first_seen_at,
    coalesce(p.last_seen_at, r.updated_at) AS last_seen_at,
    r.updated_at, r.parser_version, r.path, r.translations,
    p.encoding, p.encoding_source, p.encoding_suspect,
    r.extraction_method, r.date_source, r.analysis_version
FROM read_parquet('{{lake}}/releases/*/*/*.parquet', hive_partitioning = true,
                  union_by_name = true, hive_types = {'language': VARCHAR, 'year': INTEGER}) AS r
-- (release_id hashes source and path: two sources that share a path never meet here)
LEFT JOIN read_parquet('{{lake}}/pages/*.parquet') AS p ON p.release_id = r.release_id
LEFT JOIN read_parquet('{{lake}}/families/*.parquet') AS f ON f.release_id = r.release_id
WHERE coalesce(p.status, 'ok') <> 'gone';
