/* A runner thread: reads job ids from the consumer group, claims the jobs in PostgreSQL under a
 * lease (all the ids of one read in one statement), runs each in a transaction that commits
 * with its fenced completion, then acknowledges and deletes the stream entries. A job of a kind
 * without database effects (struct job_kind's no_effects) runs outside a transaction and its
 * completion is written with others' in one statement, fenced per row (runner_flush). The
 * completions of a batch's last such jobs wait for the runner's next read, which then does not
 * block: when it brings entries, the completions go in the same statement as their claim (one
 * commit, one WAL flush a batch instead of two), else alone at once; the batch's stream entries
 * are acknowledged once they are written (runner_settle).
 *
 * How many entries a runner reads at once follows its recent jobs' time (jobs_batch_count): a
 * batch of quick jobs goes through with one claim and one completion statement, a slow job is
 * taken alone, so that no claimed job waits behind it while another runner idles.
 *
 * Runners serve one of two lanes (jobs.h): the general lane reads JOBS_STREAM and claims every
 * job but webhook deliveries; the webhook lane (SPP_WEBHOOK_CONCURRENCY threads) reads
 * JOBS_WEBHOOK_STREAM and claims only those. However long receivers take, email and the other
 * kinds keep their SPP_WORKER_CONCURRENCY threads. An entry on the wrong stream (a delivery an
 * admin retried, which the API publishes on JOBS_STREAM) is passed on to the right one. The
 * general lane also reads the bulk stream (JOBS_BULK_STREAM: a digest's or a reminder scan's
 * emails) in the same XREADGROUP, up to the same count from each, and runs JOBS_STREAM's entries
 * first: the jobs queued after a fan-out do not wait behind all of its messages, and the messages
 * keep moving. While JOBS_STREAM gives entries read after read (a burst: the night's digests),
 * only one read in RUNNER_BULK_EVERY takes from the bulk stream (runner_read). */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "jobs.h"
#include "log.h"
#include "monotime.h"
#include "wmetrics.h"
#include "worker.h"
#include "xalloc.h"

/* While JOBS_STREAM has a backlog, one read in this many also takes from the bulk stream. */
#define RUNNER_BULK_EVERY 4

const struct db_stmt runner_statements[] = {
    /* The lane of a job that is due and waiting (for an entry this runner could not claim). */
    [RUNNER_LANE] = {"runner_lane",
                     "SELECT " JOBS_WEBHOOK_LANE_SQL " AS webhook FROM jobs WHERE id = $id "
                     "AND status IN ('queued', 'failed') AND run_at <= clock_timestamp() "
                     "AND kind = ANY($kinds::text[])"},
    {NULL, NULL},
};

/* One job of a claimed batch; kind and payload are borrowed from the claim's result. */
struct runner_job {
    char id[37];
    char attempt_s[16];
    int attempt;
    int max_attempts;
    const char *kind;
    const char *payload;
};

/* A job without database effects that succeeded, waiting for its completion to be written. */
struct runner_done {
    char id[37];
    int attempt;
    int64_t run_us;
};

/* A stream entry whose job's outcome is written but for the completions waiting in
 * runner.done: acknowledged and deleted once those are written. */
struct runner_entry {
    const char *stream; /* the runner's stream or JOBS_BULK_STREAM */
    char entry[48];     /* "<ms>-<seq>" */
};

struct runner {
    struct db *db;
    struct redis *redis;
    char consumer[128];
    int webhook_lane;   /* 1: serves the webhook lane */
    const char *stream; /* the lane's stream (the general lane also reads JOBS_BULK_STREAM) */
    struct inflight_set *inflight;
    int64_t avg_job_us; /* recent jobs' time from start to recorded outcome (jobs_avg_us) */
    int64_t batch_us;   /* the same, summed over the jobs of the current batch */
    struct runner_done *done;
    int ndone;
    int64_t done_since_us;     /* when the oldest of done finished */
    struct runner_entry *acks; /* entries to acknowledge once done is written */
    int nacks;
    int connected;             /* connected once: from then on kept connected (runner_main) */
    struct jobs_outbox outbox; /* what the running job enqueued (job_ctx) */
    int own_streak;            /* reads in a row that gave entries of the lane's stream */
};

