-- Language families: one row per translation_key with the languages it exists in.
CREATE OR REPLACE VIEW release_families AS
SELECT translation_key,
       min(published_date) AS published_date,
       list(language ORDER BY language) AS languages,
       count(*) AS versions,
       any_value(title) FILTER (WHERE language = 'en') AS title_en
FROM releases
GROUP BY translation_key;
