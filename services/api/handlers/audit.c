/* The access audit (DESIGN §1.4): who read or changed whose record. The rows are written by the
 * statements that read or change people (people.c, privacy.c), in the same statement or
 * transaction, through spp_audit (sql/0008); this file names the caller for them and answers
 * GET /v1/audit, admin keys only, newest first. */
#include "dispatch.h"
#include "handlers.h"
#include "router.h"

const struct db_stmt audit_statements[] = {
    /* $1 person, $2 actor, $3 from, $4 to (inclusive); the keyset runs backwards. */
    [AUDIT_LIST] =
        {"audit_list",
         "SELECT audit_json(a)::text, spp_micros(a.at), a.id FROM audit_log a "
         "WHERE ($1::uuid IS NULL OR a.person_ids @> ARRAY[$1::uuid]) "
         "AND ($2::text IS NULL OR a.actor = $2) AND ($3::timestamptz IS NULL OR a.at >= $3) "
         "AND ($4::timestamptz IS NULL OR a.at <= $4) "
         "AND ($5::bigint IS NULL OR (a.at, a.id) < (spp_from_micros($5), $6::uuid)) "
         "ORDER BY a.at DESC, a.id DESC LIMIT $7"},
    {NULL, NULL},
};

static const struct vfield audit_filters[] = {
    {"person_id", V_UUID, 0, 0, NULL, 0, 0}, {"actor", V_NAME, 0, 0, NULL, 0, 0},
    {"from", V_TIMESTAMP, 0, 0, NULL, 0, 0}, {"to", V_TIMESTAMP, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void audit_who(struct req *r, const char *who[3])
{
    who[0] = r->principal.key_id[0] ? r->principal.key_id : "bootstrap";
    who[1] = arena_printf(&r->arena, "%s %s", router_method_name(r->method), r->route->pattern);
    who[2] = dispatch_request_id(r);
}

void audit_list(struct req *r)
{
    if (r->principal.role != ROLE_ADMIN) {
        req_problem(r, 403, "forbidden", "Only admin keys read the access audit.");
        return;
    }
    if (req_check_query(r, audit_filters, 1) != 0)
        return;
    struct page pg;
    req_page(r, &pg);
    const char *p[] = {req_query_get(r, "person_id"),
                       req_query_get(r, "actor"),
                       req_query_get(r, "from"),
                       req_query_get(r, "to"),
                       pg.cursor_micros,
                       pg.cursor_id,
                       pg.limit_plus_one};
    PGresult *res = req_db(r, &audit_statements[AUDIT_LIST], 7, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}
