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

/* The name of the parent's id in the statements: $review_id or $person_id. */
static const char *subcollection_parent(const struct subcollection *s)
{
    return s->owner == SUBCOLLECTION_OF_REVIEW ? "review_id" : "person_id";
}

/* The version of row 0 of res, or NULL for an item that has none (never edited: its statements
 * return no such column). Borrowed from res. */
static const char *subcollection_version(const PGresult *res)
{
    return PQfnumber(res, "version") < 0 ? NULL : db_value_or_null(res, 0, "version");
}

/* Answers 200 with one item: its JSON text, and its ETag when it has a version. */
static void subcollection_reply(struct req *r, const PGresult *res)
{
    const char *version = subcollection_version(res);
    if (version)
        req_etag(r, version);
    req_reply_text(r, 200, db_value(res, 0, "json"));
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

/* Runs stmt with $id the path's item and the parent the path's {id}; 404 when the parent has
 * no such item. Returns the result or NULL after answering. */
static PGresult *subcollection_item(struct req *r, const struct subcollection *s,
                                    const struct db_stmt *stmt)
{
    PGresult *res = req_db(r, stmt,
                           DB_ARGS({"id", req_param(r, s->item_param)},
                                   {subcollection_parent(s), req_param(r, "id")}));
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
    if (!cur || req_if_match(r, subcollection_version(cur)) != 0)
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

/* Sets w's values: the parent, the item ($id) on a PATCH, then the writable fields from
 * w->item (w->args, for the check); runs the check, then stmt. Returns its result or NULL
 * after answering. */
static PGresult *subcollection_store(struct req *r, struct subcollection_write *w,
                                     const struct db_stmt *stmt)
{
    const struct subcollection *s = w->s;
    size_t room = resource_writable(s->fields);
    struct db_arg *all = arena_alloc(&r->arena, (2 + room) * sizeof *all);
    int nids = 0;
    all[nids++] = (struct db_arg){subcollection_parent(s), w->parent_id};
    if (w->item_id)
        all[nids++] = (struct db_arg){"id", w->item_id};
    w->args = all + nids;
    w->nargs = resource_args(r, s->fields, w->item, w->args, room);
    if (w->nargs < 0)
        return NULL;
    if (s->check && s->check(r, w) != 0)
        return NULL;
    return req_db(r, stmt, nids + w->nargs, all);
}

void subcollection_create(struct req *r, const struct subcollection *s)
{
    if (subcollection_allow(r, s, SCOPE_CREATE) != 0 ||
        req_check_body(r, s->fields, VALIDATE_CREATE) != 0)
        return;
    struct subcollection_write w = {s, req_param(r, "id"), NULL, NULL, r->json, NULL, 0};
    PGresult *res = subcollection_store(r, &w, s->insert);
    if (!res)
        return;
    char *loc = arena_printf(&r->arena, "%s/%s", r->path, db_value(res, 0, "id"));
    req_reply_created(r, loc, db_value(res, 0, "json"), subcollection_version(res));
}

/* PATCH: an RFC 7396 merge patch onto the item, which is then written whole. */
void subcollection_update(struct req *r, const struct subcollection *s)
{
    if (subcollection_allow(r, s, SCOPE_UPDATE) != 0)
        return;
    PGresult *cur = subcollection_locked(r, s);
    if (!cur || req_check_body(r, s->fields, VALIDATE_PATCH) != 0)
        return;
    const char *current = db_value(cur, 0, "json");
    json_t *merged = resource_merge(current, r->json);
    struct subcollection_write w = {
        s, req_param(r, "id"), req_param(r, s->item_param), current, merged, NULL, 0};
    PGresult *res = subcollection_store(r, &w, s->update);
    json_decref(merged); /* the values are copies in the arena */
    if (res)
        subcollection_reply(r, res);
}

void subcollection_delete(struct req *r, const struct subcollection *s)
{
    if (subcollection_allow(r, s, SCOPE_DELETE) != 0)
        return;
    if (s->lock && !subcollection_locked(r, s))
        return;
    const char *parent_id = req_param(r, "id"), *item_id = req_param(r, s->item_param);
    if (s->before_delete && s->before_delete(r, parent_id, item_id) != 0)
        return;
    PGresult *res =
        req_db(r, s->remove, DB_ARGS({"id", item_id}, {subcollection_parent(s), parent_id}));
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
    for (int i = 0; i < w->nargs; i++)
        if (!strcmp(w->args[i].name, field))
            return &w->args[i].value;
    log_error("subcollection_param: %s is no writable field", field);
    abort();
}

int subcollection_changes(const struct req *r, const struct subcollection_write *w,
                          const char *field)
{
    return !w->current || resource_changes(w->current, r->json, field);
}