/* Acknowledges and deletes entries of stream, each command naming them all. */
static void runner_ack(struct runner *rn, const char *stream, const char *const *entries, int n)
{
    if (n == 0)
        return;
    const char **argv = xcalloc((size_t)n + 3, sizeof *argv);
    argv[0] = "XACK";
    argv[1] = stream;
    argv[2] = JOBS_GROUP;
    memcpy(argv + 3, entries, (size_t)n * sizeof *argv);
    redisReply *rep = redis_command_argv(rn->redis, n + 3, argv, NULL);
    if (rep)
        freeReplyObject(rep);
    argv[0] = "XDEL";
    argv[1] = stream;
    memcpy(argv + 2, entries, (size_t)n * sizeof *argv);
    rep = redis_command_argv(rn->redis, n + 2, argv, NULL);
    if (rep)
        freeReplyObject(rep);
    free(argv);
}

static int runner_sql(struct runner *rn, const char *sql)
{
    PGresult *res = db_exec_sql(rn->db, sql);
    int ok = db_ok(res) && (strcmp(sql, "COMMIT") != 0 || !strcmp(PQcmdStatus(res), "COMMIT"));
    if (res)
        PQclear(res);
    return ok ? 0 : -1;
}

/* The fenced failure record: the job's status ("failed" or "dead") when this attempt still
 * held it, else NULL. The result is the caller's to clear. */
static PGresult *runner_fail_row(struct runner *rn, const char *id, const char *attempt_s,
                                 int attempt, const char *error)
{
    uint32_t rnd = 0;
    RAND_bytes((unsigned char *)&rnd, sizeof rnd);
    char delay[16];
    snprintf(delay, sizeof delay, "%d",
             jobs_backoff_s(attempt, worker_shared.cfg->retry_base_s, rnd));
    PGresult *res =
        db_exec(rn->db, &jobs_statements[JOBS_FAIL],
                DB_ARGS({"id", id}, {"attempt", attempt_s}, {"delay_s", delay}, {"error", error}));
    if (db_ok(res) && PQntuples(res) == 1)
        return res;
    if (res)
        PQclear(res);
    return NULL;
}

/* Records a failed attempt (retried after a backoff, or dead after the last one) together with
 * the kind's own bookkeeping of it, in one transaction. */
static void runner_fail(struct runner *rn, const struct job_kind *k, struct job_ctx *ctx,
                        const char *attempt_s, const char *error, int64_t run_us)
{
    int tx = k && k->failed && runner_sql(rn, "BEGIN") == 0;
    PGresult *res = runner_fail_row(rn, ctx->id, attempt_s, ctx->attempt, error);
    int dead = res && !strcmp(db_value(res, 0, "status"), "dead");
    if (tx && res && k->failed(ctx, dead) != 0) {
        /* The bookkeeping failed: the failure itself is still recorded. */
        PQclear(res);
        runner_sql(rn, "ROLLBACK");
        tx = 0;
        res = runner_fail_row(rn, ctx->id, attempt_s, ctx->attempt, error);
        dead = res && !strcmp(db_value(res, 0, "status"), "dead");
    }
    if (tx && runner_sql(rn, res ? "COMMIT" : "ROLLBACK") != 0 && res) {
        PQclear(res);
        res = NULL;
    }
    if (res) {
        wmetrics_finished(dead ? WM_DEAD : WM_RETRIED, run_us);
        char extra[160];
        snprintf(extra, sizeof extra, "\"job\":\"%s\",\"attempt\":%d,\"dead\":%s", ctx->id,
                 ctx->attempt, dead ? "true" : "false");
        log_line(dead ? LOG_ERROR : LOG_WARN, "job failed", extra);
        PQclear(res);
    } else {
        wmetrics_finished(WM_FENCED, run_us);
        log_warn("job %s attempt %d: failure not recorded (lease lost or database gone)", ctx->id,
                 ctx->attempt);
    }
}

static int runner_done_cmp(const void *a, const void *b)
{
    return strcmp(((const struct runner_done *)a)->id, ((const struct runner_done *)b)->id);
}

/* The completions waiting in rn->done as the two array literals a completion statement takes,
 * ids sorted (the renewer's lock order); the caller cleans both up. */
