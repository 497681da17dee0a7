/* One list / get / create / update / delete for every sub-collection (subcollection.h). The
 * order of the steps is the contract the tests hold: the parent and the caller's scope first
 * (404/403, 409 for a review that no longer changes), then the item and If-Match (404, 412),
 * then the body (422), then the sub-collection's own check, then the write. */
#include "subcollection.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "log.h"
#include "resource.h"

PGresult *subcollection_db(struct req *r, const struct db_stmt *stmt, int n,
                           const char *const *params)
{
    return req_db(r, stmt, n, params);
}

/* The value of the column named name in row 0, or NULL when the result has no such column or
 * the value is SQL NULL. Borrowed from res. */
static const char *subcollection_col(const PGresult *res, const char *name)
{
    int col = PQfnumber(res, name);
    return col < 0 ? NULL : req_col(res, 0, col);
}

/* Answers 200 with one item: its JSON text, and its ETag when it has a version. */
static void subcollection_reply(struct req *r, const PGresult *res)
{
    const char *version = subcollection_col(res, "version");
    if (version)
        req_etag(r, version);
    req_reply_text(r, 200, subcollection_col(res, "json"));
}

/* Decides whether the caller may take op on the path's parent's items: the review (loaded, and
 * locked for any change) or the person. Returns 0, or -1 after answering. */
static int subcollection_allow(struct req *r, const struct subcollection *s, enum scope_op op)
{
    if (s->owner == SUBCOLLECTION_OF_PERSON)
        return resource_person_detail(r, s->kind, op) != 0 ||
                       (op == SCOPE_CREATE && resource_person_live(r, req_param(r, "id")) != 0)
                   ? -1
                   : 0;
    int change = op != SCOPE_READ;
    return reviews_load(r, req_param(r, "id"), change, change ? s->act : REVIEW_ACT_READ) ? 0 : -1;
}

/* Runs stmt with (the path's item, the path's parent); 404 when the parent has no such item.
 * Returns the result or NULL after answering. */
static PGresult *subcollection_item(struct req *r, const struct subcollection *s,
                                    const struct db_stmt *stmt)
{
    const char *p[] = {req_param(r, s->item_param), req_param(r, "id")};
    PGresult *res = subcollection_db(r, stmt, 2, p);
    if (res && PQntuples(res) == 0) {
        req_problem(r, 404, "not_found",
                    s->owner == SUBCOLLECTION_OF_REVIEW ? "No such item of this review."
                                                        : "No such item.");
        return NULL;
    }
    return res;
}

/* The item locked for a change, after If-Match against its version; NULL after answering. */
static PGresult *subcollection_locked(struct req *r, const struct subcollection *s)
{
    PGresult *cur = subcollection_item(r, s, s->lock);
    if (!cur || req_if_match(r, subcollection_col(cur, "version")) != 0)
        return NULL;
    return cur;
}

void subcollection_list(struct req *r, const struct subcollection *s)
{
    if (list_check(r, s->list) == 0 && subcollection_allow(r, s, SCOPE_READ) == 0)
        list_answer(r, s->list);
}

void subcollection_get(struct req *r, const struct subcollection *s)
{
    if (subcollection_allow(r, s, SCOPE_READ) != 0)
        return;
    PGresult *res = subcollection_item(r, s, s->get);
    if (res)
        subcollection_reply(r, res);
}

/* The number of writable fields of fields. */
static size_t subcollection_writable(const struct vfield *fields)
{
    size_t n = 0;
    for (const struct vfield *f = fields; f->name; f++)
        n += !(f->flags & V_READONLY);
    return n;
}

/* Sets the writable fields' parameters from item into w->params (nids ids before them in all,
 * already set), runs the check, then stmt. Returns its result or NULL after answering. */
static PGresult *subcollection_store(struct req *r, struct subcollection_write *w, const char **all,
                                     int nids, const struct db_stmt *stmt)
{
    const struct subcollection *s = w->s;
    size_t room = subcollection_writable(s->fields);
    if (resource_params(r, s->fields, w->item, w->params, room) < 0)
        return NULL;
    if (s->check && s->check(r, w) != 0)
        return NULL;
    return subcollection_db(r, stmt, nids + (int)room, all);
}

void subcollection_create(struct req *r, const struct subcollection *s)
{
    if (subcollection_allow(r, s, SCOPE_CREATE) != 0 ||
        req_check_body(r, s->fields, VALIDATE_CREATE) != 0)
        return;
    const char **all =
        arena_alloc(&r->arena, (1 + subcollection_writable(s->fields)) * sizeof *all);
    all[0] = req_param(r, "id");
    struct subcollection_write w = {s, all[0], NULL, NULL, r->json, all + 1};
    PGresult *res = subcollection_store(r, &w, all, 1, s->insert);
    if (!res)
        return;
    char *loc = arena_printf(&r->arena, "%s/%s", r->path, subcollection_col(res, "id"));
    req_reply_created(r, loc, subcollection_col(res, "json"), subcollection_col(res, "version"));
}

/* PATCH: an RFC 7396 merge patch onto the item, which is then written whole. */
void subcollection_update(struct req *r, const struct subcollection *s)
{
    if (subcollection_allow(r, s, SCOPE_UPDATE) != 0)
        return;
    PGresult *cur = subcollection_locked(r, s);
    if (!cur || req_check_body(r, s->fields, VALIDATE_PATCH) != 0)
        return;
    const char *current = subcollection_col(cur, "json");
    json_t *merged = resource_merge(current, r->json);
    const char **all =
        arena_alloc(&r->arena, (2 + subcollection_writable(s->fields)) * sizeof *all);
    all[0] = req_param(r, s->item_param);
    all[1] = req_param(r, "id");
    struct subcollection_write w = {s, all[1], all[0], current, merged, all + 2};
    PGresult *res = subcollection_store(r, &w, all, 2, s->update);
    json_decref(merged); /* the parameters are copies in the arena */
    if (res)
        subcollection_reply(r, res);
}

void subcollection_delete(struct req *r, const struct subcollection *s)
{
    if (subcollection_allow(r, s, SCOPE_DELETE) != 0)
        return;
    if (s->lock && !subcollection_locked(r, s))
        return;
    const char *p[] = {req_param(r, s->item_param), req_param(r, "id")};
    if (s->before_delete && s->before_delete(r, p[1], p[0]) != 0)
        return;
    PGresult *res = subcollection_db(r, s->remove, 2, p);
    if (!res)
        return;
    /* Only an item that was not loaded first can be missing here. */
    if (strcmp(PQcmdTuples(res), "0") == 0)
        req_problem(r, 404, "not_found", "No such item.");
    else
        req_reply_empty(r, 204);
}

const char **subcollection_param(struct subcollection_write *w, const char *field)
{
    size_t n = 0;
    for (const struct vfield *f = w->s->fields; f->name; f++) {
        if (f->flags & V_READONLY)
            continue;
        if (!strcmp(f->name, field))
            return &w->params[n];
        n++;
    }
    log_error("subcollection_param: %s is no writable field", field);
    abort();
}

int subcollection_changes(const struct req *r, const struct subcollection_write *w,
                          const char *field)
{
    return !w->current || resource_changes(w->current, r->json, field);
}
