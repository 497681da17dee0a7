/* /v1/schools: member schools. A school's chain is its partnership's hub, its partnership and
 * itself. */
#include "handlers.h"
#include "plain.h"

/* The statements, by handle: the descriptor names them by these indexes. */
enum { SCHOOL_GET, SCHOOL_LOCK, SCHOOL_INSERT, SCHOOL_UPDATE, SCHOOL_DELETE, SCHOOL_STATEMENTS };

/* The columns of school_json_fields (below) from schools s: a GET, a create's and an update's
 * answer and a list's items are written in C from them. */
#define SCHOOL_COLS                                                                                \
    "s.id, s.urn, s.name, s.phase_of_education, s.local_authority, s.postcode, "                   \
    "s.partnership_id, s.lead_contact_id, s.version, spp_micros(s.created_at) AS micros, "         \
    "spp_micros(s.updated_at) AS updated_at"

/* A single school: its columns (version among them), then its owner chain. */
#define SCHOOL_ROW                                                                                 \
    "SELECT " SCHOOL_COLS ", p.hub_id, s.id AS school_id, NULL::uuid AS person_id "                \
    "FROM schools s LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE s.id = $id"

const struct db_stmt schools_statements[] = {
    [SCHOOL_GET] = {"school_get", SCHOOL_ROW},
    [SCHOOL_LOCK] = {"school_lock", SCHOOL_ROW " FOR UPDATE OF s"},
    [SCHOOL_INSERT] =
        {"school_insert",
         "INSERT INTO schools AS s (urn, name, phase_of_education, local_authority, postcode, "
         "partnership_id, lead_contact_id) VALUES ($urn, $name, $phase_of_education, "
         "$local_authority, $postcode, $partnership_id, $lead_contact_id) "
         "RETURNING " SCHOOL_COLS},
    [SCHOOL_UPDATE] =
        {"school_update",
         "UPDATE schools s SET urn = $urn, name = $name, phase_of_education = $phase_of_education, "
         "local_authority = $local_authority, postcode = $postcode, "
         "partnership_id = $partnership_id, lead_contact_id = $lead_contact_id, "
         "version = version + 1, updated_at = clock_timestamp() WHERE id = $id "
         "RETURNING " SCHOOL_COLS},
    [SCHOOL_DELETE] = {"school_delete", "DELETE FROM schools WHERE id = $id"},
    [SCHOOL_STATEMENTS] = {NULL, NULL},
};

static const char *const school_phases[] = {"nursery",     "primary", "secondary",
                                            "all_through", "special", "alternative_provision",
                                            "post_16",     NULL};

/* The writable fields are school_insert's and school_update's $<field> values. */
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

static const char *const school_list_filters[] = {
    "s.partnership_id = $partnership_id",
    "p.hub_id = $hub_id",
    "strpos(lower(s.name), lower($q)) > 0",
    NULL,
};

static struct list_variants school_list_variants;

/* school_json (sql/0001_foundation.sql) written in C: the same members in the same order, from
 * SCHOOL_COLS. */
static const struct rowjson_field school_json_fields[] = {
    {"id", ROWJSON_STRING, NULL},
    {"urn", ROWJSON_STRING, NULL},
    {"name", ROWJSON_STRING, NULL},
    {"phase_of_education", ROWJSON_STRING, NULL},
    {"local_authority", ROWJSON_STRING, NULL},
    {"postcode", ROWJSON_STRING, NULL},
    {"partnership_id", ROWJSON_STRING, NULL},
    {"lead_contact_id", ROWJSON_STRING, NULL},
    {"version", ROWJSON_RAW, NULL},
    {"created_at", ROWJSON_TIME, "micros"},
    {"updated_at", ROWJSON_TIME, NULL},
    {NULL, ROWJSON_RAW, NULL},
};

/* Person keys see no school. */
static const struct list_desc school_list = {
    .name = "school_list",
    .select = "SELECT " SCHOOL_COLS " FROM schools s "
              "LEFT JOIN partnerships p ON p.id = s.partnership_id",
    .fields = school_json_fields,
    .scope = {LIST_ALL, LIST_ON("p.hub_id"), LIST_ON("s.partnership_id"), LIST_ON("s.id"),
              LIST_NONE},
    .query = school_filters,
    .filters = school_list_filters,
    .after = "(s.created_at, s.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY s.created_at, s.id LIMIT $limit",
    .variants = &school_list_variants,
};

/* Only admin and keys able to create in a partnership make schools; a school moves between
 * partnerships with the rights to leave one and join the other; its lead contact is one of its
 * people. */
static const struct resource_desc school_resource = {
    .kind = SCOPE_SCHOOL,
    .fields = school_fields,
    .list = &school_list,
    .json = school_json_fields,
    .get = &schools_statements[SCHOOL_GET],
    .lock = &schools_statements[SCHOOL_LOCK],
    .insert = &schools_statements[SCHOOL_INSERT],
    .update = &schools_statements[SCHOOL_UPDATE],
    .remove = &schools_statements[SCHOOL_DELETE],
    .role_gate = 1,
    .parent_field = "partnership_id",
    .parent_kind = SCOPE_PARTNERSHIP,
    .member_field = "lead_contact_id",
    .member_detail = "must be a person of this school",
};

void schools_list(struct req *r)
{
    plain_list(r, &school_resource);
}

void schools_create(struct req *r)
{
    plain_create(r, &school_resource);
}

void schools_get(struct req *r)
{
    plain_get(r, &school_resource);
}

void schools_update(struct req *r)
{
    plain_update(r, &school_resource);
}

void schools_delete(struct req *r)
{
    plain_delete(r, &school_resource);
}
