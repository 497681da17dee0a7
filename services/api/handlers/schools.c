/* /v1/schools: member schools. A school's chain is its partnership's hub, its partnership and
 * itself. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "resource.h"

/* Columns of a single school: json, version, hub_id, partnership_id, school_id, person_id. */
#define SCHOOL_ROW                                                                                 \
    "SELECT school_json(s)::text, s.version, p.hub_id, s.partnership_id, s.id, NULL::uuid "        \
    "FROM schools s LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE s.id = $1"

const struct db_stmt school_statements[] = {
    {"school_get", SCHOOL_ROW},
    {"school_lock", SCHOOL_ROW " FOR UPDATE OF s"},
    {"school_list",
     "SELECT school_json(s)::text, spp_micros(s.created_at), s.id "
     "FROM schools s LEFT JOIN partnerships p ON p.id = s.partnership_id "
     "WHERE ($1::uuid IS NULL OR p.hub_id = $1) AND ($2::uuid IS NULL OR s.partnership_id = $2) "
     "AND ($3::uuid IS NULL OR s.id = $3) AND $4::uuid IS NULL "
     "AND ($5::uuid IS NULL OR s.partnership_id = $5) AND ($6::uuid IS NULL OR p.hub_id = $6) "
     "AND ($7::text IS NULL OR strpos(lower(s.name), lower($7)) > 0) "
     "AND ($8::bigint IS NULL OR (s.created_at, s.id) > (spp_from_micros($8), $9::uuid)) "
     "ORDER BY s.created_at, s.id LIMIT $10"},
    {"school_insert",
     "INSERT INTO schools (urn, name, phase_of_education, local_authority, postcode, "
     "partnership_id, lead_contact_id) VALUES ($1, $2, $3, $4, $5, $6, $7) "
     "RETURNING school_json(schools)::text, version, id"},
    {"school_update",
     "UPDATE schools SET urn = $2, name = $3, phase_of_education = $4, local_authority = $5, "
     "postcode = $6, partnership_id = $7, lead_contact_id = $8, version = version + 1, "
     "updated_at = clock_timestamp() WHERE id = $1 RETURNING school_json(schools)::text, version"},
    {"school_delete", "DELETE FROM schools WHERE id = $1"},
    {NULL, NULL},
};

static const char *const school_phases[] = {"nursery",     "primary", "secondary",
                                            "all_through", "special", "alternative_provision",
                                            "post_16",     NULL};

