/* /v1/people/{id}/conflicts: declared conflicts of interest between a person and a school
 * (DESIGN §1.2). Only people declare and clear them, never automation. They belong to the
 * person: the caller must see the person; whoever manages the person's details (the person
 * itself included) may declare one, but the person concerned never clears one (403): that is
 * for the keys above them (school, partnership, hub, admin; SCOPE_CONFLICT). */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "resource.h"

/* The list joins the person's chain so that the four scope parameters hold here as in every
 * other list, although the handler has checked the person already. */
const struct db_stmt conflict_statements[] = {
    {"conflict_list",
     "SELECT conflict_json(c)::text, spp_micros(c.created_at), c.id FROM conflicts c "
     "JOIN people pe ON pe.id = c.person_id JOIN schools s ON s.id = pe.school_id "
     "LEFT JOIN partnerships p ON p.id = s.partnership_id "
     "WHERE ($1::uuid IS NULL OR p.hub_id = $1) AND ($2::uuid IS NULL OR s.partnership_id = $2) "
     "AND ($3::uuid IS NULL OR pe.school_id = $3) AND ($4::uuid IS NULL OR pe.id = $4) "
     "AND c.person_id = $5 "
     "AND ($6::bigint IS NULL OR (c.created_at, c.id) > (spp_from_micros($6), $7::uuid)) "
     "ORDER BY c.created_at, c.id LIMIT $8"},
    /* Existence only: a conflict may name a school outside the caller's scope (a former
     * employer in another partnership), so visibility is not asked. */
    {"conflict_school_exists", "SELECT 1 FROM schools WHERE id = $1"},
    {"conflict_insert", "INSERT INTO conflicts (person_id, school_id, reason) VALUES ($1, $2, $3) "
                        "RETURNING conflict_json(conflicts)::text, id"},
    {"conflict_get", "SELECT conflict_json(c)::text FROM conflicts c "
                     "WHERE c.id = $1 AND c.person_id = $2"},
    {"conflict_delete", "DELETE FROM conflicts WHERE id = $1 AND person_id = $2"},
    {NULL, NULL},
};

/* The writable fields in the order of conflict_insert's parameters after person_id. A conflict
 * is declared or removed, never edited, so it has no version. */
static const struct vfield conflict_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"person_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"school_id", V_UUID, V_REQUIRED, 0, NULL, 0, 0},
    /* Required text: not blank, at most 10,000 characters. */
    {"reason", V_NAME, V_REQUIRED, VALIDATE_TEXT_MAX, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield conflict_filters[] = {
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void conflicts_list(struct req *r)
{
    if (req_check_query(r, conflict_filters, 1) != 0 ||
        resource_person_detail(r, SCOPE_CONFLICT, SCOPE_READ) != 0)
        return;
    struct page pg;
    req_page(r, &pg);
    const char *scope[4];
    scope_list_filter(&r->principal, scope);
    const char *p[] = {scope[0],           scope[1],         scope[2],     scope[3],
                       req_param(r, "id"), pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, "conflict_list", 8, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

void conflicts_create(struct req *r)
{
    if (resource_person_detail(r, SCOPE_CONFLICT, SCOPE_CREATE) != 0)
        return;
    if (req_check_body(r, conflict_fields, VALIDATE_CREATE) != 0)
        return;
    const char *school[] = {json_string_value(json_object_get(r->json, "school_id"))};
    PGresult *res = req_db(r, "conflict_school_exists", 1, school);
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        req_invalid_field(r, "/school_id", "not_found", "names no school");
        return;
    }
    /* A second declaration for the same school is refused by conflicts_person_school_key: 409. */
    const char *p[3];
    p[0] = req_param(r, "id");
    if (resource_params(r, conflict_fields, r->json, p + 1, sizeof p / sizeof *p - 1) < 0)
        return;
    res = req_db(r, "conflict_insert", 3, p);
    if (!res)
        return;
    char *loc = arena_printf(&r->arena, "/v1/people/%s/conflicts/%s", req_param(r, "id"),
                             PQgetvalue(res, 0, 1));
    req_reply_created(r, loc, PQgetvalue(res, 0, 0), NULL);
}

/* GET of one conflict, so that the Location a create answers names something readable. */
void conflicts_get(struct req *r)
{
    resource_detail_get(r, SCOPE_CONFLICT, "conflict_get", "conflict_id");
}

void conflicts_delete(struct req *r)
{
    resource_detail_delete(r, SCOPE_CONFLICT, "conflict_delete", "conflict_id");
}