static void runner_done_arrays(struct runner *rn, struct buf *ids, struct buf *attempts)
{
    qsort(rn->done, (size_t)rn->ndone, sizeof *rn->done, runner_done_cmp);
    buf_init(ids);
    buf_init(attempts);
    buf_puts(ids, "{");
    buf_puts(attempts, "{");
    for (int i = 0; i < rn->ndone; i++) {
        buf_printf(ids, "%s%s", i ? "," : "", rn->done[i].id);
        buf_printf(attempts, "%s%d", i ? "," : "", rn->done[i].attempt);
    }
    buf_puts(ids, "}");
    buf_puts(attempts, "}");
}

/* Accounts for the completions in rn->done once their statement ran (ok: it did not fail) and
 * empties it: a job among res's rows (those whose "completed" column is true when completed is
 * 1, every row otherwise) was recorded, any other was taken over; when the statement failed
 * (database gone) none was recorded, and their leases run out and the sweeper takes them back. */
static void runner_recorded(struct runner *rn, const PGresult *res, int ok, int completed)
{
    int id_col = ok ? db_col(res, "id") : -1;
    int completed_col = ok && completed ? db_col(res, "completed") : -1;
    char *recorded = xcalloc((size_t)rn->ndone + 1, 1);
    for (int r = 0; ok && r < PQntuples(res); r++) {
        if (completed_col >= 0 && PQgetvalue(res, r, completed_col)[0] != 't')
            continue;
        struct runner_done key;
        snprintf(key.id, sizeof key.id, "%s", PQgetvalue(res, r, id_col));
        struct runner_done *hit =
            bsearch(&key, rn->done, (size_t)rn->ndone, sizeof *rn->done, runner_done_cmp);
        if (hit)
            recorded[hit - rn->done] = 1;
    }
    for (int i = 0; i < rn->ndone; i++) {
        struct runner_done *d = &rn->done[i];
        if (recorded[i]) {
            wmetrics_finished(WM_SUCCEEDED, d->run_us);
        } else {
            wmetrics_finished(WM_FENCED, d->run_us);
            log_warn("job %s attempt %d: completion %s", d->id, d->attempt,
                     ok ? "refused (lease taken over)" : "not recorded (database error)");
        }
        inflight_set_done(rn->inflight, d->id, d->attempt);
    }
    if (!ok)
        log_warn("recording %d completions failed: %s", rn->ndone,
                 res ? PQresultErrorMessage(res) : "no connection");
    free(recorded);
    rn->ndone = 0;
}

/* Writes the completions of the jobs without database effects that finished since the last
 * flush, in one statement fenced per row. A job whose row is not returned was taken over. */
static void runner_flush(struct runner *rn)
{
    if (rn->ndone == 0)
        return;
    struct buf ids, attempts;
    runner_done_arrays(rn, &ids, &attempts);
    PGresult *res = db_exec(rn->db, &jobs_statements[JOBS_COMPLETE_MANY],
                            DB_ARGS({"done_ids", ids.data}, {"done_attempts", attempts.data}));
    runner_recorded(rn, res, db_ok(res), 0);
    if (res)
        PQclear(res);
    buf_cleanup(&attempts);
    buf_cleanup(&ids);
}

/* Acknowledges and deletes the entries waiting for the completions that runner_flush or a claim
 * (runner_process) has just written, one XACK and one XDEL a stream. */
static void runner_ack_waiting(struct runner *rn)
{
    const char **list = xcalloc((size_t)rn->nacks + 1, sizeof *list);
    const char *streams[] = {rn->stream, JOBS_BULK_STREAM};
    for (int s = 0; s < 2; s++) {
        int k = 0;
        for (int i = 0; i < rn->nacks; i++)
            if (rn->acks[i].stream == streams[s])
                list[k++] = rn->acks[i].entry;
        runner_ack(rn, streams[s], list, k);
    }
    free(list);
    rn->nacks = 0;
}

/* Writes the completions waiting in rn->done, then acknowledges the entries waiting for them. */
static void runner_settle(struct runner *rn)
{
    runner_flush(rn);
    runner_ack_waiting(rn);
}

/* Runs one claimed job to its recorded outcome, or, for a kind without database effects that
 * succeeded, to the batch of completions that runner_flush writes. */
