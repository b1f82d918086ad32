-- Every version of every release: a new revision when title, standfirst, date, dateline or
-- body changed. valid_to is NULL for the current one; status 'gone' when the page went 404/410.
CREATE OR REPLACE VIEW release_revisions AS
SELECT v.release_id, v.revision, v.content_hash, v.valid_from, v.valid_to, v.status,
       string_split(v.changed, ',') AS changed, v.title, v.subtitle, v.published_date,
       v.dateline, v.body_text, v.parser_version, v.run_id, v.language, v.year
FROM read_parquet('{{lake}}/release_revisions/*/*/*.parquet', hive_partitioning = true,
                  union_by_name = true, hive_types = {'language': VARCHAR, 'year': INTEGER}) AS v;

-- Every release page and how its last fetch went: ok, quarantined, failed (with the HTTP
-- status of that attempt, NULL when the server never answered, and the error), gone
-- (404/410), disallowed by robots.txt; redirected_to when it now redirects elsewhere.
-- release_id is NULL for a page that has never landed (e.g. it failed on its first fetch).
CREATE OR REPLACE VIEW release_status AS
SELECT p.release_id, p.url, p.language, p.status, p.http_status, p.redirected_to,
       p.last_fetched_at, p.last_seen_at, p.last_error, p.encoding, p.encoding_source,
       p.encoding_suspect, p.source
FROM read_parquet('{{lake}}/pages/*.parquet') AS p;
