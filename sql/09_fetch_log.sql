-- Every request the pipeline made (and every one it refused to make), one row each: what we
-- did to the newsroom's host, for a compliance review. outcome: ok | not_modified (304) |
-- redirect | retry | gone | error_status | refused_redirect | disallowed | robots_unavailable
-- | paused | too_large | deadline | error. wait_s: politeness and Retry-After sleep before it.
-- redirect_chain: JSON list of the hops followed so far; robots: the robots.txt decision.
CREATE OR REPLACE VIEW fetch_log AS
SELECT run_id, requested_at, url, hop_url, host, kind, attempt, status, outcome,
       bytes, decoded_bytes, elapsed_s, wait_s, robots,
       CAST(redirect_chain AS JSON) AS redirect_chain, error
FROM read_parquet('{{lake}}/fetch_log/*.parquet');
