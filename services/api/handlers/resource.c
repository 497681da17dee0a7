#include "resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dispatch.h"
#include "log.h"
#include "router.h"

/* Each chain_ statement returns the owner chain (hub_id, partnership_id, school_id, person_id)
 * of record $id. */
const struct db_stmt resource_statements[] = {
    [PERSON_ERASED] = {"person_erased",
                       "SELECT 1 FROM people WHERE id = $id AND erased_at IS NOT NULL"},
    [CHAIN_HUB] = {"chain_hub",
                   "SELECT id AS hub_id, NULL::uuid AS partnership_id, NULL::uuid AS school_id, "
                   "NULL::uuid AS person_id FROM hubs WHERE id = $id"},
    [CHAIN_PARTNERSHIP] = {"chain_partnership",
                           "SELECT hub_id, id AS partnership_id, NULL::uuid AS school_id, "
                           "NULL::uuid AS person_id FROM partnerships WHERE id = $id"},
    [CHAIN_SCHOOL] = {"chain_school",
                      "SELECT p.hub_id, s.partnership_id, s.id AS school_id, "
                      "NULL::uuid AS person_id FROM schools s "
                      "LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE s.id = $id"},
    [CHAIN_PERSON] = {"chain_person",
                      "SELECT p.hub_id, s.partnership_id, s.id AS school_id, pe.id AS person_id "
                      "FROM people pe JOIN schools s ON s.id = pe.school_id "
                      "LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE pe.id = $id"},
    {NULL, NULL},
};

json_t *resource_merge(const char *current, const json_t *patch)
{
    json_t *obj = json_loads(current, 0, NULL);
    if (!obj)
        obj = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        if (json_is_null(v))
            json_object_set_new(obj, k, json_null());
        else
            json_object_set(obj, k, v);
    }
    return obj;
}

int resource_changes(const char *current, const json_t *patch, const char *field)
{
    const json_t *v = json_object_get(patch, field);
    if (!v)
        return 0;
    json_t *cur = json_loads(current, 0, NULL);
    int changed = !json_equal((json_t *)v, json_object_get(cur, field));
    json_decref(cur);
    return changed;
}

int resource_role_may(struct req *r, enum scope_kind kind, enum scope_op op)
{
    /* An owner chain naming the caller's own scope in every slot is one it sees: only the
     * role decides. */
    struct scope_owner any;
    char *slots[4] = {any.hub_id, any.partnership_id, any.school_id, any.person_id};
    for (int i = 0; i < 4; i++)
        snprintf(slots[i], 37, "%s", r->principal.scope_id);
    return req_allow(r, kind, op, &any);
}

/* The text of obj's member name as a statement parameter (resource_args), in the arena. */
static const char *resource_text(struct req *r, const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);
    if (json_is_string(v))
        return arena_strdup(&r->arena, json_string_value(v)); /* outlives obj */
    if (json_is_true(v))
        return "true";
    if (json_is_false(v))
        return "false";
    if (json_is_integer(v))
        return arena_printf(&r->arena, "%lld", (long long)json_integer_value(v));
    if (json_is_object(v) || json_is_array(v)) {
        char *dump = json_dumps(v, JSON_COMPACT);
        const char *text = arena_strdup(&r->arena, dump);
        free(dump);
        return text;
    }
    return NULL;
}

int resource_args(struct req *r, const struct vfield *fields, const json_t *obj,
                  struct db_arg *args, size_t room)
{
    int n = 0;
    for (const struct vfield *f = fields; f->name; f++) {
        if (f->flags & V_READONLY)
            continue;
        if ((size_t)n == room) {
            /* A field table longer than its statement's parameters: a bug, never input. */
            log_error("resource_args: more writable fields than the %zu parameters given", room);
            req_problem(r, 500, "internal", "Something went wrong on our side.");
            return -1;
        }
        args[n].name = f->name;
        args[n++].value = resource_text(r, obj, f->name);
    }
    return n;
}

size_t resource_writable(const struct vfield *fields)
{
    size_t n = 0;
    for (const struct vfield *f = fields; f->name; f++)
        n += !(f->flags & V_READONLY);
    return n;
}

int resource_chain(struct req *r, enum scope_kind kind, const char *id, struct scope_owner *o)
{
    static const struct db_stmt *const stmts[] = {
        [SCOPE_HUB] = &resource_statements[CHAIN_HUB],
        [SCOPE_PARTNERSHIP] = &resource_statements[CHAIN_PARTNERSHIP],
        [SCOPE_SCHOOL] = &resource_statements[CHAIN_SCHOOL],
        [SCOPE_PERSON] = &resource_statements[CHAIN_PERSON]};
    memset(o, 0, sizeof *o);
    if (kind > SCOPE_PERSON || !validate_uuid(id))
        return 0;
    PGresult *res = req_db(r, stmts[kind], DB_ARGS({"id", id}));
    if (!res)
        return -1;
    if (PQntuples(res) == 0)
        return 0;
    req_owner_from_row(res, 0, o);
    return scope_visible(&r->principal, o) ? 1 : 0;
}

