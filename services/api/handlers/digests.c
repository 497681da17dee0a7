/* A partnership's best-practice digests (DESIGN §2 and §4): GET /v1/partnerships/{id}/digests,
 * newest first; POST /v1/partnerships/{id}/digests, compile now (202 and the digest.compile job,
 * services/worker/jobs/digest_compile.c); GET /v1/digests/{id} as JSON, or rendered
 * (common/rules/digest.c) as HTML or plain text when the Accept header prefers it.
 *
 * Who: digests are read by whoever may read the partnership's best practices
 * (best_practices_readable); compiling is for admin, hub and partnership keys in scope, and a
 * school or person key is refused (403) whatever the partnership, since its role may never.
 *
 * Once per date: a date that has its digest already is answered with the job that compiled it,
 * and nothing is queued. Otherwise the compile is queued under the key
 * "digest.compile:<partnership>:<date>:manual", so that asking again before it has run (or after
 * it failed) answers with the same job. A date after today in the partnership's time zone is
 * refused (422); today's cut-off is the moment the job runs, a past date's the end of that day. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "digest.h"
#include "jobs.h"
#include "log.h"
#include "mail.h"

#include "handlers.h"
#include "list.h"
#include "resource.h"

const struct db_stmt digests_statements[] = {
    [DIGEST_GET] = {"digest_get",
                    "SELECT digest_json(d)::text AS json, d.partnership_id FROM digests d "
                    "WHERE d.id = $id"},
    /* The partnership's switch and today in its time zone. */
    [DIGEST_PARTNERSHIP] =
        {"digest_partnership",
         "SELECT digest_enabled, (clock_timestamp() AT TIME ZONE timezone)::date AS today, "
         "timezone "
         "FROM partnerships WHERE id = $id"},
    /* The digest of a date and its compiling job, when that job is still in the ledger (old
     * jobs are pruned after SPP_JOB_RETENTION_DAYS). */
    [DIGEST_OF_DATE] = {"digest_of_date",
                        "SELECT d.id AS digest_id, j.id AS job_id FROM digests d "
                        "LEFT JOIN jobs j ON j.id = d.job_id "
                        "WHERE d.partnership_id = $partnership_id AND d.digest_date = $date::date"},
    {NULL, NULL},
};

