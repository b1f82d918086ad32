-- The fetch state, as the pipeline keeps it (all columns, so new state columns show up):
-- one row per release page it knows, per source (source + path is the key): path, url, language, release_id, status (ok |
-- quarantined | failed | gone | disallowed), http_status of the last attempt (NULL when the
-- server never answered), etag / last_modified (validators for conditional GETs),
-- sitemap_lastmod it last acted on, first_seen_at, last_fetched_at, last_seen_at,
-- last_error, raw_path, revision, redirected_to, parser_version.
CREATE OR REPLACE VIEW pages AS
SELECT * FROM read_parquet('{{lake}}/pages/*.parquet');

-- Child sitemaps of each source's sitemap index (source + path): path, the <lastmod> last read, and the
-- languages (comma-separated) that read covered. A daily run skips a child sitemap only
-- when its lastmod is unchanged and those languages include the run's.
CREATE OR REPLACE VIEW sitemaps AS
SELECT * FROM read_parquet('{{lake}}/sitemaps/*.parquet');
