-- Which countries does INTERPOL mention most in drug-trafficking releases, year by year?
-- A story told in four languages counts once (stories = release families).
SELECT year, country_code, stories, releases
FROM topic_country_by_year
WHERE topic = 'drug_trafficking'
QUALIFY row_number() OVER (PARTITION BY year ORDER BY stories DESC, country_code) <= 10
ORDER BY year, stories DESC, country_code;
