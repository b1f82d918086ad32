-- Helpers for analysts' usual questions: where, which operations, full-text search.

-- Where each release was datelined: the place and the country as printed (09_analysis.sql
-- redefines this view with the country's ISO code)
-- ("LYON, France", "LYON (France)", "أبوظبي (الإمارات العربية المتحدة)").
CREATE OR REPLACE VIEW release_places AS
SELECT release_id, language, published_date, translation_key, dateline,
       trim(regexp_replace(dateline, '\s*[(,].*$', '')) AS place,
       nullif(trim(coalesce(nullif(regexp_extract(dateline, '\(([^)]+)\)', 1), ''),
                            regexp_extract(dateline, ',\s*(.+)$', 1))), '') AS country
FROM releases
WHERE dateline IS NOT NULL;

-- Named police operations mentioned in a release ("Operation Lionfish", "opération Pangea",
-- "operación Orfeo"), one row per mention.
CREATE OR REPLACE VIEW release_operations AS
SELECT release_id, language, published_date, translation_key, operation
FROM (
    SELECT release_id, language, published_date, translation_key,
           unnest(regexp_extract_all(body_text || ' ' || title,
               '(?:[Oo]peration|[Oo]pération|[Oo]peración|[Oo]perações)\s+((?:\p{Lu}[\p{L}-]+)(?:\s+\p{Lu}[\p{L}-]+)?)',
               1)) AS operation
    FROM releases
)
GROUP BY ALL;

-- Full-text search without the fts extension: case-insensitive regular expression over
-- title and body (2-3x faster than ILIKE here). Example:
--   SELECT * FROM search_releases('cocaine|cocaïne|cocaína|الكوكايين');
CREATE OR REPLACE MACRO search_releases(pattern) AS TABLE
SELECT release_id, language, published_date, title, url
FROM releases
WHERE regexp_matches(title, pattern, 'i') OR regexp_matches(body_text, pattern, 'i')
ORDER BY published_date DESC;
