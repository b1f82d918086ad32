-- How do topics move over time, per language? Releases per month and topic, each language
-- its own column, and the number of distinct stories across languages.
SELECT month, topic, stories, en, fr, es, ar
FROM topic_by_month
ORDER BY month, stories DESC, topic;
