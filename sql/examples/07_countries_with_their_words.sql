-- Every country named in a release body, with the words used and where they stand:
-- substr(body_text, start + 1, "end" - start) gives back the text.
SELECT r.language, m.code, m.text, m.start, m."end",
       substr(r.body_text, m.start + 1, m."end" - m.start) = m.text AS offsets_ok
FROM mentions AS m JOIN releases AS r USING (release_id)
WHERE m.kind = 'country' AND m.field = 'body'
ORDER BY r.language, m.release_id, m.start;