static void runner_run(struct runner *rn, const struct runner_job *job, atomic_int *lost)
{
    const struct job_kind *k = worker_kind(job->kind);
    struct job_ctx ctx = {
        rn->db,       rn->redis,         worker_shared.cfg,  job->id, job->kind, NULL,
        job->attempt, job->max_attempts, worker_shared.name, lost,    "",        &rn->outbox};
    /* jsonb always parses, but jansson refuses what PostgreSQL accepts (nesting past 2,048
     * levels, for one): such a job fails, like any other, without its code running. */
    ctx.payload = json_loads(job->payload, 0, NULL);
    wmetrics_inflight(1);
    int64_t start = monotime_now_us();

    enum job_result result = JOB_RETRY;
    int began = 0;
    if (!k) {
        snprintf(ctx.err, sizeof ctx.err, "this worker has no job kind %s", job->kind);
    } else if (!json_is_object(ctx.payload)) {
        snprintf(ctx.err, sizeof ctx.err, "the payload is not a JSON object this worker can read");
    } else if (!k->no_effects && runner_sql(rn, "BEGIN") != 0) {
        snprintf(ctx.err, sizeof ctx.err, "could not begin a transaction");
    } else {
        began = !k->no_effects;
        result = k->run(&ctx);
        if (result == JOB_OK && atomic_load(lost)) {
            result = JOB_RETRY;
            snprintf(ctx.err, sizeof ctx.err, "lease lost while running");
        }
    }
    int64_t run_us = monotime_now_us() - start;
    int recorded = 1; /* the outcome is written (not waiting for runner_flush) */
    if (result == JOB_OK && !began) {
        /* No effects to commit with it: the completion goes with the batch. */
        if (rn->ndone == 0)
            rn->done_since_us = monotime_now_us();
        struct runner_done *d = &rn->done[rn->ndone++];
        memcpy(d->id, job->id, sizeof d->id);
        d->attempt = job->attempt;
        d->run_us = run_us;
        recorded = 0;
    } else if (result == JOB_OK) {
        PGresult *res = db_exec(rn->db, &jobs_statements[JOBS_COMPLETE],
                                DB_ARGS({"id", job->id}, {"attempt", job->attempt_s}));
        int mine = db_ok(res) && PQntuples(res) == 1;
        if (res)
            PQclear(res);
        if (mine && runner_sql(rn, "COMMIT") == 0) {
            jobs_outbox_publish(&rn->outbox, rn->redis, rn->db); /* what it enqueued, at once */
            wmetrics_finished(WM_SUCCEEDED, run_us);
        } else {
            /* Another attempt owns the job now (or the commit failed): nothing of this one
             * stays. */
            runner_sql(rn, "ROLLBACK");
            wmetrics_finished(WM_FENCED, run_us);
            log_warn("job %s attempt %d: completion refused (lease taken over)", job->id,
                     job->attempt);
        }
    } else {
        if (began)
            runner_sql(rn, "ROLLBACK");
        if (result == JOB_RELEASE) {
            PGresult *res = db_exec(rn->db, &jobs_statements[JOBS_RELEASE],
                                    DB_ARGS({"id", job->id}, {"attempt", job->attempt_s}));
            if (res)
                PQclear(res);
            wmetrics_finished(WM_RELEASED, run_us);
            log_info("job %s released at shutdown", job->id);
        } else {
            runner_fail(rn, k, &ctx, job->attempt_s, ctx.err[0] ? ctx.err : "failed", run_us);
        }
    }
    if (recorded)
        inflight_set_done(rn->inflight, job->id, job->attempt);
    jobs_outbox_clear(&rn->outbox); /* rolled back: those jobs do not exist */
    wmetrics_inflight(-1);
    json_decref(ctx.payload);
    rn->batch_us += monotime_now_us() - start;
}

/* A claimed job not started when the worker began to stop: given back, as job code gives back
 * what it cannot finish in time (queued again at once, the attempt not counted). */
static void runner_release(struct runner *rn, const struct runner_job *job)
{
    PGresult *res = db_exec(rn->db, &jobs_statements[JOBS_RELEASE],
                            DB_ARGS({"id", job->id}, {"attempt", job->attempt_s}));
    if (res)
        PQclear(res);
    inflight_set_done(rn->inflight, job->id, job->attempt);
    wmetrics_finished(WM_RELEASED, 0);
    log_info("job %s released at shutdown", job->id);
}

