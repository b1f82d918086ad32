-- The analyst layer (ingest.analysis): what each release says, read from its original text.
-- Offsets are 0-based character positions, end exclusive, into the release field named by
-- `field` ('body' = releases.body_text, also 'title', 'subtitle', 'dateline'), so that in
-- SQL substr(body_text, start + 1, "end" - start) = text, and in Python body_text[start:end].
-- Rows of releases that are no longer current (gone) are left out, as in every view.

-- Countries (ISO 3166-1 alpha-2), places (code = their country), organisations (code = a
-- short name where the lexicon knows it), named operations and persons, one row per mention,
-- in every field of the release: `field` says which ('title', 'subtitle', 'dateline' or
-- 'body') and the offsets index that field.
-- form: name | alias | demonym (countries), cldr | table (places), table | pattern (orgs).
CREATE OR REPLACE VIEW field_mentions AS
SELECT m.release_id, m.kind, m.text, m.code, m.start, m."end", m.field, m.form, m.ordinal,
       m.language, m.year
FROM read_parquet('{{lake}}/mentions/*/*/*.parquet', hive_partitioning = true,
                  union_by_name = true, hive_types = {'language': VARCHAR, 'year': INTEGER}) AS m
WHERE m.release_id IN (SELECT release_id FROM releases);

-- The mentions in the body: offsets into releases.body_text, so body_text[start:end] = text
-- (title, standfirst and dateline mentions are in field_mentions).
CREATE OR REPLACE VIEW mentions AS
SELECT * FROM field_mentions WHERE field = 'body';

-- Arrests, seizures (amount, unit t | kg | l | m3 | units | ISO 4217, item), rescued,
-- victims_identified, suspects_identified, victims, money, and counts of countries,
-- officials and participants. `number` is the number as printed ("3,2", "١٢٠", "1 900"),
-- `value` its value (DOUBLE), `qualifier` more_than | about | up_to | less_than. Read from
-- the body only: offsets into releases.body_text.
CREATE OR REPLACE VIEW quantities AS
SELECT q.release_id, q.kind, q.value, q.unit, q.item, q.text, q.start, q."end", q.number,
       q.qualifier, q.field, q.ordinal, q.language, q.year,
       CASE q.unit WHEN 't' THEN q.value * 1000 WHEN 'kg' THEN q.value END AS mass_kg
FROM read_parquet('{{lake}}/quantities/*/*/*.parquet', hive_partitioning = true,
                  union_by_name = true, hive_types = {'language': VARCHAR, 'year': INTEGER}) AS q
WHERE q.release_id IN (SELECT release_id FROM releases) AND q.field = 'body';

