-- Body blocks of each release in document order (ordinal from 0): paragraph | heading | list_item.
CREATE OR REPLACE VIEW release_blocks AS
SELECT b.release_id, b.ordinal, b.kind, b.text, b.language, b.year
FROM read_parquet('{{lake}}/release_blocks/*/*/*.parquet', hive_partitioning = true,
                  union_by_name = true, hive_types = {'language': VARCHAR, 'year': INTEGER}) AS b
WHERE b.release_id IN (SELECT release_id FROM releases);
