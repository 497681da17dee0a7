/* One list / get / create / patch / delete for every plain resource (plain.h). The order of
 * the steps is the contract the tests hold: on a create, the role (403) when the descriptor
 * asks, the body (422), the references (422), then the caller's right to create where the
 * record lands (404/403); on a change, the record and the caller's scope (404/403), a
 * tombstone (409), If-Match (412), the body (422), then a move's rights and the references,
 * then what the resource adds (before_write), then the write. */
#include "plain.h"

#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "resource.h"

void plain_reply(struct req *r, const struct resource_desc *d, const PGresult *res)
{
    resource_reply(r, 200, res, 0, d->json);
}

/* The slot of o that names a record of kind. */
static char *plain_slot(struct scope_owner *o, enum scope_kind kind)
{
    switch (kind) {
    case SCOPE_HUB:
        return o->hub_id;
    case SCOPE_PARTNERSHIP:
        return o->partnership_id;
    case SCOPE_SCHOOL:
        return o->school_id;
    default:
        return o->person_id;
    }
}

/* The values of a write, by name, into *out: $id when id is set, obj's writable fields (none
 * when obj is NULL), and resource_audit_args's three when the resource is audited. Returns
 * their count, or -1 after answering. */
static int plain_args(struct req *r, const struct resource_desc *d, const char *id,
                      const json_t *obj, const struct db_arg **out)
{
    size_t room = obj ? resource_writable(d->fields) : 0;
    struct db_arg *a = arena_alloc(&r->arena, (1 + room + 3) * sizeof *a);
    int n = 0;
    if (id)
        a[n++] = (struct db_arg){"id", id};
    if (obj) {
        int nfields = resource_args(r, d->fields, obj, a + n, room);
        if (nfields < 0)
            return -1;
        n += nfields;
    }
    if (d->audited)
        n += resource_audit_args(r, a + n);
    *out = a;
    return n;
}

PGresult *plain_load(struct req *r, const struct resource_desc *d, int lock, enum scope_op op)
{
    PGresult *res = resource_fetch(r, lock ? d->lock : d->get);
    if (!res)
        return NULL;
    struct scope_owner o;
    req_owner_from_row(res, 0, &o);
    return req_allow(r, d->kind, op, &o) == 0 ? res : NULL;
}

void plain_list(struct req *r, const struct resource_desc *d)
{
    list_page(r, d->list);
}

void plain_get(struct req *r, const struct resource_desc *d)
{
    PGresult *res = plain_load(r, d, 0, SCOPE_READ);
    if (res)
        plain_reply(r, d, res);
}

/* The member field of obj, when set, must name a person within the record id (NULL on a
 * create: a new record has no people, so any is refused). Adds to errors; returns -1 only
 * after answering a database error. */
static int plain_check_member(struct req *r, const struct resource_desc *d, const char *id,
                              const json_t *obj, json_t *errors)
{
    const json_t *v = d->member_field ? json_object_get(obj, d->member_field) : NULL;
    if (!json_is_string(v))
        return 0;
    struct scope_owner o;
    int found = resource_chain(r, SCOPE_PERSON, json_string_value(v), &o);
    if (found < 0)
        return -1;
    if (!found || !id || strcmp(plain_slot(&o, d->kind), id) != 0)
        validate_add(errors, arena_printf(&r->arena, "/%s", d->member_field), "not_member", "%s",
                     d->member_detail);
    return 0;
}

/* The write of a create (cur NULL: the insert) or an update (cur the locked record: the update
 * of the path's {id}) from obj, which it takes (json_decref): before_write, then the statement
 * with COMMIT in its round trip. Returns its result, or NULL after answering. */
static PGresult *plain_write(struct req *r, const struct resource_desc *d, const PGresult *cur,
                             json_t *obj)
{
    const struct db_arg *a = NULL;
    int n = -1;
    if (!d->before_write || d->before_write(r, cur, obj) == 0)
        n = plain_args(r, d, cur ? req_param(r, "id") : NULL, obj, &a);
    json_decref(obj); /* the values are copies in the arena */
    if (n < 0)
        return NULL;
    return req_db_commit(r, cur ? d->update : d->insert, n, a);
}