-- One row per attributed quote: the person (as written in the release's language), the
-- role and organisation as written, with role_en / organisation_code to compare across
-- languages. attribution: before | after | around the quote, or carried (the previous
-- speaker, "he added"); resolved_from: the surname-only form it was resolved from.
CREATE OR REPLACE VIEW speakers AS
SELECT s.release_id, s.quote_ordinal, s.name, s.role, s.organisation, s.role_en,
       s.organisation_code, s.attribution, s.resolved_from, q.text AS quote,
       s.language, s.year
FROM read_parquet('{{lake}}/speakers/*/*/*.parquet', hive_partitioning = true,
                  union_by_name = true, hive_types = {'language': VARCHAR, 'year': INTEGER}) AS s
LEFT JOIN quotes AS q ON q.release_id = s.release_id AND q.ordinal = s.quote_ordinal
WHERE s.release_id IN (SELECT release_id FROM releases);

-- One row per person and role: how often quoted, in how many stories and languages, and
-- what they said.
CREATE OR REPLACE VIEW people AS
SELECT s.name, coalesce(s.role_en, s.role) AS role,
       any_value(s.organisation_code) AS organisation_code,
       count(*) AS quotes, count(DISTINCT r.translation_key) AS stories,
       list(DISTINCT s.language ORDER BY s.language) AS languages,
       list(s.quote ORDER BY r.published_date, s.release_id, s.quote_ordinal) AS said
FROM speakers AS s JOIN releases AS r USING (release_id)
WHERE s.name IS NOT NULL
GROUP BY s.name, coalesce(s.role_en, s.role);

-- Crime-area topics of each release, with their score and the evidence spans that
-- triggered them (text, field, start, end, weight).
CREATE OR REPLACE VIEW topic_evidence AS
SELECT t.release_id, t.topic, t.score, t.text, t.field, t.start, t."end", t.weight,
       t.ordinal, t.language, t.year
FROM read_parquet('{{lake}}/topics/*/*/*.parquet', hive_partitioning = true,
                  union_by_name = true, hive_types = {'language': VARCHAR, 'year': INTEGER}) AS t
WHERE t.release_id IN (SELECT release_id FROM releases);

CREATE OR REPLACE VIEW topics AS
SELECT release_id, topic, any_value(score) AS score,
       list(text ORDER BY field, start) AS evidence,
       list({'text': text, 'field': field, 'start': start, 'end': "end"}
            ORDER BY field, start) AS evidence_spans,
       any_value(language) AS language, any_value(year) AS year
FROM topic_evidence
GROUP BY release_id, topic;

-- The dateline split into place and country as printed, with the country's ISO code
-- (the country it names, else the country of the place: "SINGAPORE" -> SG, "LYON" -> FR).
-- Supersedes the definition in 08_analyst.sql with one more column.
CREATE OR REPLACE VIEW release_places AS
SELECT r.release_id, r.language, r.published_date, r.translation_key, r.dateline,
       trim(regexp_replace(r.dateline, '\s*[(,].*$', '')) AS place,
       nullif(trim(coalesce(nullif(regexp_extract(r.dateline, '\(([^)]+)\)', 1), ''),
                            regexp_extract(r.dateline, ',\s*(.+)$', 1))), '') AS country,
       coalesce(
           (SELECT m.code FROM field_mentions m WHERE m.release_id = r.release_id
              AND m.field = 'dateline' AND m.kind = 'country' ORDER BY m.start LIMIT 1),
           (SELECT m.code FROM field_mentions m WHERE m.release_id = r.release_id
              AND m.field = 'dateline' AND m.kind = 'place' ORDER BY m.start LIMIT 1)
       ) AS country_code
FROM releases AS r
WHERE r.dateline IS NOT NULL;

-- Analyst-ready counts. A story is a release family (translation_key): the same release in
-- four languages counts once.

-- Countries named per year: stories, releases and languages.
CREATE OR REPLACE VIEW country_by_year AS
SELECT r.year, m.code AS country_code, count(DISTINCT r.translation_key) AS stories,
       count(DISTINCT r.release_id) AS releases, count(*) AS mentions,
       list(DISTINCT r.language ORDER BY r.language) AS languages
FROM field_mentions AS m JOIN releases AS r USING (release_id)
WHERE m.kind = 'country'
GROUP BY ALL;

-- Countries named in the releases of each topic, per year ("which countries in
-- drug-trafficking releases, year by year").
CREATE OR REPLACE VIEW topic_country_by_year AS
SELECT t.topic, r.year, m.code AS country_code, count(DISTINCT r.translation_key) AS stories,
       count(DISTINCT r.release_id) AS releases
FROM topics AS t
JOIN releases AS r USING (release_id)
JOIN field_mentions AS m ON m.release_id = t.release_id AND m.kind = 'country'
GROUP BY ALL;

-- Topics per month across languages: stories (families) and releases, per language too.
CREATE OR REPLACE VIEW topic_by_month AS
SELECT date_trunc('month', r.published_date)::DATE AS month, t.topic,
       count(DISTINCT r.translation_key) AS stories, count(DISTINCT r.release_id) AS releases,
       count(DISTINCT r.release_id) FILTER (WHERE r.language = 'en') AS en,
       count(DISTINCT r.release_id) FILTER (WHERE r.language = 'fr') AS fr,
       count(DISTINCT r.release_id) FILTER (WHERE r.language = 'es') AS es,
       count(DISTINCT r.release_id) FILTER (WHERE r.language = 'ar') AS ar
FROM topics AS t JOIN releases AS r USING (release_id)
GROUP BY ALL;

-- Per story and kind of quantity: the story's figure (sum within one language version,
-- the largest over its versions: each translation reports the same numbers).
CREATE OR REPLACE VIEW story_quantities AS
WITH per_release AS (
    SELECT r.translation_key, q.release_id, q.kind, q.unit, q.item, sum(q.value) AS value
    FROM quantities AS q JOIN releases AS r USING (release_id)
    GROUP BY ALL
)
SELECT translation_key, kind, unit, item, max(value) AS value,
       count(DISTINCT release_id) AS versions
FROM per_release
GROUP BY ALL;

-- Per named operation: arrests, seizures and rescues announced, each story counted once.
CREATE OR REPLACE VIEW operation_results AS
WITH named AS (
    SELECT DISTINCT r.translation_key, coalesce(m.code, lower(m.text)) AS operation,
           m.code IS NOT NULL AS latin
    FROM field_mentions AS m JOIN releases AS r USING (release_id)
    WHERE m.kind = 'operation'
),
-- a family that names the operation in Latin script ("Jade Tide") counts under that name
-- only, not again under its Arabic transliteration
ops AS (
    SELECT translation_key, operation FROM named AS n
    WHERE n.latin OR NOT EXISTS (SELECT 1 FROM named AS x
                                 WHERE x.translation_key = n.translation_key AND x.latin)
)
SELECT o.operation, count(DISTINCT o.translation_key) AS stories,
       sum(s.value) FILTER (WHERE s.kind = 'arrests') AS arrests,
       sum(s.value) FILTER (WHERE s.kind IN ('rescued', 'victims_identified')) AS rescued,
       sum(CASE WHEN s.kind = 'seizure' AND s.unit = 't' THEN s.value * 1000
                WHEN s.kind = 'seizure' AND s.unit = 'kg' THEN s.value END) AS seized_kg,
       sum(s.value) FILTER (WHERE s.kind = 'seizure' AND s.unit = 'USD') AS seized_usd
FROM ops AS o LEFT JOIN story_quantities AS s USING (translation_key)
GROUP BY o.operation;
