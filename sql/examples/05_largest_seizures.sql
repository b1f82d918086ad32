-- The largest seizures by mass, in kilograms, with what was seized and where it was said.
SELECT r.published_date, r.language, q.item, q.value, q.unit, q.mass_kg, q.text, r.title
FROM quantities AS q JOIN releases AS r USING (release_id)
WHERE q.kind = 'seizure' AND q.mass_kg IS NOT NULL
ORDER BY q.mass_kg DESC, r.language
LIMIT 20;
