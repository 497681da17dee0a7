-- A claim that rewrites no index entry (issue 10: no-op jobs done/s). A claim changes a job's
-- status, lease and attempt; PostgreSQL updates a row in place on its page without touching
-- any index (a HOT update) only when no indexed column changes, and the columns of a partial
-- index's predicate count as indexed. Until now `status` was a key of jobs_listing and in the
-- predicates of jobs_due, jobs_leased and jobs_finished, and `locked_until` was jobs_leased's
-- key: every claim wrote three index entries (primary key, listing, leased) and every
-- completion three more (primary key, listing, finished). Now no index names `status`,
-- `locked_until`, `attempts`, `locked_by` or `started_at`:
--   jobs_unfinished (run_at) WHERE finished_at IS NULL: what may still run (queued, failed,
--     running), in order of when it came due. It replaces jobs_due (the sweeper's publish of
--     due jobs, the queue gauges) and jobs_leased (the sweeper's expired leases: a running
--     job came due before it was claimed, so it is in this index's range up to now).
--   jobs_unpublished (run_at) WHERE finished_at IS NULL AND (published_at IS NULL OR
--     published_at < run_at): what waits for the sweeper to publish it when it comes due (a
--     delayed job, a retry, a publish that failed). With jobs_unfinished up to "due before
--     the trust window", it lets the sweeper's publish of due jobs skip a backlog that was
--     published lately, which it read whole every sweep before.
--   jobs_listing (kind, created_at, id): the API's job list by kind (with or without status:
--     status is a filter on the walk) and the pruning of finished jobs, which walks it kind by
--     kind for rows created before the retention cut-off (sweeper.c).
-- A claim is then HOT whenever the row's page has room for the new version, and a completion
-- writes two index entries (primary key, listing). fillfactor 40 leaves that room: a batch
-- claims every job of a page at once, the versions it replaces are only reclaimed once it has
-- committed, and a claimed version is longer than the one it replaces (locked_by, locked_until,
-- started_at; in bench/jobs.sh at 50, a fifth of the claims found no room). The price is a
-- jobs table 2.5 times as large on disk while finished jobs are kept (SPP_JOB_RETENTION_DAYS).
-- The API's job list (GET /v1/jobs, admin) walks jobs_listing when it names a kind, with the
-- status as a filter (a status rare within that kind reads the kind's rows); without a kind it
-- reads the table and sorts (before, a status alone read that status's entries, then sorted;
-- bench/RESULTS.md has the plans on 202,000 jobs).
--
-- The statements that scan by state name `finished_at IS NULL` (the partial index's
-- predicate) beside the states they want, so the two must agree: a job is finished (succeeded
-- or dead) exactly when finished_at is set. Every writer keeps that already; the constraint
-- keeps it from now on, after rows that an older version left otherwise are put right.
UPDATE jobs SET finished_at = COALESCE(started_at, created_at)
    WHERE status IN ('succeeded', 'dead') AND finished_at IS NULL;
UPDATE jobs SET finished_at = NULL
    WHERE status NOT IN ('succeeded', 'dead') AND finished_at IS NOT NULL;
ALTER TABLE jobs ADD CONSTRAINT jobs_finished_when_done
    CHECK ((finished_at IS NOT NULL) = (status IN ('succeeded', 'dead')));

DROP INDEX jobs_due;
DROP INDEX jobs_leased;
DROP INDEX jobs_finished;
DROP INDEX jobs_listing;
CREATE INDEX jobs_unfinished ON jobs (run_at) WHERE finished_at IS NULL;
CREATE INDEX jobs_unpublished ON jobs (run_at)
    WHERE finished_at IS NULL AND (published_at IS NULL OR published_at < run_at);
CREATE INDEX jobs_listing ON jobs (kind, created_at, id);
ALTER TABLE jobs SET (fillfactor = 40);
