-- Direct quotations found in release bodies, with the speaker as named in the text (or NULL).
CREATE OR REPLACE VIEW quotes AS
SELECT q.release_id, q.ordinal, q.text, q.speaker, q.language, q.year
FROM read_parquet('{{lake}}/quotes/*/*/*.parquet', hive_partitioning = true,
                  union_by_name = true, hive_types = {'language': VARCHAR, 'year': INTEGER}) AS q
WHERE q.release_id IN (SELECT release_id FROM releases);
