/* champion.assign {"review_id"}: chooses the review's improvement champion by the rules of
 * DESIGN §1.2 (common/rules/eligibility.c) and the order of common/rules/champion.c, with the
 * review row locked for the whole decision, so that no concurrent change to its team, evidence or
 * dates can slip in between the check and the assignment; the assignment commits with the job's
 * completion. A champion already set who still qualifies is kept; one who no longer does (the
 * workshop moved) is replaced. With nobody eligible the review stays unassigned, a
 * champion.unassignable event is written, and the partnership lead and the hub's contact are
 * told. The champion changes through the one function the API's PUT uses too
 * (spp_review_set_champion, sql/0016). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "champion.h"
#include "facts.h"
#include "kinds.h"
#include "log.h"

const struct db_stmt champion_assign_statements[] = {
    [CA_REVIEW] =
        {"ca_review",
         "SELECT r.status, r.champion_id, r.partnership_id, s.name AS school_name, "
         "COALESCE(r.focus, '') AS focus, "
         "COALESCE(r.workshop_on, (clock_timestamp() AT TIME ZONE COALESCE(p.timezone, "
         "$default_tz))::date) AS day, "
         "p.lead_contact_id, lead.email AS lead_email, h.contact_email, "
         "COALESCE(p.timezone, $default_tz) AS timezone "
         "FROM reviews r JOIN schools s ON s.id = r.school_id "
         "LEFT JOIN partnerships p ON p.id = r.partnership_id "
         "LEFT JOIN people lead ON lead.id = p.lead_contact_id LEFT JOIN hubs h ON h.id = p.hub_id "
         "WHERE r.id = $review_id FOR UPDATE OF r"},
    /* People of partnership $partnership_id (not erased) accredited as champions on $day (the
     * rules re-check it), with their assignments, other than to review $review_id, in the 12
     * months before it and their earliest award. */
    [CA_CANDIDATES] =
        {"ca_candidates",
         "SELECT pe.id, (SELECT count(*) FROM reviews x WHERE x.champion_id = pe.id "
         "AND x.id <> $review_id AND x.status <> 'cancelled' "
         "AND COALESCE(x.workshop_on, x.created_at::date) > $day::date - interval '12 months') "
         "AS assignments, "
         "(SELECT min(a.awarded_on) FROM accreditations a WHERE a.person_id = pe.id "
         "AND a.role = 'improvement_champion' AND a.counts) AS first_awarded "
         "FROM people pe JOIN schools s ON s.id = pe.school_id WHERE s.partnership_id = "
         "$partnership_id "
         "AND pe.erased_at IS NULL AND EXISTS (SELECT 1 FROM accreditations a "
         "WHERE a.person_id = pe.id AND a.role = 'improvement_champion' AND a.counts "
         "AND $day::date BETWEEN a.awarded_on AND a.valid_until) ORDER BY pe.id"},
    /* Sets (or, $champion_id NULL, clears) the champion; returns the webhook job (job_id). */
    [CA_SET] = {"ca_set", "SELECT o_job AS job_id FROM spp_review_set_champion($review_id, "
                          "$champion_id, 'worker')"},
    /* The event and the webhook job that announces it (sql/0013); returns the job (job_id). */
    [CA_EVENT] = {"ca_event", "SELECT spp_review_event($review_id, $kind, NULL, NULL, 'worker', "
                              "$reason) AS job_id"},
    /* One recipient ($person_id may be NULL) told of the review; returns the job (job_id). */
    [CA_NOTIFY] = {"ca_notify",
                   "SELECT spp_notify('champion.unassignable', $review_id::uuid, "
                   "$person_id::uuid, $recipient, (clock_timestamp() AT TIME ZONE $tz)::date, "
                   "$review_id::uuid, $data::jsonb) AS job_id"},
    {NULL, NULL},
};

static int ca_ok(struct job_ctx *ctx, PGresult *res, const char *what)
{
    if (db_ok(res))
        return 1;
    worker_db_error(ctx, what, res);
    return 0;
}

/* Writes an event of kind and its webhook job. */
static int ca_event(struct job_ctx *ctx, const char *review_id, const char *kind,
                    const char *reason)
{
    PGresult *res = db_exec(ctx->db, &champion_assign_statements[CA_EVENT],
                            DB_ARGS({"review_id", review_id}, {"kind", kind}, {"reason", reason}));
    int ok = ca_ok(ctx, res, "writing the event");
    if (ok)
        jobs_outbox_add_column(ctx->outbox, res, db_col(res, "job_id"), JOBS_STREAM);
    PQclear(res);
    return ok;
}

