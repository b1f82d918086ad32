-- Who is quoted, in which role, how often and about what (the topics of their releases)?
SELECT s.name, coalesce(s.role_en, s.role) AS role, s.organisation_code,
       count(*) AS quotes, count(DISTINCT r.translation_key) AS stories,
       list(DISTINCT s.language ORDER BY s.language) AS languages,
       list(DISTINCT t.topic ORDER BY t.topic) FILTER (WHERE t.topic IS NOT NULL) AS topics
FROM speakers AS s
JOIN releases AS r USING (release_id)
LEFT JOIN topics AS t USING (release_id)
WHERE s.name IS NOT NULL
GROUP BY ALL
ORDER BY quotes DESC, s.name;