int resource_ref(struct req *r, const json_t *body, const char *field, enum scope_kind kind,
                 struct scope_owner *o, json_t *errors)
{
    struct scope_owner tmp;
    if (!o)
        o = &tmp;
    memset(o, 0, sizeof *o);
    const json_t *v = json_object_get(body, field);
    if (!json_is_string(v))
        return 0;
    int found = resource_chain(r, kind, json_string_value(v), o);
    if (found < 0)
        return -1;
    if (!found) {
        static const char *const names[] = {"hub", "partnership", "school", "person"};
        char ptr[128];
        snprintf(ptr, sizeof ptr, "/%s", field);
        validate_add(errors, ptr, "not_found", "names no %s you can see",
                     names[kind <= SCOPE_PERSON ? kind : 0]);
    }
    return 0;
}

PGresult *resource_row(struct req *r, const struct db_stmt *stmt, int n, const struct db_arg *args,
                       const char *missing)
{
    PGresult *res = req_db(r, stmt, n, args);
    if (res && PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", missing);
        return NULL;
    }
    return res;
}

PGresult *resource_fetch(struct req *r, const struct db_stmt *stmt)
{
    return resource_row(r, stmt, DB_ARGS({"id", req_param(r, "id")}), "No such resource.");
}

PGresult *resource_load(struct req *r, const struct db_stmt *stmt, enum scope_kind kind,
                        enum scope_op op)
{
    PGresult *res = resource_fetch(r, stmt);
    if (!res)
        return NULL;
    struct scope_owner o;
    req_owner_from_row(res, 0, &o);
    return req_allow(r, kind, op, &o) == 0 ? res : NULL;
}

int resource_person(struct req *r, struct scope_owner *o)
{
    struct scope_owner tmp;
    int found = resource_chain(r, SCOPE_PERSON, req_param(r, "id"), o ? o : &tmp);
    if (found < 0)
        return -1;
    if (!found) {
        req_problem(r, 404, "not_found", "No such person.");
        return -1;
    }
    return 0;
}

int resource_person_detail(struct req *r, enum scope_kind kind, enum scope_op op)
{
    struct scope_owner o;
    return resource_person(r, &o) != 0 ? -1 : req_allow(r, kind, op, &o);
}

int resource_person_live(struct req *r, const char *person_id)
{
    PGresult *res = req_db(r, &resource_statements[PERSON_ERASED], DB_ARGS({"id", person_id}));
    if (!res)
        return -1;
    if (PQntuples(res) > 0) {
        req_problem(r, 409, "conflict",
                    "This person's record was erased: nothing new is recorded for them.");
        return -1;
    }
    return 0;
}

int resource_errors(struct req *r, json_t *errors)
{
    if (json_array_size(errors) == 0) {
        json_decref(errors);
        return 0;
    }
    req_problem_errors(r, 422, "validation_failed", "The request body is not valid.", errors);
    return -1;
}

const char *resource_json(struct req *r, const PGresult *res, int row,
                          const struct rowjson_field *fields)
{
    size_t len;
    char *body = req_row_json(r, res, row, fields, &len);
    if (!body)
        return NULL;
    char *text = arena_strndup(&r->arena, body, len);
    free(body);
    return text;
}

/* Answers status with row of res written as req_row_json, and the ETag of column version when
 * the result has one. */
static void resource_answer(struct req *r, int status, const PGresult *res, int row,
                            const struct rowjson_field *fields)
{
    size_t len;
    char *body = req_row_json(r, res, row, fields, &len);
    if (!body)
        return;
    int v = db_col_from(res, "version", 0);
    if (v >= 0)
        req_etag(r, PQgetvalue(res, row, v));
    req_reply_raw(r, status, "application/json; charset=utf-8", body, len);
}

void resource_created(struct req *r, const PGresult *res, const struct rowjson_field *fields)
{
    req_header(r, "Location", arena_printf(&r->arena, "%s/%s", r->path, db_value(res, 0, "id")));
    resource_answer(r, 201, res, 0, fields);
}

void resource_reply(struct req *r, int status, const PGresult *res, int row,
                    const struct rowjson_field *fields)
{
    resource_answer(r, status, res, row, fields);
}

int resource_partnership_work(struct req *r, const char *partnership_id, const char *forbidden)
{
    if (r->principal.role == ROLE_SCHOOL || r->principal.role == ROLE_PERSON) {
        req_problem(r, 403, "forbidden", forbidden);
        return -1;
    }
    struct scope_owner o;
    int seen = resource_chain(r, SCOPE_PARTNERSHIP, partnership_id, &o);
    if (seen == 0)
        req_problem(r, 404, "not_found", "No such partnership.");
    return seen == 1 ? 0 : -1;
}

void resource_audit_who(struct req *r, const char *who[3])
{
    who[0] = r->principal.key_id[0] ? r->principal.key_id : "bootstrap";
    who[1] = arena_printf(&r->arena, "%s %s", router_method_name(r->method), r->route->pattern);
    who[2] = dispatch_request_id(r);
}

int resource_audit_args(struct req *r, struct db_arg args[3])
{
    const char *who[3];
    resource_audit_who(r, who);
    static const char *const names[3] = {"actor", "route", "request_id"};
    for (int i = 0; i < 3; i++)
        args[i] = (struct db_arg){names[i], who[i]};
    return 3;
}
