/* /v1/reviews/{id}/actions: the action plan from the improvement workshop (DESIGN §1). The
 * champion's person key, the host school and admin write it (REVIEW_ACT_WORKSHOP), with the
 * review row locked (reviews_load). The guard into `implementing` wants every live action to
 * have an owner and a due date; until then both may be left open. */

#include "handlers.h"
#include "subcollection.h"

/* The statements, by handle: the descriptor names them by these indexes. */
enum { ACTION_GET, ACTION_LOCK, ACTION_INSERT, ACTION_UPDATE, ACTION_DELETE, ACTION_STATEMENTS };

#define ACTION_ROW                                                                                 \
    "SELECT action_json(a)::text AS json, a.version FROM actions a WHERE a.id = $id "              \
    "AND a.review_id = $review_id"

const struct db_stmt actions_statements[] = {
    [ACTION_GET] = {"action_get", ACTION_ROW},
    [ACTION_LOCK] = {"action_lock", ACTION_ROW " FOR UPDATE OF a"},
    [ACTION_INSERT] = {"action_insert",
                       "INSERT INTO actions (review_id, description, owner_id, due_on, status) "
                       "VALUES ($review_id, $description, $owner_id, $due_on, "
                       "COALESCE($status, 'open')) "
                       "RETURNING action_json(actions)::text AS json, version, id"},
    [ACTION_UPDATE] = {"action_update",
                       "UPDATE actions SET description = $description, owner_id = $owner_id, "
                       "due_on = $due_on, status = $status, version = version + 1, "
                       "updated_at = clock_timestamp() WHERE id = $id AND review_id = $review_id "
                       "RETURNING action_json(actions)::text AS json, version"},
    [ACTION_DELETE] = {"action_delete",
                       "DELETE FROM actions WHERE id = $id AND review_id = $review_id"},
    [ACTION_STATEMENTS] = {NULL, NULL},
};

static const char *const action_states[] = {"open", "in_progress", "done", "dropped", NULL};

/* The writable fields are the insert's and the update's $<field> values. */
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
 * service email a stranger as "owner"). Checked on a create and when a PATCH moves the owner;
 * the owner may be left open (NULL). Returns 0, or -1 after answering. */
static int action_check(struct req *r, struct subcollection_write *w)
{
    const char *owner_id = *subcollection_param(w, "owner_id");
    if (!owner_id || !subcollection_changes(r, w, "owner_id"))
        return 0;
    switch (review_facts_nameable(r, w->parent_id, owner_id)) {
    case REVIEW_FACTS_MEMBER:
        return 0;
    case REVIEW_FACTS_OUTSIDER:
        req_invalid_field(r, "/owner_id", "other_partnership",
                          "is not a person of the review's partnership");
        return -1;
    case REVIEW_FACTS_UNSEEN:
        req_invalid_field(r, "/owner_id", "not_found", "names no person you can see");
        return -1;
    default:
        return -1;
    }
}

static struct list_variants action_items_variants;

static const struct list_desc action_items =
    LIST_ITEMS("action_list", "action_json", "actions a", "a", "a.review_id", LIST_SCOPE_ANY,
               action_items_variants);

/* The champion's person key, the host school and admin write the plan. */
static const struct subcollection actions = {
    .owner = SUBCOLLECTION_OF_REVIEW,
    .act = REVIEW_ACT_WORKSHOP,
    .item_param = "item_id",
    .fields = action_fields,
    .list = &action_items,
    .get = &actions_statements[ACTION_GET],
    .lock = &actions_statements[ACTION_LOCK],
    .insert = &actions_statements[ACTION_INSERT],
    .update = &actions_statements[ACTION_UPDATE],
    .remove = &actions_statements[ACTION_DELETE],
    .check = action_check,
};

void actions_list(struct req *r)
{
    subcollection_list(r, &actions);
}

void actions_create(struct req *r)
{
    subcollection_create(r, &actions);
}

void actions_get(struct req *r)
{
    subcollection_get(r, &actions);
}

void actions_update(struct req *r)
{
    subcollection_update(r, &actions);
}

void actions_delete(struct req *r)
{
    subcollection_delete(r, &actions);
}
