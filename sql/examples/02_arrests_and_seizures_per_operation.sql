-- How many arrests and seizures were announced per operation? Each story once, whatever
-- the number of languages it was published in.
SELECT operation, stories, arrests, seized_kg, seized_usd, rescued
FROM operation_results
ORDER BY arrests DESC NULLS LAST, operation;
