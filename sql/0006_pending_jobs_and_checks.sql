-- Issue 9: one waiting job per key, and CHECK constraints with names the API can report.

-- One job per pending_key while it waits to start: a repeated POST …/champion-assignment while
-- one is queued answers with that job (DESIGN §2). Claiming a job clears the key (jobs_claim),
-- so a job that runs, waits to retry after a failure, or is released at shutdown never holds
-- it again, and the next request may queue a new one behind it.
ALTER TABLE jobs ADD COLUMN pending_key text;
CREATE UNIQUE INDEX jobs_pending_key ON jobs (pending_key) WHERE pending_key IS NOT NULL;

-- The training session CHECKs by name, so that a violation is reported as the rule it breaks
-- (req_db_answer maps constraint names to a field and rule) rather than as reversed dates.
ALTER TABLE training_sessions RENAME CONSTRAINT training_sessions_check TO training_sessions_dates_check;
ALTER TABLE training_sessions RENAME CONSTRAINT training_sessions_check1 TO training_sessions_seats_check;
