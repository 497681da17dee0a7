/* /v1/reviews/{id}/actions: the action plan from the improvement workshop (DESIGN §1). The
 * champion's person key, the host school and admin write it (REVIEW_ACT_WORKSHOP), with the
 * review row locked (reviews_load). The guard into `implementing` wants every live action to
 * have an owner and a due date; until then both may be left open. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "resource.h"

/* Columns of a single action: json, version. */
#define ACTION_ROW                                                                                 \
    "SELECT action_json(a)::text, a.version FROM actions a WHERE a.id = $1 AND a.review_id = $2"

const struct db_stmt action_statements[] = {
    {"action_get", ACTION_ROW},
    {"action_lock", ACTION_ROW " FOR UPDATE OF a"},
    {"action_list",
     "SELECT action_json(a)::text, spp_micros(a.created_at), a.id FROM actions a "
     "WHERE a.review_id = $1 "
     "AND ($2::bigint IS NULL OR (a.created_at, a.id) > (spp_from_micros($2), $3::uuid)) "
     "ORDER BY a.created_at, a.id LIMIT $4"},
    {"action_insert", "INSERT INTO actions (review_id, description, owner_id, due_on, status) "
                      "VALUES ($1, $2, $3, $4, COALESCE($5, 'open')) "
                      "RETURNING action_json(actions)::text, version, id"},
    {"action_update",
     "UPDATE actions SET description = $3, owner_id = $4, due_on = $5, status = $6, "
     "version = version + 1, updated_at = clock_timestamp() WHERE id = $1 AND review_id = $2 "
     "RETURNING action_json(actions)::text, version"},
    {"action_delete", "DELETE FROM actions WHERE id = $1 AND review_id = $2"},
    {NULL, NULL},
};

static const char *const action_states[] = {"open", "in_progress", "done", "dropped", NULL};

/* The writable fields in the order of action_insert's parameters after review_id. */
static const struct vfield action_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"review_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    /* Required text: not blank, at most 10,000 characters. */
    {"description", V_NAME, V_REQUIRED, VALIDATE_TEXT_MAX, NULL, 0, 0},
    {"owner_id", V_UUID, 0, 0, NULL, 0, 0},
    {"due_on", V_DATE, 0, 0, NULL, 0, 0},
    {"status", V_ENUM, V_NOT_NULL, 0, action_states, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* An owner is a person at a school of the review's partnership (DESIGN §1): usually staff of
 * the host school, whom a champion's person key does not otherwise see. Anyone else answers
 * 422: "names no person you can see" when the caller does not see them either, exactly as for
 * an id that names nobody, so that no key learns whether an id is a person (or can have the
 * service email a stranger as "owner"). Returns 0, or -1 after answering. owner_id may be
 * NULL (left open). */
static int action_check_owner(struct req *r, const char *review_id, const char *owner_id)
{
    if (!owner_id)
        return 0;
    switch (reviews_person(r, review_id, owner_id)) {
    case REVIEW_PERSON_MEMBER:
        return 0;
    case REVIEW_PERSON_OUTSIDER:
        req_invalid_field(r, "/owner_id", "other_partnership",
                          "is not a person of the review's partnership");
        return -1;
    case REVIEW_PERSON_UNSEEN:
        req_invalid_field(r, "/owner_id", "not_found", "names no person you can see");
        return -1;
    default:
        return -1;
    }
}

void actions_list(struct req *r)
{
    if (req_check_query(r, NULL, 1) != 0 ||
        !reviews_load(r, req_param(r, "id"), 0, REVIEW_ACT_READ))
        return;
    struct page pg;
    req_page(r, &pg);
    const char *p[] = {req_param(r, "id"), pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, "action_list", 4, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

void actions_create(struct req *r)
{
    const char *review_id = req_param(r, "id");
    if (!reviews_load(r, review_id, 1, REVIEW_ACT_WORKSHOP) ||
        req_check_body(r, action_fields, VALIDATE_CREATE) != 0)
        return;
    const char *p[5];
    p[0] = review_id;
    if (resource_params(r, action_fields, r->json, p + 1, sizeof p / sizeof *p - 1) < 0)
        return;
    if (action_check_owner(r, review_id, p[2]) != 0)
        return;
    PGresult *res = req_db(r, "action_insert", 5, p);
    if (!res)
        return;
    resource_created(r, res);
}

void actions_get(struct req *r)
{
    reviews_item_get(r, "action_get");
}

void actions_update(struct req *r)
{
    const char *review_id = req_param(r, "id");
    PGresult *cur = reviews_item_for_change(r, REVIEW_ACT_WORKSHOP, "action_lock");
    if (!cur || req_check_body(r, action_fields, VALIDATE_PATCH) != 0)
        return;
    json_t *merged = resource_merge(PQgetvalue(cur, 0, 0), r->json);
    const char *p[6];
    p[0] = req_param(r, "item_id");
    p[1] = review_id;
    int nparams = resource_params(r, action_fields, merged, p + 2, sizeof p / sizeof *p - 2);
    json_decref(merged); /* the parameters are copies in the arena */
    if (nparams < 0)
        return;
    if (resource_changes(PQgetvalue(cur, 0, 0), r->json, "owner_id") &&
        action_check_owner(r, review_id, p[3]) != 0)
        return;
    PGresult *res = req_db(r, "action_update", 6, p);
    if (res)
        resource_reply(r, 200, res, 0);
}

void actions_delete(struct req *r)
{
    reviews_item_delete(r, REVIEW_ACT_WORKSHOP, "action_lock", "action_delete");
}
