/* /v1/people/{id}/unavailability: dates a person cannot review or facilitate (DESIGN §1.2).
 * They belong to the person: the caller must see the person, and whoever manages the person's
 * details (the person itself included) may add and remove them. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "resource.h"

/* The list joins the person's chain so that the four scope parameters hold here as in every
 * other list, although the handler has checked the person already. */
const struct db_stmt unavailability_statements[] = {
    {"unavailability_list",
     "SELECT unavailability_json(u)::text, spp_micros(u.created_at), u.id FROM unavailability u "
     "JOIN people pe ON pe.id = u.person_id JOIN schools s ON s.id = pe.school_id "
     "LEFT JOIN partnerships p ON p.id = s.partnership_id "
     "WHERE ($1::uuid IS NULL OR p.hub_id = $1) AND ($2::uuid IS NULL OR s.partnership_id = $2) "
     "AND ($3::uuid IS NULL OR pe.school_id = $3) AND ($4::uuid IS NULL OR pe.id = $4) "
     "AND u.person_id = $5 "
     "AND ($6::bigint IS NULL OR (u.created_at, u.id) > (spp_from_micros($6), $7::uuid)) "
     "ORDER BY u.created_at, u.id LIMIT $8"},
    {"unavailability_insert",
     "INSERT INTO unavailability (person_id, from_on, to_on, reason) VALUES ($1, $2, $3, $4) "
     "RETURNING unavailability_json(unavailability)::text, id"},
    {"unavailability_get", "SELECT unavailability_json(u)::text FROM unavailability u "
                           "WHERE u.id = $1 AND u.person_id = $2"},
    {"unavailability_delete", "DELETE FROM unavailability WHERE id = $1 AND person_id = $2"},
    {NULL, NULL},
};

/* The writable fields in the order of unavailability_insert's parameters after person_id. An
 * unavailability is added or removed, never edited, so it has no version. */
static const struct vfield unavailability_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"person_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"from_on", V_DATE, V_REQUIRED, 0, NULL, 0, 0},
    {"to_on", V_DATE, V_REQUIRED, 0, NULL, 0, 0},
    {"reason", V_TEXT, 0, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield unavailability_filters[] = {
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void unavailability_list(struct req *r)
{
    if (req_check_query(r, unavailability_filters, 1) != 0 ||
        resource_person_detail(r, SCOPE_PERSON_DETAIL, SCOPE_READ) != 0)
        return;
    struct page pg;
    req_page(r, &pg);
    const char *scope[4];
    scope_list_filter(&r->principal, scope);
    const char *p[] = {scope[0],           scope[1],         scope[2],     scope[3],
                       req_param(r, "id"), pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, "unavailability_list", 8, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

void unavailability_create(struct req *r)
{
    if (resource_person_detail(r, SCOPE_PERSON_DETAIL, SCOPE_CREATE) != 0)
        return;
    if (req_check_body(r, unavailability_fields, VALIDATE_CREATE) != 0)
        return;
    /* Both are valid YYYY-MM-DD dates here, which compare as text in calendar order. */
    const char *from = json_string_value(json_object_get(r->json, "from_on"));
    const char *to = json_string_value(json_object_get(r->json, "to_on"));
    if (strcmp(from, to) > 0) {
        req_invalid_field(r, "/to_on", "dates_reversed", "must be on or after from_on");
        return;
    }
    const char *p[4];
    p[0] = req_param(r, "id");
    if (resource_params(r, unavailability_fields, r->json, p + 1, sizeof p / sizeof *p - 1) < 0)
        return;
    PGresult *res = req_db(r, "unavailability_insert", 4, p);
    if (!res)
        return;
    char *loc = arena_printf(&r->arena, "/v1/people/%s/unavailability/%s", req_param(r, "id"),
                             PQgetvalue(res, 0, 1));
    req_reply_created(r, loc, PQgetvalue(res, 0, 0), NULL);
}

/* GET of one period, so that the Location a create answers names something readable. */
void unavailability_get(struct req *r)
{
    resource_detail_get(r, SCOPE_PERSON_DETAIL, "unavailability_get", "unavailability_id");
}

void unavailability_delete(struct req *r)
{
    resource_detail_delete(r, SCOPE_PERSON_DETAIL, "unavailability_delete", "unavailability_id");
}
