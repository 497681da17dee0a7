/* The job library (DESIGN §4): enqueue inside the caller's transaction, publish the id to the
 * Redis stream after commit, claim under a lease, renew, and finish fenced by the attempt
 * number. PostgreSQL is the ledger; the stream only wakes workers. */
#ifndef SPP_JOBS_H
#define SPP_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct redis;

#define JOBS_STREAM "spp:jobs"
#define JOBS_GROUP  "spp-workers"
/* The webhook lane: webhook deliveries (a webhook.deliver job naming its subscription) wait on
 * receivers for up to 10 s each, so they travel on a stream of their own, read by runner
 * threads of their own (SPP_WEBHOOK_CONCURRENCY), and never hold the threads that send email.
 * The lane of a jobs row, as SQL. */
#define JOBS_WEBHOOK_STREAM   "spp:jobs:webhooks"
#define JOBS_WEBHOOK_LANE_SQL "(kind = 'webhook.deliver' AND payload ? 'webhook_id')"
/* The bulk stream: a fan-out's many messages (a digest's emails), read by the general lane's
 * runners together with JOBS_STREAM in the same XREADGROUP, JOBS_STREAM's entries run first.
 * So the jobs queued after a fan-out (the next partnerships' digests) do not wait behind all of
 * its messages, and the messages are never starved: a read takes some of both (during a burst
 * on JOBS_STREAM, one read in four: runner_read). A reminder scan's emails travel here too. */
#define JOBS_BULK_STREAM "spp:jobs:bulk"
/* The jobs a sweep republishes on the bulk stream (an email whose publish went stale goes back
 * behind the other jobs, not ahead of them), as SQL. */
#define JOBS_BULK_LANE_SQL        "(kind = 'notification.deliver')"
#define JOBS_DEFAULT_MAX_ATTEMPTS 8
#define JOBS_BACKOFF_CAP_S        3600

/* Every statement the library runs; prepare them on each connection that uses it. */
enum {
    JOBS_INSERT,
    JOBS_BY_KEY,
    JOBS_CLAIM_MANY,
    JOBS_RENEW_MANY,
    JOBS_COMPLETE,
    JOBS_COMPLETE_MANY,
    JOBS_COMPLETE_CLAIM,
    JOBS_FAIL,
    JOBS_RELEASE,
    JOBS_UNPUBLISH
};
extern const struct db_stmt jobs_statements[];

struct jobs_new {
    const char *kind;
    const char *payload;      /* JSON object text, or NULL for {} */
    const char *dedupe_key;   /* NULL, or one job per key ever (slots, notifications) */
    int delay_s;              /* run no earlier than now + delay_s */
    int max_attempts;         /* 0 = JOBS_DEFAULT_MAX_ATTEMPTS */
    const char *requested_by; /* the API key id behind it, or NULL */
};

/* What one transaction enqueued and must publish once it has committed (DESIGN §4.1): the API
 * keeps one per request, the runner one per job (job_ctx), the scheduler one per tick. Add
 * every job id that an enqueue handed back (jobs_enqueue does it itself; SQL that calls
 * spp_enqueue, spp_notify or spp_announce returns the ids for jobs_outbox_add*); after COMMIT,
 * jobs_outbox_publish; after ROLLBACK, jobs_outbox_clear. Zero-initialised is empty. */
struct jobs_outbox {
    struct jobs_outbox_entry {
        char id[37];
        const char *stream; /* JOBS_STREAM, JOBS_BULK_STREAM or JOBS_WEBHOOK_STREAM */
    } * v;
    size_t n, cap;
};
/* Adds a job id (ignored when NULL or empty) to publish on stream. */
void jobs_outbox_add(struct jobs_outbox *o, const char *id, const char *stream);
/* Adds the job ids of column col of every row of res (NULLs skipped). Returns how many. */
int jobs_outbox_add_column(struct jobs_outbox *o, const PGresult *res, int col, const char *stream);
/* Adds the job ids of a PostgreSQL uuid[] literal ("{id,id}"; NULL entries skipped). Returns how
 * many, or -1 when text is not such a literal. */
