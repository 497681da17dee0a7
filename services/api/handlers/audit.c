/* The access audit (DESIGN §1.4): who read or changed whose record. The rows are written by the
 * statements that read or change people (people.c, privacy.c), in the same statement or
 * transaction, through spp_audit (sql/0008); this file names the caller for them and answers
 * GET /v1/audit, admin keys only, newest first. */
#include "handlers.h"
#include "list.h"

/* The list is a list_desc (list.h); nothing else here runs SQL. */
const struct db_stmt audit_statements[] = {
    {NULL, NULL},
};

static const struct vfield audit_filters[] = {
    {"person_id", V_UUID, 0, 0, NULL, 0, 0}, {"actor", V_NAME, 0, 0, NULL, 0, 0},
    {"from", V_TIMESTAMP, 0, 0, NULL, 0, 0}, {"to", V_TIMESTAMP, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* from and to are inclusive. */
static const char *const audit_list_filters[] = {
    "a.person_ids @> ARRAY[$person_id::uuid]",
    "a.actor = $actor",
    "a.at >= $from::timestamptz",
    "a.at <= $to::timestamptz",
    NULL,
};

static struct list_variants audit_list_variants;

/* Admin keys only (audit_list refuses the others first); the keyset runs backwards. */
static const struct list_desc audit_list_desc = {
    .name = "audit_list",
    .select = "SELECT audit_json(a)::text AS json, spp_micros(a.at) AS micros, a.id "
              "FROM audit_log a",
    .scope = {LIST_ALL, LIST_NONE, LIST_NONE, LIST_NONE, LIST_NONE},
    .query = audit_filters,
    .filters = audit_list_filters,
    .after = "(a.at, a.id) < (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY a.at DESC, a.id DESC LIMIT $limit",
    .variants = &audit_list_variants,
};

void audit_list(struct req *r)
{
    if (r->principal.role != ROLE_ADMIN) {
        req_problem(r, 403, "forbidden", "Only admin keys read the access audit.");
        return;
    }
    list_page(r, &audit_list_desc);
}
