-- How many releases per month, per language?
SELECT date_trunc('month', published_date)::DATE AS month, language, count(*) AS releases
FROM releases
GROUP BY ALL
ORDER BY month, language;