int jobs_outbox_add_array(struct jobs_outbox *o, const char *text, const char *stream);
/* Publishes every id (jobs_publish_to; a failed publish is left to the sweeper) and empties. */
void jobs_outbox_publish(struct jobs_outbox *o, struct redis *r, struct db *db);
/* Empties it (the transaction rolled back: its jobs do not exist). */
void jobs_outbox_clear(struct jobs_outbox *o);
void jobs_outbox_free(struct jobs_outbox *o);

/* Inserts a job (spp_enqueue) inside the caller's open transaction and writes its id (37
 * bytes); a new job that may run at once goes into out, to publish after commit. With a
 * dedupe key that exists already, writes the existing job's id instead and returns 1. Returns 0
 * for a new job, 1 for an existing one, -1 on a database error (message in err). */
int jobs_enqueue(struct db *db, struct jobs_outbox *out, const struct jobs_new *j, char *id,
                 char *err, size_t errlen);
/* Like jobs_enqueue, and while a job with pending_key (may be NULL) has not started, writes
 * that job's id instead and returns 1: one waiting job per key at a time (a repeated request
 * answers with the queued job). Claiming a job releases its key (jobs_claim_many), so a job that
 * is running, or waiting to retry, does not hold it. */
int jobs_enqueue_once(struct db *db, struct jobs_outbox *out, const struct jobs_new *j,
                      const char *pending_key, char *id, char *err, size_t errlen);

/* XADD the id to the stream. On a failure (Redis down, out of memory) the job is marked
 * unpublished in db (outside any transaction: call it after COMMIT), so that the next sweep
 * publishes it; nothing else happens. Returns 0 or -1. */
int jobs_publish(struct redis *r, struct db *db, const char *id);
/* The same onto a given stream (JOBS_STREAM, JOBS_BULK_STREAM or JOBS_WEBHOOK_STREAM). */
int jobs_publish_to(struct redis *r, struct db *db, const char *stream, const char *id);
/* Set when the stream or its group turned out to be gone (Redis restarted empty): the next
 * sweep publishes every due job at once instead of trusting earlier publishes. */
void jobs_stream_lost(void);
int jobs_take_stream_lost(void);

/* The delay before the next attempt after attempt (1-based) failed: base doubling per
 * attempt, capped at an hour, with "equal jitter" (half fixed, half drawn from rnd) so that
 * many failures at once spread out. Pure. */
int jobs_backoff_s(int attempt, int base_s, uint32_t rnd);

/* 1 when s is a UUID in its text form (what a stream entry's id must be before it goes into a
 * claim with others: one malformed id would fail the whole batch). Pure. */
int jobs_uuid_valid(const char *s);

/* How many stream entries a runner takes at once: as many jobs as its recent ones (avg_job_us
 * each, claim to recorded outcome) fit in flush_ms, between 1 and batch. A runner whose jobs
 * take long (email, webhooks) takes them one at a time, so that its batch never holds back
 * jobs that idle runners could start; quick jobs go by the batch. Pure. */
int jobs_batch_count(int64_t avg_job_us, int batch, int flush_ms);
/* The recent job time that jobs_batch_count reads, after a sample (a batch's mean time per
 * job): a slower sample counts at once, a quicker one divides it by at most 8, so that one slow
 * batch takes the runner back to single reads and quick ones bring it to full batches within
 * four reads (1, 8, 64, then SPP_JOB_BATCH with the defaults). Pure. */
int64_t jobs_avg_us(int64_t avg_us, int64_t sample_us);

/* The start of the schedule slot of length interval_s holding now (Unix seconds). Pure. */
int64_t jobs_slot_start(int64_t now_s, int interval_s);

#endif