/* An entry this runner could not claim may be a due job of the other lane: it goes on that
 * lane's stream (before this entry is acknowledged, so that it is never only in neither). */
static void runner_pass_on(struct runner *rn, const char *id)
{
    PGresult *res = db_exec(rn->db, &runner_statements[RUNNER_LANE],
                            DB_ARGS({"id", id}, {"kinds", worker_kinds_array()}));
    if (db_ok(res) && PQntuples(res) == 1 &&
        (db_value(res, 0, "webhook")[0] == 't') != rn->webhook_lane)
        jobs_publish_to(rn->redis, rn->db, rn->webhook_lane ? JOBS_STREAM : JOBS_WEBHOOK_STREAM,
                        id);
    if (res)
        PQclear(res);
}

/* Connects the runner's database connection the first time it has entries to handle: a runner
 * that never gets work (the webhook lane's, often) costs PostgreSQL no backend (each costs it
 * ~6 ms of CPU to start: bench/RESULTS.md). While PostgreSQL cannot be reached it tries again
 * each second, the entries waiting in this consumer's pending list as they would wait in the
 * stream; -1 when the worker began to stop meanwhile (the entries stay pending, and a sweeper
 * takes them over after a lease). */
static int runner_connect(struct runner *rn)
{
    char err[512];
    while (db_ensure(rn->db, err, sizeof err) != 0) {
        log_warn("runner %s: %s", rn->consumer, err);
        if (worker_stopping())
            return -1;
        worker_sleep_ms(1000);
    }
    rn->connected = 1;
    return 0;
}

/* Claims the jobs of list (a uuid[] literal) in one statement, which also writes the completions
 * waiting from the runner's last batch, and then acknowledges the entries that waited for them.
 * When that statement fails (a deadlock with another runner's, PostgreSQL gone) the completions
 * are written alone and the claim is tried alone. Returns the claim's result, or NULL when it
 * failed; *merged is 1 when the result is the joint statement's (its rows whose "completed"
 * column is true are completions, not claims). */
static PGresult *runner_claim(struct runner *rn, const char *list, int *merged)
{
    *merged = 0;
    char lease[16];
    snprintf(lease, sizeof lease, "%d", worker_shared.cfg->job_lease_s);
    const char *lane = rn->webhook_lane ? "true" : "false";
    PGresult *res = NULL;
    if (rn->ndone > 0) {
        struct buf done, attempts;
        runner_done_arrays(rn, &done, &attempts);
        res = db_exec(rn->db, &jobs_statements[JOBS_COMPLETE_CLAIM],
                      DB_ARGS({"done_ids", done.data}, {"done_attempts", attempts.data},
                              {"ids", list}, {"worker", worker_shared.name}, {"lease_s", lease},
                              {"kinds", worker_kinds_array()}, {"webhook_lane", lane}));
        buf_cleanup(&attempts);
        buf_cleanup(&done);
        if (db_ok(res)) {
            runner_recorded(rn, res, 1, 1);
            runner_ack_waiting(rn);
            *merged = 1;
            return res;
        }
        log_warn("completing and claiming in one statement failed: %s",
                 res ? PQresultErrorMessage(res) : "no connection");
        if (res)
            PQclear(res);
    }
    runner_settle(rn);
    res = db_exec(rn->db, &jobs_statements[JOBS_CLAIM_MANY],
                  DB_ARGS({"ids", list}, {"worker", worker_shared.name}, {"lease_s", lease},
                          {"kinds", worker_kinds_array()}, {"webhook_lane", lane}));
    if (db_ok(res))
        return res;
    if (res)
        PQclear(res);
    return NULL;
}

/* Handles the entries of one read (entries[i] names job ids[i], NULL when the entry carries no
 * job id): claims every job among them in one statement (runner_claim), runs the claimed ones in
 * turn (writing the batched completions whenever the oldest has waited SPP_JOB_FLUSH_MS), then
 * acknowledges and deletes the entries, or, when completions of its last jobs are waiting, leaves
 * them and the entries for the next claim or runner_settle. A job that is not claimable (not due,
 * already done, running elsewhere, of a kind this worker does not run) only has its entry removed:
 * the ledger says what happens to it. When the claim fails (PostgreSQL down) the entries stay
 * pending, and a sweeper takes them over later. */