static const struct vfield digest_compile_fields[] = {
    {"date", V_DATE, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static struct list_variants digest_list_variants;

/* Newest first by (digest_date, id); the cursor carries digest_date as midnight UTC. */
static const struct list_desc digest_list = {
    .name = "digest_list",
    .select = "SELECT digest_json(d)::text AS json, "
              "spp_micros(d.digest_date::timestamp AT TIME ZONE 'UTC') AS micros, d.id "
              "FROM digests d",
    .scope = LIST_SCOPE_ANY,
    .filters = (const char *const[]){"d.partnership_id = $id", NULL},
    .after = "(d.digest_date, d.id) < ((spp_from_micros($micros) AT TIME ZONE 'UTC')::date, "
             "$after::uuid)",
    .tail = "ORDER BY d.digest_date DESC, d.id DESC LIMIT $limit",
    .variants = &digest_list_variants,
};

void digests_list(struct req *r)
{
    best_practices_page(r, &digest_list);
}

void digests_create(struct req *r)
{
    const char *id = req_param(r, "id");
    if (resource_partnership_work(r, id, "Only admin, hub and partnership keys compile digests.") !=
        0)
        return;
    if (req_check_body(r, digest_compile_fields, VALIDATE_CREATE) != 0)
        return;
    PGresult *p = req_db(r, &digests_statements[DIGEST_PARTNERSHIP], DB_ARGS({"id", id}));
    if (!p)
        return;
    if (PQntuples(p) == 0) {
        req_problem(r, 404, "not_found", "No such partnership.");
        return;
    }
    if (strcmp(db_value(p, 0, "digest_enabled"), "t") != 0) {
        req_problem(r, 409, "conflict",
                    "Digests are switched off for this partnership (digest_enabled is false).");
        return;
    }
    const char *today = db_value(p, 0, "today");
    const char *date = json_string_value(json_object_get(r->json, "date"));
    if (!date)
        date = today;
    else if (strcmp(date, today) > 0) { /* both YYYY-MM-DD: text order is date order */
        char *msg =
            arena_printf(&r->arena, "is after today (%s in %s)", today, db_value(p, 0, "timezone"));
        req_invalid_field(r, "/date", "range", msg);
        return;
    }

    PGresult *have = req_db(r, &digests_statements[DIGEST_OF_DATE],
                            DB_ARGS({"partnership_id", id}, {"date", date}));
    if (!have)
        return;
    if (PQntuples(have) > 0) {
        /* Compiled already: nothing changes. Its job answers, or, once the job has been pruned
         * from the ledger, the digest itself. */
        const char *job = db_value_or_null(have, 0, "job_id");
        if (job) {
            req_reply_accepted(r, job);
            return;
        }
        const char *digest_id = db_value(have, 0, "digest_id");
        PGresult *d = req_db(r, &digests_statements[DIGEST_GET], DB_ARGS({"id", digest_id}));
        if (!d)
            return;
        req_header(r, "Location", arena_printf(&r->arena, "/v1/digests/%s", digest_id));
        req_reply_text(r, 200, db_value(d, 0, "json"));
        return;
    }

    json_t *payload = json_pack("{s:s, s:s}", "partnership_id", id, "date", date);
    char *text = json_dumps(payload, JSON_COMPACT);
    json_decref(payload);
    char *key = arena_printf(&r->arena, "digest.compile:%s:%s:manual", id, date);
    struct jobs_new j = {"digest.compile", text, key, 0, 0, NULL};
    char job[37];
    int rc = req_enqueue(r, &j, job);
    free(text);
    if (rc == 0)
        req_reply_accepted(r, job);
}

/* The q value the Accept header gives type ("text/html"); a wildcard counts for JSON only (the
 * default representation). 0 when absent; 1 without a header. */
static double digests_accept_q(const char *accept, const char *type)
{
    if (!accept || !*accept)
        return !strcmp(type, "application/json") ? 1.0 : 0.0;
    double best = 0.0;
    const char *p = accept;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = p + strcspn(p, ",");
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *tend = semi ? semi : end;
        while (tend > p && tend[-1] == ' ')
            tend--;
        size_t n = (size_t)(tend - p);
        int match = (n == strlen(type) && !strncasecmp(p, type, n)) ||
                    (!strcmp(type, "application/json") &&
                     ((n == 3 && !strncmp(p, "*/*", 3)) ||
                      (n == 13 && !strncasecmp(p, "application/*", 13))));
        if (match) {
            double q = 1.0;
            for (const char *s = semi; s && s < end;
                 s = memchr(s + 1, ';', (size_t)(end - s - 1))) {
                const char *v = s + 1;
                while (*v == ' ')
                    v++;
                if ((v[0] == 'q' || v[0] == 'Q') && v[1] == '=')
                    q = strtod(v + 2, NULL);
            }
            if (q > best)
                best = q;
        }
        p = end;
    }
    return best;
}

void digests_get(struct req *r)
{
    const char *id = req_param(r, "id");
    PGresult *res = req_db(r, &digests_statements[DIGEST_GET], DB_ARGS({"id", id}));
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", "No such digest.");
        return;
    }
    if (best_practices_require(r, db_value(res, 0, "partnership_id"), "No such digest.") != 0)
        return;
    /* JSON unless HTML or plain text is preferred; ties go to JSON. */
    double json = digests_accept_q(r->accept, "application/json");
    double html = digests_accept_q(r->accept, "text/html");
    double text = digests_accept_q(r->accept, "text/plain");
    req_header(r, "Vary", "Accept");
    if (html <= json && text <= json) {
        req_reply_text(r, 200, db_value(res, 0, "json"));
        return;
    }
    json_t *digest = json_loads(db_value(res, 0, "json"), 0, NULL);
    struct mail_message m;
    /* Links into the service; no unsubscribe link: this copy is nobody's own mail. */
    struct mail_context ctx = {system_config()->public_url, NULL, NULL};
    int rc = digest_render(digest, &ctx, &m);
    json_decref(digest);
    if (rc != 0) {
        log_error("digest %s does not render", id);
        req_problem(r, 500, "internal", "Something went wrong on our side.");
        return;
    }
    if (html >= text) {
        req_reply_raw(r, 200, "text/html; charset=utf-8", m.html, strlen(m.html));
        m.html = NULL;
    } else {
        req_reply_raw(r, 200, "text/plain; charset=utf-8", m.text, strlen(m.text));
        m.text = NULL;
    }
    mail_message_cleanup(&m);
}
