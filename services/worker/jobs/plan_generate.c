/* plan.generate {"review_plan_id"}: fills a review plan (DESIGN §1.3). Loads the facts of the
 * plan's partnership (its schools; its people with a peer_reviewer accreditation that counts,
 * each with the date ranges it is valid on, declared conflicts, and as busy ranges their
 * unavailability, the visits of existing reviews they sit on and the workshops they
 * facilitate; visits already booked in the plan's year count in the spread), solves them with
 * common/rules/plan.c, and stores the proposals and blocked schools with status proposed (nothing
 * blocked) or infeasible, with its review_plan.ready webhook event, all in the job's
 * transaction with the plan row locked. A plan no longer generating (done by an earlier
 * attempt) is left alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "kinds.h"
#include "log.h"
#include "plan.h"

const struct db_stmt plan_generate_statements[] = {
    [PG_PLAN] =
        {"pg_plan",
         "SELECT partnership_id, year_starts_on, team_size, visit_days, status FROM review_plans "
         "WHERE id = $review_plan_id FOR UPDATE"},
    [PG_SCHOOLS] = {"pg_schools",
                    "SELECT id FROM schools WHERE partnership_id = $partnership_id ORDER BY id"},
    /* Every person of the partnership accredited as a peer reviewer at some time, with the
     * facts §1.2 checks; $year_starts_on is the first day of the plan's year. */
    [PG_REVIEWERS] =
        {"pg_reviewers",
         "SELECT pe.id, pe.school_id, "
         "(SELECT COALESCE(json_agg(json_build_array(a.awarded_on, a.valid_until) "
         "  ORDER BY a.awarded_on), '[]') FROM accreditations a WHERE a.person_id = pe.id "
         "  AND a.role = 'peer_reviewer' AND a.counts)::text AS accredited, "
         "(SELECT COALESCE(json_agg(c.school_id), '[]') FROM conflicts c "
         "  WHERE c.person_id = pe.id)::text AS conflicts, "
         "(SELECT COALESCE(json_agg(b.r), '[]') FROM ("
         "  SELECT json_build_array(u.from_on, u.to_on) AS r FROM unavailability u "
         "  WHERE u.person_id = pe.id "
         "  UNION ALL SELECT json_build_array(r.review_starts_on, r.review_ends_on) "
         "  FROM review_team t JOIN reviews r ON r.id = t.review_id WHERE t.person_id = pe.id "
         "  AND r.status <> 'cancelled' AND r.review_starts_on IS NOT NULL "
         "  AND r.review_ends_on IS NOT NULL "
         "  UNION ALL SELECT json_build_array(r.workshop_on, r.workshop_on) FROM reviews r "
         "  WHERE r.champion_id = pe.id AND r.status <> 'cancelled' AND r.workshop_on IS NOT NULL"
         ") b)::text AS busy, "
         "(SELECT count(*) FROM review_team t JOIN reviews r ON r.id = t.review_id "
         "  WHERE t.person_id = pe.id AND r.status <> 'cancelled' "
         "  AND r.review_starts_on >= $year_starts_on::date "
         "  AND r.review_starts_on < ($year_starts_on::date + interval '1 year')::date) "
         "AS prior_visits "
         "FROM people pe JOIN schools s ON s.id = pe.school_id "
         "WHERE s.partnership_id = $partnership_id "
         "AND pe.erased_at IS NULL AND EXISTS (SELECT 1 FROM accreditations a "
         "WHERE a.person_id = pe.id AND a.role = 'peer_reviewer' AND a.counts) ORDER BY pe.id"},
    /* Stores the plan and announces it as a review_plan.ready webhook event (spp_announce);
     * returns the job (job_id). */
    [PG_STORE] = {"pg_store", "WITH p AS (UPDATE review_plans SET status = $status, "
                              "  proposals = $proposals::jsonb, blocked = $blocked::jsonb, "
                              "  version = version + 1, updated_at = clock_timestamp() "
                              "  WHERE id = $review_plan_id "
                              "  RETURNING review_plan_json(review_plans)::jsonb AS data) "
                              "SELECT spp_announce('review_plan.ready', p.data) AS job_id FROM p"},
    {NULL, NULL},
};

static int pg_ok(struct job_ctx *ctx, PGresult *res, const char *what)
{
    if (db_ok(res))
        return 1;
    worker_db_error(ctx, what, res);
    return 0;
}

/* Parses a JSON array of [from, to] date pairs into ranges allocated from a. Returns the count,
 * or -1 when the text is not such an array. */
