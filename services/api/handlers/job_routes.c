/* /v1/jobs: the job ledger as clients see it. A job is readable by admin keys, by the key whose
 * request caused it, and by every key whose own request would be answered with it (a digest
 * compile, a champion assignment: a repeat answers with the job already there), so that every
 * 202's Location can be polled; listing and retrying are admin business. */
#include <stdio.h>
#include <string.h>

#include "jobs.h"

#include "handlers.h"
#include "list.h"
#include "resource.h"

/* The columns of job_routes_json_fields (below) from jobs j: a GET and a list's items are written
 * in C from them. */
#define JOB_COLS                                                                                   \
    "j.id, j.kind, j.status, j.attempts, j.max_attempts, spp_micros(j.run_at) AS run_at, "         \
    "j.last_error, spp_micros(j.created_at) AS micros, spp_micros(j.finished_at) AS finished_at"

const struct db_stmt job_routes_statements[] = {
    /* Columns: the job's (kind among them), requested_by, then what a request answered with it
     * names: the partnership of a digest compile, the review of a champion assignment. */
    [JOB_ROUTES_GET] = {"job_get",
                        "SELECT " JOB_COLS ", requested_by, "
                        "payload->>'partnership_id' AS partnership_id, "
                        "payload->>'review_id' AS review_id FROM jobs j WHERE j.id = $id"},
    /* A retry grants a fresh set of attempts; the attempt count goes on rising, so that it
     * still fences out any worker of an earlier attempt. */
    [JOB_ROUTES_RETRY] = {"job_retry",
                          "UPDATE jobs SET status = 'queued', run_at = t.now, finished_at = NULL, "
                          "max_attempts = attempts + $attempts::int, published_at = t.now "
                          "FROM (SELECT clock_timestamp() AS now) t "
                          "WHERE id = $id AND status IN ('dead', 'failed') RETURNING id"},
    [JOB_ROUTES_COUNTS] =
        {"job_counts",
         "SELECT s.status, count(j.id) AS jobs FROM unnest(ARRAY['queued', 'running', 'succeeded', "
         "'failed', 'dead']) s(status) LEFT JOIN jobs j ON j.status = s.status GROUP BY s.status"},
    [JOB_ROUTES_OLDEST_DUE] =
        {"job_oldest_due",
         "SELECT COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(run_at)), 0) AS seconds "
         "FROM jobs "
         "WHERE finished_at IS NULL AND status IN ('queued', 'failed') "
         "AND run_at <= clock_timestamp()"},
    /* A webhook event ($type, $data) fanned out by the worker to the subscriptions. */
    [JOB_ROUTES_ANNOUNCE] = {"job_announce", "SELECT spp_announce($type, $data::jsonb) AS job_id"},
    {NULL, NULL},
};

static const char *const job_states[] = {"queued", "running", "succeeded", "failed", "dead", NULL};

