/* /v1/api-keys (admin only): bearer credentials. The token is returned once, by the POST that
 * creates it; only its SHA-256 is stored. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "list.h"
#include "resource.h"
#include "token.h"

/* The columns of api_key_json_fields (below) from api_keys k: a GET, a create's answer and a
 * list's items are written in C from them. */
#define API_KEY_COLS                                                                               \
    "k.id, k.name, k.role, k.scope_id, k.prefix, spp_micros(k.created_at) AS micros, "             \
    "spp_micros(k.revoked_at) AS revoked_at"

const struct db_stmt api_keys_statements[] = {
    [API_KEY_GET] = {"api_key_get", "SELECT " API_KEY_COLS " FROM api_keys k WHERE k.id = $id"},
    /* Of $hub_id, $partnership_id, $school_id and $person_id, the one the role binds to is set
     * (none for admin). */
    [API_KEY_INSERT] =
        {"api_key_insert",
         "INSERT INTO api_keys AS k (name, role, hub_id, partnership_id, school_id, person_id, "
         "prefix, "
         "token_hash) VALUES ($name, $role, $hub_id, $partnership_id, $school_id, $person_id, "
         "$prefix, $token_hash) RETURNING " API_KEY_COLS},
    [API_KEY_REVOKE] = {"api_key_revoke",
                        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, clock_timestamp()) "
                        "WHERE id = $id RETURNING id"},
    {NULL, NULL},
};

static const char *const api_key_roles[] = {"admin",  "hub",    "partnership",
                                            "school", "person", NULL};

static const struct vfield api_key_fields[] = {
    {"name", V_NAME, V_REQUIRED, 0, NULL, 0, 0},
    {"role", V_ENUM, V_REQUIRED, 0, api_key_roles, 0, 0},
    {"scope_id", V_UUID, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield api_key_filters[] = {
    {"role", V_ENUM, 0, 0, api_key_roles, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const char *const api_key_list_filters[] = {
    "k.role = $role",
    NULL,
};

static struct list_variants api_key_list_variants;

/* Admin keys only (api_key_admin_only refuses the others first). */
/* api_key_json (sql/0001_foundation.sql) written in C: the same members in the same order, from
 * API_KEY_COLS. */
static const struct rowjson_field api_key_json_fields[] = {
    {"id", ROWJSON_STRING, NULL},       {"name", ROWJSON_STRING, NULL},
    {"role", ROWJSON_STRING, NULL},     {"scope_id", ROWJSON_STRING, NULL},
    {"prefix", ROWJSON_STRING, NULL},   {"created_at", ROWJSON_TIME, "micros"},
    {"revoked_at", ROWJSON_TIME, NULL}, {NULL, ROWJSON_RAW, NULL},
};

static const struct list_desc api_key_list = {
    .name = "api_key_list",
    .select = "SELECT " API_KEY_COLS " FROM api_keys k",
    .fields = api_key_json_fields,
    .scope = {LIST_ALL, LIST_NONE, LIST_NONE, LIST_NONE, LIST_NONE},
    .query = api_key_filters,
    .filters = api_key_list_filters,
    .after = "(k.created_at, k.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY k.created_at, k.id LIMIT $limit",
    .variants = &api_key_list_variants,
};

/* Only admin keys reach anything here; everyone else is refused with 403. */
static int api_key_admin_only(struct req *r)
{
    struct scope_owner none;
    memset(&none, 0, sizeof none);
    return req_allow(r, SCOPE_API_KEY, SCOPE_READ, &none);
}

void api_keys_list(struct req *r)
{
    if (api_key_admin_only(r) == 0)
        list_page(r, &api_key_list);
}

/* scope_id when column is the one the key's role binds (bound), else NULL. */
static const char *api_key_bound(const char *bound, const char *column, const char *scope_id)
{
    return strcmp(bound, column) ? NULL : scope_id;
}

void api_keys_create(struct req *r)
{
    if (api_key_admin_only(r) != 0 || req_check_body(r, api_key_fields, VALIDATE_CREATE) != 0)
        return;
    enum scope_role role;
    scope_role_parse(json_string_value(json_object_get(r->json, "role")), &role);
    const json_t *scope = json_object_get(r->json, "scope_id");
    const char *scope_id = json_is_string(scope) ? json_string_value(scope) : NULL;
    if (role == ROLE_ADMIN && scope_id) {
        req_invalid_field(r, "/scope_id", "scope_not_allowed", "must be null for an admin key");
        return;
    }
    if (role != ROLE_ADMIN) {
        if (!scope_id) {
            req_invalid_field(r, "/scope_id", "required",
                              "is required: the hub, partnership, school or person the key is "
                              "bound to");
            return;
        }
        /* The roles after admin line up with the scope kinds hub..person. */
        struct scope_owner o;
        int found = resource_chain(r, (enum scope_kind)(role - ROLE_HUB), scope_id, &o);
        if (found < 0)
            return;
        if (!found) {
            char msg[96];
            snprintf(msg, sizeof msg, "names no %s", scope_role_names[role]);
            req_invalid_field(r, "/scope_id", "not_found", msg);
            return;
        }
    }
    char token[TOKEN_LEN + 1], prefix[TOKEN_PREFIX_LEN + 1], hash[TOKEN_HASH_HEX];
    if (token_generate(token, prefix) != 0) {
        req_problem(r, 500, "internal", "Something went wrong on our side.");
        return;
    }
    token_hash(token, strlen(token), hash);
    /* The roles after admin line up with the scope kinds hub..person: the column it binds. */
    static const char *const columns[] = {"hub_id", "partnership_id", "school_id", "person_id"};
    const char *bound = role == ROLE_ADMIN ? "" : columns[role - ROLE_HUB];
    PGresult *res =
        req_db(r, &api_keys_statements[API_KEY_INSERT],
               DB_ARGS({"name", json_string_value(json_object_get(r->json, "name"))},
                       {"role", scope_role_names[role]},
                       {"hub_id", api_key_bound(bound, "hub_id", scope_id)},
                       {"partnership_id", api_key_bound(bound, "partnership_id", scope_id)},
                       {"school_id", api_key_bound(bound, "school_id", scope_id)},
                       {"person_id", api_key_bound(bound, "person_id", scope_id)},
                       {"prefix", prefix}, {"token_hash", hash}));
    if (!res)
        return;
    const char *text = resource_json(r, res, 0, api_key_json_fields);
    if (!text)
        return;
    json_t *key = json_loads(text, 0, NULL);
    json_object_set_new(key, "token", json_string(token));
    req_header(r, "Location", arena_printf(&r->arena, "/v1/api-keys/%s", db_value(res, 0, "id")));
    req_reply_json(r, 201, key);
}

void api_keys_get(struct req *r)
{
    if (api_key_admin_only(r) != 0)
        return;
    PGresult *res = resource_row(r, &api_keys_statements[API_KEY_GET],
                                 DB_ARGS({"id", req_param(r, "id")}), "No such API key.");
    if (res)
        resource_reply(r, 200, res, 0, api_key_json_fields);
}

void api_keys_delete(struct req *r)
{
    if (api_key_admin_only(r) != 0)
        return;
    PGresult *res =
        req_db(r, &api_keys_statements[API_KEY_REVOKE], DB_ARGS({"id", req_param(r, "id")}));
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", "No such API key.");
        return;
    }
    req_reply_empty(r, 204);
}