void plain_create(struct req *r, const struct resource_desc *d)
{
    if (d->role_gate && resource_role_may(r, d->kind, SCOPE_CREATE) != 0)
        return;
    if (req_check_body(r, d->fields, VALIDATE_CREATE) != 0)
        return;
    json_t *errors = json_array();
    struct scope_owner o;
    memset(&o, 0, sizeof o); /* nothing above: only admin may create (a hub) */
    if ((d->parent_field &&
         resource_ref(r, r->json, d->parent_field, d->parent_kind, &o, errors) != 0) ||
        plain_check_member(r, d, NULL, r->json, errors) != 0) {
        json_decref(errors);
        return;
    }
    if (resource_errors(r, errors) != 0)
        return;
    /* A key creates only under its own scope (without the parent the chain is not its own). */
    if (req_allow(r, d->kind, SCOPE_CREATE, &o) != 0)
        return;
    /* A copy carries what before_write adds, leaving the body as the client sent it. */
    PGresult *res = plain_write(r, d, NULL, json_copy(r->json));
    if (res)
        resource_created(r, res, d->json);
}

/* Checks what a PATCH changes (an unchanged reference is not checked again, so a client may
 * send back what it read, e.g. a school key its partnership, which it cannot see). Moving
 * to another parent takes the rights to remove the record from where it is and to create it
 * where it lands; a new member must be within the record. Returns -1 after answering. */
static int plain_check_patch(struct req *r, const struct resource_desc *d, const PGresult *cur,
                             const char *current, const json_t *merged)
{
    int moving = d->parent_field && resource_changes(current, r->json, d->parent_field);
    int new_member = d->member_field && resource_changes(current, r->json, d->member_field);
    struct scope_owner from, to;
    memset(&to, 0, sizeof to);
    req_owner_from_row(cur, 0, &from);
    if (moving && req_allow(r, d->kind, SCOPE_DELETE, &from) != 0)
        return -1;
    json_t *errors = json_array();
    int rc = moving ? resource_ref(r, merged, d->parent_field, d->parent_kind, &to, errors) : 0;
    if (rc == 0 && new_member)
        rc = plain_check_member(r, d, req_param(r, "id"), merged, errors);
    if (rc != 0) {
        json_decref(errors);
        return -1;
    }
    if (resource_errors(r, errors) != 0)
        return -1;
    snprintf(plain_slot(&to, d->kind), sizeof to.hub_id, "%s", req_param(r, "id"));
    if (moving && req_allow(r, d->kind, SCOPE_CREATE, &to) != 0)
        return -1;
    return 0;
}

/* PATCH: an RFC 7396 merge patch onto the record, which is then written whole. */
void plain_update(struct req *r, const struct resource_desc *d)
{
    PGresult *cur = plain_load(r, d, 1, SCOPE_UPDATE);
    if (!cur)
        return;
    const char *frozen = d->frozen_column ? db_value(cur, 0, d->frozen_column) : NULL;
    if (frozen && frozen[0] == 't') {
        req_problem(r, 409, "conflict", d->frozen_detail);
        return;
    }
    if (req_if_match(r, db_value(cur, 0, "version")) != 0)
        return;
    if (req_check_body(r, d->fields, VALIDATE_PATCH) != 0)
        return;
    const char *current = resource_json(r, cur, 0, d->json);
    if (!current)
        return;
    json_t *merged = resource_merge(current, r->json);
    if (plain_check_patch(r, d, cur, current, merged) != 0) {
        json_decref(merged);
        return;
    }
    PGresult *res = plain_write(r, d, cur, merged);
    if (res)
        plain_reply(r, d, res);
}

/* A record that still has records below it (or live keys) is refused by the foreign keys:
 * 409. */
void plain_delete(struct req *r, const struct resource_desc *d)
{
    PGresult *cur = plain_load(r, d, 1, SCOPE_DELETE);
    if (!cur || req_if_match(r, db_value(cur, 0, "version")) != 0)
        return;
    const struct db_arg *a = NULL;
    int n = plain_args(r, d, req_param(r, "id"), NULL, &a);
    if (n >= 0 && req_db_commit(r, d->remove, n, a))
        req_reply_empty(r, 204);
}