static void runner_process(struct runner *rn, const char *stream, const char **entries,
                           const char **ids, int n)
{
    const struct config *cfg = worker_shared.cfg;
    if (!rn->connected && runner_connect(rn) != 0)
        return;
    struct buf list;
    buf_init(&list);
    buf_puts(&list, "{");
    int valid = 0;
    for (int i = 0; i < n; i++) {
        if (ids[i] && jobs_uuid_valid(ids[i]))
            buf_printf(&list, "%s%s", valid++ ? "," : "", ids[i]);
        else
            ids[i] = NULL; /* not a job: the entry is only removed */
    }
    buf_puts(&list, "}");
    PGresult *claim = NULL;
    int merged = 0;
    if (valid == 0)
        runner_settle(rn);
    else {
        claim = runner_claim(rn, list.data, &merged);
        if (!claim) {
            buf_cleanup(&list);
            /* The entries without a job go at once; the others wait for the sweeper. */
            int k = 0;
            for (int i = 0; i < n; i++)
                if (!ids[i])
                    entries[k++] = entries[i];
            runner_ack(rn, stream, entries, k);
            return;
        }
    }
    buf_cleanup(&list);
    int nrows = claim ? PQntuples(claim) : 0;
    struct runner_job *jobs = xcalloc((size_t)nrows + 1, sizeof *jobs);
    atomic_int **lost = xcalloc((size_t)nrows + 1, sizeof *lost);
    char *claimed = xcalloc((size_t)n + 1, 1);
    int c_id = -1, c_kind = -1, c_payload = -1, c_attempts = -1, c_max = -1, c_waited = -1;
    int c_completed = -1, njobs = 0;
    if (nrows > 0) {
        c_completed = merged ? db_col(claim, "completed") : -1;
        c_id = db_col(claim, "id");
        c_kind = db_col(claim, "kind");
        c_payload = db_col(claim, "payload");
        c_attempts = db_col(claim, "attempts");
        c_max = db_col(claim, "max_attempts");
        c_waited = db_col(claim, "waited_us");
    }
    for (int r = 0; r < nrows; r++) {
        if (c_completed >= 0 && PQgetvalue(claim, r, c_completed)[0] == 't')
            continue; /* a completion, accounted for by runner_claim */
        struct runner_job *j = &jobs[njobs];
        snprintf(j->id, sizeof j->id, "%s", PQgetvalue(claim, r, c_id));
        j->kind = PQgetvalue(claim, r, c_kind);
        j->payload = PQgetvalue(claim, r, c_payload);
        snprintf(j->attempt_s, sizeof j->attempt_s, "%s", PQgetvalue(claim, r, c_attempts));
        j->attempt = atoi(j->attempt_s);
        j->max_attempts = atoi(PQgetvalue(claim, r, c_max));
        wmetrics_started(atoll(PQgetvalue(claim, r, c_waited)));
        lost[njobs++] = inflight_set_add(rn->inflight, j->id, j->attempt);
        for (int i = 0; i < n; i++) {
            if (ids[i] && !claimed[i] && !strcmp(ids[i], j->id)) {
                claimed[i] = 1;
                break;
            }
        }
    }
    for (int i = 0; i < n; i++)
        if (ids[i] && !claimed[i])
            runner_pass_on(rn, ids[i]);
    rn->batch_us = 0;
    int ran = 0;
    for (int r = 0; r < njobs; r++) {
        /* Completions waiting in the batch are written once the oldest has waited the flush
         * interval, and before a job of a kind with effects, which may take long. */
        const struct job_kind *next = worker_kind(jobs[r].kind);
        if (rn->ndone > 0 &&
            (!next || !next->no_effects ||
             monotime_now_us() - rn->done_since_us >= (int64_t)cfg->job_flush_ms * 1000))
            runner_flush(rn);
        if (worker_stopping())
            runner_release(rn, &jobs[r]);
        else {
            runner_run(rn, &jobs[r], lost[r]);
            ran++;
        }
    }
    /* One sample per batch, its mean: a runner preempted once in a batch of quick jobs still
     * sees quick jobs. */
    if (ran > 0)
        rn->avg_job_us = jobs_avg_us(rn->avg_job_us, rn->batch_us / ran);
    /* The batch's last completions wait for the next read's claim (runner_read), with the
     * entries; at a stop, or with no room for the entries, they are written now. The in-flight
     * set lets them go: their leases are written within a round trip. */
    inflight_set_clear(rn->inflight);
    if (rn->ndone > 0 && !worker_stopping() && rn->nacks + n <= worker_shared.cfg->job_batch) {
        const char *own = !strcmp(stream, JOBS_BULK_STREAM) ? JOBS_BULK_STREAM : rn->stream;
        for (int i = 0; i < n; i++) {
            struct runner_entry *e = &rn->acks[rn->nacks++];
            e->stream = own;
            snprintf(e->entry, sizeof e->entry, "%s", entries[i]);
        }
    } else {
        runner_settle(rn);
        runner_ack(rn, stream, entries, n);
    }
    free(claimed);
    free(lost);
    free(jobs);
    if (claim)
        PQclear(claim);
}

