/* /v1/hubs: SPP Hubs. A hub is the top of every chain: its own chain is just itself. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "resource.h"

/* Columns of a single hub: json, version, hub_id, partnership_id, school_id, person_id. */
#define HUB_ROW                                                                                    \
    "SELECT hub_json(h)::text, h.version, h.id, NULL::uuid, NULL::uuid, NULL::uuid "               \
    "FROM hubs h WHERE h.id = $1"

const struct db_stmt hub_statements[] = {
    {"hub_get", HUB_ROW},
    {"hub_lock", HUB_ROW " FOR UPDATE"},
    /* Only hub keys (and admin) see hubs: keys bound lower down see none. */
    {"hub_list",
     "SELECT hub_json(h)::text, spp_micros(h.created_at), h.id FROM hubs h "
     "WHERE ($1::uuid IS NULL OR h.id = $1) AND $2::uuid IS NULL AND $3::uuid IS NULL "
     "AND $4::uuid IS NULL "
     "AND ($5::text IS NULL OR strpos(lower(h.name), lower($5)) > 0) "
     "AND ($6::bigint IS NULL OR (h.created_at, h.id) > (spp_from_micros($6), $7::uuid)) "
     "ORDER BY h.created_at, h.id LIMIT $8"},
    {"hub_insert", "INSERT INTO hubs (name, region, contact_email) VALUES ($1, $2, $3) "
                   "RETURNING hub_json(hubs)::text, version, id"},
    {"hub_update",
     "UPDATE hubs SET name = $2, region = $3, contact_email = $4, version = version + 1, "
     "updated_at = clock_timestamp() WHERE id = $1 RETURNING hub_json(hubs)::text, version"},
    {"hub_delete", "DELETE FROM hubs WHERE id = $1"},
    {NULL, NULL},
};

/* The writable fields in the order of hub_insert's parameters. */
static const struct vfield hub_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"name", V_NAME, V_REQUIRED, 0, NULL, 0, 0},
    {"region", V_NAME, V_REQUIRED, 0, NULL, 0, 0},
    {"contact_email", V_EMAIL, 0, 0, NULL, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield hub_filters[] = {
    {"q", V_NAME, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void hubs_list(struct req *r)
{
    if (req_check_query(r, hub_filters, 1) != 0)
        return;
    struct page pg;
    req_page(r, &pg);
    const char *scope[4];
    scope_list_filter(&r->principal, scope);
    const char *p[] = {
        scope[0],         scope[1],     scope[2],         scope[3], req_query_get(r, "q"),
        pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, "hub_list", 8, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

void hubs_create(struct req *r)
{
    if (req_check_body(r, hub_fields, VALIDATE_CREATE) != 0)
        return;
    /* A new hub has no owners above it: only admin may make one. */
    struct scope_owner o;
    memset(&o, 0, sizeof o);
    if (req_allow(r, SCOPE_HUB, SCOPE_CREATE, &o) != 0)
        return;
    const char *p[3];
    int n = resource_params(r, hub_fields, r->json, p, sizeof p / sizeof *p);
    if (n < 0)
        return;
    PGresult *res = req_db(r, "hub_insert", n, p);
    if (!res)
        return;
    resource_created(r, res);
}

/* Loads the hub (locked when lock is set) and checks op; answers and returns NULL when it may
 * not go on. */
static PGresult *hub_load(struct req *r, int lock, enum scope_op op)
{
    return resource_load(r, lock ? "hub_lock" : "hub_get", SCOPE_HUB, op);
}

void hubs_get(struct req *r)
{
    PGresult *res = hub_load(r, 0, SCOPE_READ);
    if (res)
        resource_reply(r, 200, res, 0);
}

void hubs_update(struct req *r)
{
    PGresult *cur = hub_load(r, 1, SCOPE_UPDATE);
    if (!cur || req_if_match(r, PQgetvalue(cur, 0, 1)) != 0)
        return;
    if (req_check_body(r, hub_fields, VALIDATE_PATCH) != 0)
        return;
    json_t *merged = resource_merge(PQgetvalue(cur, 0, 0), r->json);
    const char *p[4];
    p[0] = req_param(r, "id");
    int nparams = resource_params(r, hub_fields, merged, p + 1, sizeof p / sizeof *p - 1);
    json_decref(merged); /* the parameters are copies in the arena */
    if (nparams < 0)
        return;
    PGresult *res = req_db(r, "hub_update", 4, p);
    if (res)
        resource_reply(r, 200, res, 0);
}

/* A hub that still has partnerships (or live keys) is refused by the foreign keys: 409. */
void hubs_delete(struct req *r)
{
    PGresult *cur = hub_load(r, 1, SCOPE_DELETE);
    if (!cur || req_if_match(r, PQgetvalue(cur, 0, 1)) != 0)
        return;
    const char *p[] = {req_param(r, "id")};
    if (req_db(r, "hub_delete", 1, p))
        req_reply_empty(r, 204);
}

/* GET /v1/hubs/{id}/summary: the partnership summary of every partnership of the hub, ordered
 * by name, and the hub's totals, from one statement (partnership_hub_summary, which lives next
 * to the partnership summary so that the two keep the same figures). Readable by whoever reads
 * the hub. */
void hubs_summary(struct req *r)
{
    if (!hub_load(r, 0, SCOPE_READ))
        return;
    const char *p[] = {req_param(r, "id")};
    PGresult *res = req_db(r, "partnership_hub_summary", 1, p);
    if (res)
        req_reply_text(r, 200, PQgetvalue(res, 0, 0));
}
