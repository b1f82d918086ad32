-- Translation links as landed pages and sitemaps gave them: source page -> target page in
-- another language; signal 'page' (hreflang alternates, language-switcher links to an
-- article URL) or 'sitemap' (xhtml:link). Families are resolved from all of them at each
-- commit (symmetric, transitive, never two versions in one language): table families.
CREATE OR REPLACE VIEW translation_links AS
SELECT source_path, source_language, target_path, target_language, signal
FROM read_parquet('{{lake}}/translation_links/*.parquet');

-- Language families: one row per translation_key. languages: the versions in the lake;
-- missing: the followed languages (en, fr, es, ar) it has no version in;
-- linked_not_landed: languages its pages link to that the lake does not hold (a version
-- exists but was not fetched, or not followed); lag_days: days from the first version to
-- the last; lag_days_by_language: days after the first version, per language.
CREATE OR REPLACE VIEW release_families AS
WITH versions AS (
    SELECT translation_key, language, published_date, title, path,
           date_diff('day', min(published_date) OVER (PARTITION BY translation_key),
                     published_date) AS lag
    FROM releases
),
linked AS (
    SELECT v.translation_key, list(DISTINCT l.target_language) AS langs
    FROM translation_links AS l JOIN versions AS v ON v.path = l.source_path
    GROUP BY v.translation_key
),
families AS (
    SELECT translation_key,
           min(published_date) AS published_date,
           list(language ORDER BY language) AS languages,
           count(*) AS versions,
           any_value(title) FILTER (WHERE language = 'en') AS title_en,
           max(lag) AS lag_days,
           map_from_entries(list({'k': language, 'v': lag} ORDER BY language))
               AS lag_days_by_language
    FROM versions
    GROUP BY translation_key
)
SELECT f.translation_key, f.published_date, f.languages,
       list_filter(['ar', 'en', 'es', 'fr'], lambda x: NOT list_contains(f.languages, x))
           AS missing,
       list_sort(list_filter(coalesce(k.langs, []),
                             lambda x: NOT list_contains(f.languages, x))) AS linked_not_landed,
       f.versions, f.title_en, f.lag_days, f.lag_days_by_language
FROM families AS f LEFT JOIN linked AS k USING (translation_key);