static void runner_create_group(struct runner *rn)
{
    redisReply *rep =
        redis_command(rn->redis, "XGROUP CREATE %s %s 0 MKSTREAM", rn->stream, JOBS_GROUP);
    if (rep)
        freeReplyObject(rep); /* BUSYGROUP: another worker made it first */
    if (rn->webhook_lane)
        return;
    rep = redis_command(rn->redis, "XGROUP CREATE %s %s 0 MKSTREAM", JOBS_BULK_STREAM, JOBS_GROUP);
    if (rep)
        freeReplyObject(rep);
}

/* Handles the entries of one stream of an XREADGROUP reply ([name, [[entry, fields], ...]]). */
static void runner_stream(struct runner *rn, const redisReply *s)
{
    if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
        s->element[0]->type != REDIS_REPLY_STRING || s->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    const char *stream = s->element[0]->str;
    const redisReply *list = s->element[1];
    const char **entries = xcalloc(list->elements + 1, sizeof *entries);
    const char **ids = xcalloc(list->elements + 1, sizeof *ids);
    int n = 0;
    for (size_t i = 0; i < list->elements; i++) {
        const redisReply *e = list->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
            continue;
        entries[n] = e->element[0]->str;
        ids[n] = NULL;
        const redisReply *fields = e->element[1];
        for (size_t f = 0; fields->type == REDIS_REPLY_ARRAY && f + 1 < fields->elements; f += 2)
            if (!strcmp(fields->element[f]->str, "id"))
                ids[n] = fields->element[f + 1]->str;
        n++;
    }
    if (n > 0)
        runner_process(rn, stream, entries, ids, n);
    free(ids);
    free(entries);
}

/* Handles an XREADGROUP reply; returns how many streams of the reply were the lane's own. */
static int runner_reply(struct runner *rn, redisReply *rep)
{
    int own_seen = 0;
    if (!rep) {
        worker_sleep_ms(1000); /* Redis unreachable: the connection is rebuilt next time */
        return 0;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        if (!strncmp(rep->str, "NOGROUP", 7)) {
            /* The stream is gone (Redis restarted empty): everything due must go out again. */
            jobs_stream_lost();
            runner_create_group(rn);
        } else
            log_warn("XREADGROUP: %s", rep->str);
        freeReplyObject(rep);
        return 0;
    }
    if (rep->type == REDIS_REPLY_ARRAY) {
        /* The lane's own stream first, then the bulk stream. */
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < rep->elements; i++) {
                const redisReply *st = rep->element[i];
                int own = st->type == REDIS_REPLY_ARRAY && st->elements == 2 &&
                          st->element[0]->type == REDIS_REPLY_STRING &&
                          !strcmp(st->element[0]->str, rn->stream);
                if (own == (pass == 0))
                    runner_stream(rn, st);
                own_seen += own && pass == 0;
            }
    }
    freeReplyObject(rep);
    return own_seen;
}

/* One XREADGROUP of count entries from the lane's stream and, with bulk, from the bulk stream
 * too; with block, it waits on the server for at most two seconds (shorter than the client's
 * timeout), so that a stop is noticed quickly. */