static long pg_ranges(struct arena *a, const char *text, struct plan_range **out)
{
    json_t *arr = json_loads(text, 0, NULL);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return -1;
    }
    size_t n = json_array_size(arr);
    struct plan_range *r = arena_alloc(a, (n ? n : 1) * sizeof *r);
    for (size_t i = 0; i < n; i++) {
        json_t *pair = json_array_get(arr, i);
        const char *from = json_string_value(json_array_get(pair, 0));
        const char *to = json_string_value(json_array_get(pair, 1));
        if (!from || !to || caldate_parse(from, &r[i].from) != 0 ||
            caldate_parse(to, &r[i].to) != 0) {
            json_decref(arr);
            return -1;
        }
    }
    json_decref(arr);
    *out = r;
    return (long)n;
}

/* The index of id among the partnership's schools (column col_id of schools), or -1 (a school
 * of another partnership). */
static long pg_school(const PGresult *schools, int col_id, const char *id)
{
    for (int i = 0; id && i < PQntuples(schools); i++)
        if (!strcmp(PQgetvalue(schools, i, col_id), id))
            return i;
    return -1;
}

/* Loads the reviewers of the plan's partnership into in. Returns 0, or -1 with ctx->err set. */
static int pg_load(struct job_ctx *ctx, struct arena *a, const PGresult *schools,
                   const PGresult *people, struct plan_input *in)
{
    int n = PQntuples(people);
    int col_id = db_col(people, "id"), col_school = db_col(people, "school_id"),
        col_accredited = db_col(people, "accredited"), col_busy = db_col(people, "busy"),
        col_conflicts = db_col(people, "conflicts"), col_prior = db_col(people, "prior_visits"),
        col_school_id = db_col(schools, "id");
    struct plan_reviewer *rv = arena_alloc(a, (size_t)(n ? n : 1) * sizeof *rv);
    for (int i = 0; i < n; i++) {
        struct plan_reviewer *p = &rv[i];
        memset(p, 0, sizeof *p);
        p->id = PQgetvalue(people, i, col_id);
        p->school = (size_t)pg_school(schools, col_school_id, PQgetvalue(people, i, col_school));
        struct plan_range *acc, *busy;
        long nacc = pg_ranges(a, PQgetvalue(people, i, col_accredited), &acc);
        long nbusy = pg_ranges(a, PQgetvalue(people, i, col_busy), &busy);
        json_t *conf = json_loads(PQgetvalue(people, i, col_conflicts), 0, NULL);
        if (nacc < 0 || nbusy < 0 || !json_is_array(conf)) {
            json_decref(conf);
            snprintf(ctx->err, sizeof ctx->err, "unreadable facts of person %s", p->id);
            return -1;
        }
        size_t nconf = json_array_size(conf);
        size_t *cs = arena_alloc(a, (nconf ? nconf : 1) * sizeof *cs);
        size_t kept = 0;
        for (size_t j = 0; j < nconf; j++) {
            long s = pg_school(schools, col_school_id, json_string_value(json_array_get(conf, j)));
            if (s >= 0) /* a conflict outside the partnership cannot matter */
                cs[kept++] = (size_t)s;
        }
        json_decref(conf);
        p->accredited = acc;
        p->naccredited = (size_t)nacc;
        p->busy = busy;
        p->nbusy = (size_t)nbusy;
        p->conflicts = cs;
        p->nconflicts = kept;
        p->prior_visits = atoi(PQgetvalue(people, i, col_prior));
    }
    in->reviewers = rv;
    in->nreviewers = (size_t)n;
    return 0;
}

/* The plan's proposals and blocked schools as the JSON of DESIGN §1.3. */
static void pg_json(const struct plan_input *in, const struct plan_result *res, char **proposals,
                    char **blocked)
{
    json_t *props = json_array();
    for (size_t i = 0; i < res->nproposals; i++) {
        const struct plan_proposal *p = &res->proposals[i];
        char from[11], to[11];
        caldate_format(p->starts_on, from);
        caldate_format(p->ends_on, to);
        json_t *team = json_array();
        for (size_t k = 0; k < p->nmembers; k++) {
            const struct plan_member *m = &p->members[k];
            const struct plan_reviewer *rv = &in->reviewers[m->reviewer];
            json_array_append_new(team, json_pack("{s:s, s:s, s:s, s:s}", "person_id", rv->id,
                                                  "school_id", in->school_ids[rv->school], "role",
                                                  m->lead ? "lead_reviewer" : "peer_reviewer",
                                                  "reason", m->reason));
        }
        json_array_append_new(props, json_pack("{s:s, s:s, s:s, s:o}", "school_id",
                                               in->school_ids[p->school], "visit_starts_on", from,
                                               "visit_ends_on", to, "team", team));
    }
    json_t *blk = json_array();
    for (size_t i = 0; i < res->nblocked; i++) {
        const struct plan_blocked *b = &res->blocked[i];
        json_array_append_new(blk,
                              json_pack("{s:s, s:s, s:s}", "school_id", in->school_ids[b->school],
                                        "rule", b->rule, "message", b->message));
    }
    *proposals = json_dumps(props, JSON_COMPACT);
    *blocked = json_dumps(blk, JSON_COMPACT);
    json_decref(props);
    json_decref(blk);
}