static const struct vfield job_filters[] = {
    {"status", V_ENUM, 0, 0, job_states, 0, 0},
    {"kind", V_NAME, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const char *const job_list_filters[] = {
    "j.status = $status",
    "j.kind = $kind",
    NULL,
};

static struct list_variants job_list_variants;

/* Admin keys only (job_admin_only refuses the others first). */
/* job_json (sql/0002_jobs.sql) written in C: the same members in the same order, from
 * JOB_COLS. */
const struct rowjson_field job_routes_json_fields[] = {
    {"id", ROWJSON_STRING, NULL},         {"kind", ROWJSON_STRING, NULL},
    {"status", ROWJSON_STRING, NULL},     {"attempts", ROWJSON_RAW, NULL},
    {"max_attempts", ROWJSON_RAW, NULL},  {"run_at", ROWJSON_TIME, NULL},
    {"last_error", ROWJSON_STRING, NULL}, {"created_at", ROWJSON_TIME, "micros"},
    {"finished_at", ROWJSON_TIME, NULL},  {NULL, ROWJSON_RAW, NULL},
};

static const struct list_desc job_list = {
    .name = "job_list",
    .select = "SELECT " JOB_COLS " FROM jobs j",
    .fields = job_routes_json_fields,
    .scope = {LIST_ALL, LIST_NONE, LIST_NONE, LIST_NONE, LIST_NONE},
    .query = job_filters,
    .filters = job_list_filters,
    .after = "(j.created_at, j.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY j.created_at, j.id LIMIT $limit",
    .variants = &job_list_variants,
};

static int job_admin_only(struct req *r)
{
    if (r->principal.role == ROLE_ADMIN)
        return 0;
    req_problem(r, 403, "forbidden", "Only admin keys manage jobs.");
    return -1;
}

void job_routes_list(struct req *r)
{
    if (job_admin_only(r) == 0)
        list_page(r, &job_list);
}

/* Whether the caller's own request would have been answered with the job of row res: a
 * digest compile of a partnership it compiles digests for (admin, hub and partnership keys that
 * see it), or a champion assignment of a review it drives. 1, 0, or -1 after answering a
 * database error. */
static int job_could_have_asked(struct req *r, const PGresult *res)
{
    const char *kind = db_value(res, 0, "kind");
    const char *partnership = db_value_or_null(res, 0, "partnership_id"),
               *review = db_value_or_null(res, 0, "review_id");
    if (!strcmp(kind, "digest.compile") && partnership) {
        if (r->principal.role > ROLE_PARTNERSHIP)
            return 0;
        struct scope_owner o;
        return resource_chain(r, SCOPE_PARTNERSHIP, partnership, &o);
    }
    if (!strcmp(kind, "champion.assign") && review && validate_uuid(review)) {
        /* No person key drives a review, so its involvement is not asked for. */
        PGresult *row =
            req_db(r, &reviews_statements[REVIEW_GET], DB_ARGS({"id", review}, {"me", NULL}));
        if (!row)
            return -1;
        if (PQntuples(row) == 0)
            return 0;
        struct scope_owner o;
        req_owner_from_row(row, 0, &o);
        return scope_review(&r->principal, &o, 0, REVIEW_ACT_DRIVE) == SCOPE_OK;
    }
    return 0;
}

void job_routes_get(struct req *r)
{
    PGresult *res =
        req_db(r, &job_routes_statements[JOB_ROUTES_GET], DB_ARGS({"id", req_param(r, "id")}));
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", "No such job.");
        return;
    }
    const char *by = db_value_or_null(res, 0, "requested_by");
    const char *me = r->principal.key_id[0] ? r->principal.key_id : "admin-token";
    int readable = r->principal.role == ROLE_ADMIN || (by && !strcmp(by, me));
    if (!readable)
        readable = job_could_have_asked(r, res);
    if (readable < 0)
        return;
    if (!readable) {
        req_problem(r, 404, "not_found", "No such job.");
        return;
    }
    resource_reply(r, 200, res, 0, job_routes_json_fields);
}

void job_routes_retry(struct req *r)
{
    if (job_admin_only(r) != 0)
        return;
    const char *id = req_param(r, "id");
    char fresh[16];
    snprintf(fresh, sizeof fresh, "%d", JOBS_DEFAULT_MAX_ATTEMPTS);
    PGresult *res = req_db(r, &job_routes_statements[JOB_ROUTES_RETRY],
                           DB_ARGS({"id", id}, {"attempts", fresh}));
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        PGresult *cur = req_db(r, &job_routes_statements[JOB_ROUTES_GET], DB_ARGS({"id", id}));
        if (!cur)
            return;
        if (PQntuples(cur) == 0)
            req_problem(r, 404, "not_found", "No such job.");
        else
            req_problem(r, 409, "conflict", "Only a dead or failed job can be retried.");
        return;
    }
    req_publish_after_commit(r, id); /* due now, like any enqueued job */
    req_reply_accepted(r, id);
}