/* Tells the partnership lead and the hub's contact that no champion could be found. */
static int ca_unassignable(struct job_ctx *ctx, const char *review_id, const PGresult *rev)
{
    if (!ca_event(ctx, review_id, "champion.unassignable",
                  "No eligible improvement champion in the partnership."))
        return 0;
    json_t *data = json_pack("{s:s, s:s, s:s, s:s}", "review_id", review_id, "school_name",
                             db_value(rev, 0, "school_name"), "focus", db_value(rev, 0, "focus"),
                             "reason", "No eligible improvement champion in the partnership.");
    char *text = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    const char *tz = db_value(rev, 0, "timezone");
    /* The lead is a person (opt-outs apply); the hub's contact is only an address. */
    const char *who[][2] = {
        {db_value_or_null(rev, 0, "lead_contact_id"), db_value_or_null(rev, 0, "lead_email")},
        {NULL, db_value_or_null(rev, 0, "contact_email")}};
    int ok = 1;
    for (int i = 0; i < 2 && ok; i++) {
        if (!who[i][1])
            continue;
        PGresult *res = db_exec(ctx->db, &champion_assign_statements[CA_NOTIFY],
                                DB_ARGS({"review_id", review_id}, {"person_id", who[i][0]},
                                        {"recipient", who[i][1]}, {"tz", tz}, {"data", text}));
        ok = ca_ok(ctx, res, "notifying");
        if (ok)
            jobs_outbox_add_column(ctx->outbox, res, db_col(res, "job_id"), JOBS_STREAM);
        PQclear(res);
    }
    free(text);
    return ok;
}

enum job_result champion_assign_run(struct job_ctx *ctx)
{
    const char *review_id = json_string_value(json_object_get(ctx->payload, "review_id"));
    if (!review_id) {
        snprintf(ctx->err, sizeof ctx->err, "payload has no review_id");
        return JOB_RETRY;
    }
    struct arena a;
    arena_init(&a);
    enum job_result result = JOB_RETRY;
    PGresult *rev = db_exec(ctx->db, &champion_assign_statements[CA_REVIEW],
                            DB_ARGS({"review_id", review_id}, {"default_tz", ctx->cfg->tz})),
             *cands = NULL;
    if (!ca_ok(ctx, rev, "loading the review"))
        goto done;
    if (PQntuples(rev) == 0 || !strcmp(db_value(rev, 0, "status"), "completed") ||
        !strcmp(db_value(rev, 0, "status"), "cancelled")) {
        result = JOB_OK; /* gone or finished: nothing to assign */
        goto done;
    }
    struct elig_review review;
    if (facts_review(ctx->db, &a, review_id, db_value(rev, 0, "timezone"), &review) != 0) {
        snprintf(ctx->err, sizeof ctx->err, "loading the review's facts");
        goto done;
    }
    struct elig_problem problems[ELIG_MAX_PROBLEMS];
    struct elig_person person;
    const char *champion = db_value_or_null(rev, 0, "champion_id");
    if (champion) {
        /* A champion is set: kept while they still qualify. */
        if (facts_person(ctx->db, &a, review_id, champion, "improvement_champion", &person) == 0 &&
            eligibility_champion(&review, &person, problems) == 0) {
            result = JOB_OK;
            goto done;
        }
    }
    cands = db_exec(ctx->db, &champion_assign_statements[CA_CANDIDATES],
                    DB_ARGS({"partnership_id", db_value_or_null(rev, 0, "partnership_id")},
                            {"day", db_value(rev, 0, "day")}, {"review_id", review_id}));
    if (!ca_ok(ctx, cands, "loading candidates"))
        goto done;
    int n = PQntuples(cands);
    int col_id = db_col(cands, "id"), col_assignments = db_col(cands, "assignments"),
        col_first = db_col(cands, "first_awarded");
    struct champion_candidate *eligible = arena_alloc(&a, (size_t)(n ? n : 1) * sizeof *eligible);
    size_t neligible = 0;
    for (int i = 0; i < n; i++) {
        const char *id = PQgetvalue(cands, i, col_id);
        if (facts_person(ctx->db, &a, review_id, id, "improvement_champion", &person) != 0 ||
            eligibility_champion(&review, &person, problems) > 0)
            continue;
        eligible[neligible].id = id;
        eligible[neligible].assignments = atoi(PQgetvalue(cands, i, col_assignments));
        caldate_parse(PQgetvalue(cands, i, col_first), &eligible[neligible].first_awarded);
        neligible++;
    }
    int pick = champion_pick(eligible, neligible);
    if (pick < 0) {
        PGresult *res = !champion
                            ? NULL
                            : db_exec(ctx->db, &champion_assign_statements[CA_SET],
                                      DB_ARGS({"review_id", review_id}, {"champion_id", NULL}));
        int ok = !res || ca_ok(ctx, res, "clearing the champion");
        if (res)
            PQclear(res);
        if (ok && ca_unassignable(ctx, review_id, rev))
            result = JOB_OK;
        goto done;
    }
    PGresult *res = db_exec(ctx->db, &champion_assign_statements[CA_SET],
                            DB_ARGS({"review_id", review_id}, {"champion_id", eligible[pick].id}));
    int ok = ca_ok(ctx, res, "assigning");
    if (ok)
        jobs_outbox_add_column(ctx->outbox, res, db_col(res, "job_id"), JOBS_STREAM);
    PQclear(res);
    if (ok) {
        char extra[160];
        snprintf(extra, sizeof extra, "\"review\":\"%s\",\"champion\":\"%s\"", review_id,
                 eligible[pick].id);
        log_line(LOG_INFO, "champion assigned", extra);
        result = JOB_OK;
    }
done:
    if (cands)
        PQclear(cands);
    if (rev)
        PQclear(rev);
    arena_cleanup(&a);
    return result;
}