enum job_result plan_generate_run(struct job_ctx *ctx)
{
    const char *plan_id = json_string_value(json_object_get(ctx->payload, "review_plan_id"));
    if (!plan_id) {
        snprintf(ctx->err, sizeof ctx->err, "payload has no review_plan_id");
        return JOB_RETRY;
    }
    struct arena a;
    arena_init(&a);
    enum job_result result = JOB_RETRY;
    PGresult *plan = NULL, *schools = NULL, *people = NULL;
    plan =
        db_exec(ctx->db, &plan_generate_statements[PG_PLAN], DB_ARGS({"review_plan_id", plan_id}));
    if (!pg_ok(ctx, plan, "loading the plan"))
        goto done;
    if (PQntuples(plan) == 0 || strcmp(db_value(plan, 0, "status"), "generating") != 0) {
        result = JOB_OK; /* gone, or generated already */
        goto done;
    }
    const char *partnership = db_value(plan, 0, "partnership_id");
    schools = db_exec(ctx->db, &plan_generate_statements[PG_SCHOOLS],
                      DB_ARGS({"partnership_id", partnership}));
    if (!pg_ok(ctx, schools, "loading the schools"))
        goto done;
    people = db_exec(ctx->db, &plan_generate_statements[PG_REVIEWERS],
                     DB_ARGS({"partnership_id", partnership},
                             {"year_starts_on", db_value(plan, 0, "year_starts_on")}));
    if (!pg_ok(ctx, people, "loading the reviewers"))
        goto done;

    struct plan_input in;
    memset(&in, 0, sizeof in);
    int ns = PQntuples(schools);
    const char **ids = arena_alloc(&a, (size_t)(ns ? ns : 1) * sizeof *ids);
    int col_school_id = db_col(schools, "id");
    for (int i = 0; i < ns; i++)
        ids[i] = PQgetvalue(schools, i, col_school_id);
    in.school_ids = ids;
    in.nschools = (size_t)ns;
    if (caldate_parse(db_value(plan, 0, "year_starts_on"), &in.year_starts_on) != 0) {
        snprintf(ctx->err, sizeof ctx->err, "unreadable year_starts_on");
        goto done;
    }
    in.team_size = atoi(db_value(plan, 0, "team_size"));
    in.visit_days = atoi(db_value(plan, 0, "visit_days"));
    if (pg_load(ctx, &a, schools, people, &in) != 0)
        goto done;

    struct plan_result out;
    char err[256];
    if (plan_solve(&in, &out, err, sizeof err) != PLAN_OK) {
        snprintf(ctx->err, sizeof ctx->err, "plan_solve: %s", err);
        goto done;
    }
    char *proposals, *blocked;
    pg_json(&in, &out, &proposals, &blocked);
    const char *status = out.nblocked ? "infeasible" : "proposed";
    PGresult *res = db_exec(ctx->db, &plan_generate_statements[PG_STORE],
                            DB_ARGS({"review_plan_id", plan_id}, {"status", status},
                                    {"proposals", proposals}, {"blocked", blocked}));
    if (pg_ok(ctx, res, "storing the plan")) {
        jobs_outbox_add_column(ctx->outbox, res, db_col(res, "job_id"), JOBS_STREAM);
        char extra[200];
        snprintf(extra, sizeof extra,
                 "\"review_plan\":\"%s\",\"status\":\"%s\",\"proposals\":%zu,\"blocked\":%zu",
                 plan_id, status, out.nproposals, out.nblocked);
        log_line(LOG_INFO, "review plan generated", extra);
        result = JOB_OK;
    }
    PQclear(res);
    free(proposals);
    free(blocked);
    plan_result_cleanup(&out);
done:
    if (people)
        PQclear(people);
    if (schools)
        PQclear(schools);
    if (plan)
        PQclear(plan);
    arena_cleanup(&a);
    return result;
}
