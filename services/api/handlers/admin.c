/* /v1/admin: operations only admin keys run. POST /v1/admin/reminder-scan {"as_of"} runs the
 * reminder scan (DESIGN §4) for that instant now, as a job: the same instant asked twice is one
 * job (its dedupe key), and a scan is idempotent anyway (one notification per recipient, kind,
 * subject and due date). */

#include "handlers.h"
#include "jobs.h"

const struct db_stmt admin_statements[] = {
    /* The instant in the API's own spelling (RFC 3339 UTC, whole seconds), so that one instant
     * written two ways is one scan. */
    [ADMIN_INSTANT] = {"admin_instant", "SELECT spp_ts($as_of::timestamptz) AS as_of"},
    {NULL, NULL},
};

static const struct vfield admin_scan_fields[] = {
    {"as_of", V_TIMESTAMP, V_REQUIRED, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void admin_reminder_scan(struct req *r)
{
    if (r->principal.role != ROLE_ADMIN) {
        req_problem(r, 403, "forbidden", "Only admin keys run the reminder scan.");
        return;
    }
    if (req_check_body(r, admin_scan_fields, VALIDATE_CREATE) != 0)
        return;
    PGresult *res =
        req_db(r, &admin_statements[ADMIN_INSTANT],
               DB_ARGS({"as_of", json_string_value(json_object_get(r->json, "as_of"))}));
    if (!res)
        return;
    const char *as_of = db_value(res, 0, "as_of");
    char *payload = arena_printf(&r->arena, "{\"as_of\":\"%s\"}", as_of);
    char *key = arena_printf(&r->arena, "reminders.scan:manual:%s", as_of);
    struct jobs_new j = {"reminders.scan", payload, key, 0, 0, NULL};
    char id[37];
    if (req_enqueue(r, &j, id) == 0)
        req_reply_accepted(r, id);
}