static redisReply *runner_xread(struct runner *rn, int count, int block, int bulk)
{
    char count_s[16];
    snprintf(count_s, sizeof count_s, "%d", count);
    const char *argv[16]; /* at most 13 */
    int argc = 0;
    argv[argc++] = "XREADGROUP";
    argv[argc++] = "GROUP";
    argv[argc++] = JOBS_GROUP;
    argv[argc++] = rn->consumer;
    argv[argc++] = "COUNT";
    argv[argc++] = count_s;
    if (block) {
        argv[argc++] = "BLOCK";
        argv[argc++] = "2000";
    }
    argv[argc++] = "STREAMS";
    argv[argc++] = rn->stream;
    if (bulk)
        argv[argc++] = JOBS_BULK_STREAM;
    argv[argc++] = ">";
    if (bulk)
        argv[argc++] = ">";
    return redis_command_argv(rn->redis, argc, argv, NULL);
}

/* Reads as many entries as the runner's recent jobs say it should take at once
 * (jobs_batch_count), from the lane's stream and, on the general lane, as many again from the
 * bulk stream. While the lane's stream keeps giving entries (a burst of jobs: the night's
 * digests), a general-lane runner reads the bulk stream on one read in RUNNER_BULK_EVERY only,
 * the others reading JOBS_STREAM alone without blocking: the burst gets most of the runners and
 * the fan-out's messages still move, at a quarter of their share; when JOBS_STREAM has nothing,
 * the runner reads both as before. While completions of the last batch wait (runner_process),
 * no read blocks: entries it brings are claimed together with them, and without entries they
 * are written at once (runner_settle). */
static void runner_read(struct runner *rn)
{
    const struct config *cfg = worker_shared.cfg;
    int count = jobs_batch_count(rn->avg_job_us, cfg->job_batch, cfg->job_flush_ms);
    int waiting = rn->ndone > 0;
    int bulk = !rn->webhook_lane;
    redisReply *rep = NULL;
    int both = 1;
    if (bulk && rn->own_streak % RUNNER_BULK_EVERY != 0) {
        rep = runner_xread(rn, count, 0, 0);
        both = rep && rep->type == REDIS_REPLY_NIL; /* JOBS_STREAM is empty: both streams */
        if (both) {
            freeReplyObject(rep);
            rn->own_streak = 0;
        }
    }
    if (both)
        rep = runner_xread(rn, count, !waiting, bulk);
    if (waiting && (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements == 0))
        runner_settle(rn); /* nothing to claim with them */
    int own = runner_reply(rn, rep);
    if (bulk)
        rn->own_streak = own > 0 ? rn->own_streak + 1 : 0;
}

void *runner_main(void *arg)
{
    int index = (int)(intptr_t)arg;
    const struct config *cfg = worker_shared.cfg;
    struct runner rn = {0};
    struct redis_addr addr;
    redis_parse_url(cfg->redis_url, &addr);
    rn.db = db_new(cfg->database_url, worker_statement_sets);
    rn.redis = redis_new(&addr, 5000);
    rn.webhook_lane = index >= cfg->worker_concurrency;
    rn.stream = rn.webhook_lane ? JOBS_WEBHOOK_STREAM : JOBS_STREAM;
    rn.inflight = inflight_set_new(cfg->job_batch);
    rn.done = xcalloc((size_t)cfg->job_batch, sizeof *rn.done);
    rn.acks = xcalloc((size_t)cfg->job_batch, sizeof *rn.acks);
    /* Until its jobs show otherwise, a runner takes one entry at a time. */
    rn.avg_job_us = (int64_t)cfg->job_flush_ms * 1000;
    snprintf(rn.consumer, sizeof rn.consumer, "%s-%d", worker_shared.name, index);
    runner_create_group(&rn);
    while (!worker_stopping()) {
        /* Once connected, a runner reads only while PostgreSQL answers (the entries wait in the
         * stream meanwhile, for whichever runner can claim them). */
        char err[512];
        if (rn.connected && db_ensure(rn.db, err, sizeof err) != 0) {
            log_warn("runner %d: %s", index, err);
            worker_sleep_ms(1000);
            continue;
        }
        runner_read(&rn);
    }
    runner_settle(&rn);
    free(rn.acks);
    free(rn.done);
    inflight_set_free(rn.inflight);
    jobs_outbox_free(&rn.outbox);
    redis_free(rn.redis);
    db_free(rn.db);
    atomic_fetch_sub(&worker_runners_left, 1);
    return NULL;
}