/* The writable fields in the order of school_insert's parameters. */
static const struct vfield school_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"urn", V_URN, V_REQUIRED, 0, NULL, 0, 0},
    {"name", V_NAME, V_REQUIRED, 0, NULL, 0, 0},
    {"phase_of_education", V_ENUM, V_REQUIRED, 0, school_phases, 0, 0},
    {"local_authority", V_NAME, V_REQUIRED, 0, NULL, 0, 0},
    {"postcode", V_NAME, 0, 16, NULL, 0, 0},
    {"partnership_id", V_UUID, 0, 0, NULL, 0, 0},
    {"lead_contact_id", V_UUID, 0, 0, NULL, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield school_filters[] = {
    {"partnership_id", V_UUID, 0, 0, NULL, 0, 0},
    {"hub_id", V_UUID, 0, 0, NULL, 0, 0},
    {"q", V_NAME, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void schools_list(struct req *r)
{
    if (req_check_query(r, school_filters, 1) != 0)
        return;
    struct page pg;
    req_page(r, &pg);
    const char *scope[4];
    scope_list_filter(&r->principal, scope);
    const char *p[] = {scope[0],
                       scope[1],
                       scope[2],
                       scope[3],
                       req_query_get(r, "partnership_id"),
                       req_query_get(r, "hub_id"),
                       req_query_get(r, "q"),
                       pg.cursor_micros,
                       pg.cursor_id,
                       pg.limit_plus_one};
    PGresult *res = req_db(r, "school_list", 10, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

/* The lead contact must be a person of this school. */
static int school_check_lead(struct req *r, const char *school_id, const json_t *obj,
                             json_t *errors)
{
    const json_t *lead = json_object_get(obj, "lead_contact_id");
    if (!json_is_string(lead))
        return 0;
    struct scope_owner o;
    int found = resource_chain(r, SCOPE_PERSON, json_string_value(lead), &o);
    if (found < 0)
        return -1;
    if (!found || !school_id || strcmp(o.school_id, school_id) != 0)
        validate_add(errors, "/lead_contact_id", "not_member", "must be a person of this school");
    return 0;
}

void schools_create(struct req *r)
{
    if (resource_role_may(r, SCOPE_SCHOOL, SCOPE_CREATE) != 0)
        return;
    if (req_check_body(r, school_fields, VALIDATE_CREATE) != 0)
        return;
    json_t *errors = json_array();
    struct scope_owner o;
    if (resource_ref(r, r->json, "partnership_id", SCOPE_PARTNERSHIP, &o, errors) != 0 ||
        school_check_lead(r, NULL, r->json, errors) != 0) {
        json_decref(errors);
        return;
    }
    if (resource_errors(r, errors) != 0)
        return;
    if (req_allow(r, SCOPE_SCHOOL, SCOPE_CREATE, &o) != 0)
        return;
    const char *p[8];
    int n = resource_params(r, school_fields, r->json, p, sizeof p / sizeof *p);
    if (n < 0)
        return;
    PGresult *res = req_db(r, "school_insert", n, p);
    if (!res)
        return;
    resource_created(r, res);
}

/* Loads the school (locked when lock is set) and checks op; answers and returns NULL when it
 * may not go on. */
static PGresult *school_load(struct req *r, int lock, enum scope_op op)
{
    return resource_load(r, lock ? "school_lock" : "school_get", SCOPE_SCHOOL, op);
}

void schools_get(struct req *r)
{
    PGresult *res = school_load(r, 0, SCOPE_READ);
    if (res)
        resource_reply(r, 200, res, 0);
}

/* Checks what a PATCH changes. Moving a school to another partnership takes the rights to
 * remove it from where it is and to create it where it lands; a new lead contact must be one
 * of its people. Unchanged references are not checked again (a school key cannot see its
 * partnership, yet may send back what it read). Returns -1 after answering. */
static int school_check_patch(struct req *r, const PGresult *cur, const json_t *merged)
{
    int moving = resource_changes(PQgetvalue(cur, 0, 0), r->json, "partnership_id");
    int new_lead = resource_changes(PQgetvalue(cur, 0, 0), r->json, "lead_contact_id");
    struct scope_owner from, to;
    memset(&to, 0, sizeof to);
    req_owner_from_row(cur, 0, 2, &from);
    if (moving && req_allow(r, SCOPE_SCHOOL, SCOPE_DELETE, &from) != 0)
        return -1;
    json_t *errors = json_array();
    int rc = moving ? resource_ref(r, merged, "partnership_id", SCOPE_PARTNERSHIP, &to, errors) : 0;
    if (rc == 0 && new_lead)
        rc = school_check_lead(r, req_param(r, "id"), merged, errors);
    if (rc != 0) {
        json_decref(errors);
        return -1;
    }
    if (resource_errors(r, errors) != 0)
        return -1;
    snprintf(to.school_id, sizeof to.school_id, "%s", req_param(r, "id"));
    if (moving && req_allow(r, SCOPE_SCHOOL, SCOPE_CREATE, &to) != 0)
        return -1;
    return 0;
}

void schools_update(struct req *r)
{
    PGresult *cur = school_load(r, 1, SCOPE_UPDATE);
    if (!cur || req_if_match(r, PQgetvalue(cur, 0, 1)) != 0)
        return;
    if (req_check_body(r, school_fields, VALIDATE_PATCH) != 0)
        return;
    json_t *merged = resource_merge(PQgetvalue(cur, 0, 0), r->json);
    if (school_check_patch(r, cur, merged) != 0) {
        json_decref(merged);
        return;
    }
    const char *p[9];
    p[0] = req_param(r, "id");
    int nparams = resource_params(r, school_fields, merged, p + 1, sizeof p / sizeof *p - 1);
    json_decref(merged); /* the parameters are copies in the arena */
    if (nparams < 0)
        return;
    PGresult *res = req_db(r, "school_update", 8, p);
    if (res)
        resource_reply(r, 200, res, 0);
}

void schools_delete(struct req *r)
{
    PGresult *cur = school_load(r, 1, SCOPE_DELETE);
    if (!cur || req_if_match(r, PQgetvalue(cur, 0, 1)) != 0)
        return;
    const char *p[] = {req_param(r, "id")};
    if (req_db(r, "school_delete", 1, p))
        req_reply_empty(r, 204);
}
