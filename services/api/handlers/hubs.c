/* /v1/hubs: SPP Hubs. A hub is the top of every chain: its own chain is just itself. */
#include "handlers.h"
#include "plain.h"

/* The statements, by handle: the descriptor names them by these indexes. */
enum { HUB_GET, HUB_LOCK, HUB_INSERT, HUB_UPDATE, HUB_DELETE, HUB_STATEMENTS };

/* The columns of hub_json_fields (below) from hubs h: a GET, a create's and an update's answer
 * and a list's items are written in C from them. */
#define HUB_COLS                                                                                   \
    "h.id, h.name, h.region, h.contact_email, h.version, spp_micros(h.created_at) AS micros, "     \
    "spp_micros(h.updated_at) AS updated_at"

/* A single hub: its columns (version among them), then its owner chain. */
#define HUB_ROW                                                                                    \
    "SELECT " HUB_COLS ", h.id AS hub_id, NULL::uuid AS partnership_id, "                          \
    "NULL::uuid AS school_id, NULL::uuid AS person_id FROM hubs h WHERE h.id = $id"

const struct db_stmt hubs_statements[] = {
    [HUB_GET] = {"hub_get", HUB_ROW},
    [HUB_LOCK] = {"hub_lock", HUB_ROW " FOR UPDATE"},
    [HUB_INSERT] = {"hub_insert", "INSERT INTO hubs AS h (name, region, contact_email) "
                                  "VALUES ($name, $region, $contact_email) RETURNING " HUB_COLS},
    [HUB_UPDATE] =
        {"hub_update",
         "UPDATE hubs h SET name = $name, region = $region, contact_email = $contact_email, "
         "version = version + 1, updated_at = clock_timestamp() WHERE id = $id "
         "RETURNING " HUB_COLS},
    [HUB_DELETE] = {"hub_delete", "DELETE FROM hubs WHERE id = $id"},
    [HUB_STATEMENTS] = {NULL, NULL},
};

/* The writable fields are hub_insert's and hub_update's $<field> values. */
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

static const char *const hub_list_filters[] = {
    "strpos(lower(h.name), lower($q)) > 0",
    NULL,
};

static struct list_variants hub_list_variants;

/* hub_json (sql/0001_foundation.sql) written in C: the same members in the same order, from
 * HUB_COLS. */
static const struct rowjson_field hub_json_fields[] = {
    {"id", ROWJSON_STRING, NULL},       {"name", ROWJSON_STRING, NULL},
    {"region", ROWJSON_STRING, NULL},   {"contact_email", ROWJSON_STRING, NULL},
    {"version", ROWJSON_RAW, NULL},     {"created_at", ROWJSON_TIME, "micros"},
    {"updated_at", ROWJSON_TIME, NULL}, {NULL, ROWJSON_RAW, NULL},
};

/* Only hub keys (and admin) see hubs: keys bound lower down see none. */
static const struct list_desc hub_list = {
    .name = "hub_list",
    .select = "SELECT " HUB_COLS " FROM hubs h",
    .fields = hub_json_fields,
    .scope = {LIST_ALL, LIST_ON("h.id"), LIST_NONE, LIST_NONE, LIST_NONE},
    .query = hub_filters,
    .filters = hub_list_filters,
    .after = "(h.created_at, h.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY h.created_at, h.id LIMIT $limit",
    .variants = &hub_list_variants,
};

/* A hub is the top of every chain: nothing above it, so only admin creates one (with an empty
 * chain, after the body is read), and it never moves. */
static const struct resource_desc hub_resource = {
    .kind = SCOPE_HUB,
    .fields = hub_fields,
    .list = &hub_list,
    .json = hub_json_fields,
    .get = &hubs_statements[HUB_GET],
    .lock = &hubs_statements[HUB_LOCK],
    .insert = &hubs_statements[HUB_INSERT],
    .update = &hubs_statements[HUB_UPDATE],
    .remove = &hubs_statements[HUB_DELETE],
};

void hubs_list(struct req *r)
{
    plain_list(r, &hub_resource);
}

void hubs_create(struct req *r)
{
    plain_create(r, &hub_resource);
}

void hubs_get(struct req *r)
{
    plain_get(r, &hub_resource);
}

void hubs_update(struct req *r)
{
    plain_update(r, &hub_resource);
}

/* A hub that still has partnerships (or live keys) is refused by the foreign keys: 409. */
void hubs_delete(struct req *r)
{
    plain_delete(r, &hub_resource);
}

/* GET /v1/hubs/{id}/summary: the partnership summary of every partnership of the hub, ordered
 * by name, and the hub's totals, from one statement (partnership_hub_summary, which lives next
 * to the partnership summary so that the two keep the same figures). Readable by whoever reads
 * the hub. */
void hubs_summary(struct req *r)
{
    if (!plain_load(r, &hub_resource, 0, SCOPE_READ))
        return;
    PGresult *res = req_db(r, &partnerships_statements[PARTNERSHIP_HUB_SUMMARY],
                           DB_ARGS({"hub_id", req_param(r, "id")}));
    if (res)
        req_reply_text(r, 200, db_value(res, 0, "json"));
}
