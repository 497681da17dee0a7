/* /v1/reviews/{id}/team: the peer reviewers on a review (DESIGN §1, §1.2). The host school
 * drives its team (REVIEW_ACT_DRIVE). Every change runs with the review row locked
 * (reviews_load), so concurrent changes to one team queue there: the count of lead reviewers
 * and the duplicate check cannot race. A person joins, or a member's person is replaced, only
 * when the eligibility rules (common/rules/eligibility.c) all hold: 422 not_eligible otherwise. */
#include <string.h>

#include "handlers.h"
#include "subcollection.h"

/* The statements, by handle: the descriptor and the checks name them by these indexes. */
enum {
    RTEAM_GET,
    RTEAM_LOCK,
    RTEAM_SEATED,
    RTEAM_LEADS,
    RTEAM_INSERT,
    RTEAM_UPDATE,
    RTEAM_DELETE,
    RTEAM_STATEMENTS
};

#define TEAM_ROW                                                                                   \
    "SELECT team_member_json(t)::text AS json, t.version FROM review_team t "                      \
    "WHERE t.id = $id AND t.review_id = $review_id"

const struct db_stmt review_team_statements[] = {
    [RTEAM_GET] = {"rteam_get", TEAM_ROW},
    [RTEAM_LOCK] = {"rteam_lock", TEAM_ROW " FOR UPDATE OF t"},
    /* Another member (not $id, NULL on a create) of the review who is the person. */
    [RTEAM_SEATED] = {"rteam_seated",
                      "SELECT 1 FROM review_team WHERE review_id = $review_id "
                      "AND person_id = $person_id AND id IS DISTINCT FROM $id::uuid"},
    /* Lead reviewers of the review other than member $id (NULL on a create). */
    [RTEAM_LEADS] = {"rteam_leads",
                     "SELECT count(*) AS leads FROM review_team WHERE review_id = $review_id "
                     "AND role = 'lead_reviewer' AND id IS DISTINCT FROM $id::uuid"},
    [RTEAM_INSERT] = {"rteam_insert",
                      "INSERT INTO review_team (review_id, person_id, role) "
                      "VALUES ($review_id, $person_id, $role) "
                      "RETURNING team_member_json(review_team)::text AS json, version, id"},
    [RTEAM_UPDATE] = {"rteam_update",
                      "UPDATE review_team SET person_id = $person_id, role = $role, "
                      "version = version + 1, updated_at = clock_timestamp() "
                      "WHERE id = $id AND review_id = $review_id "
                      "RETURNING team_member_json(review_team)::text AS json, version"},
    [RTEAM_DELETE] = {"rteam_delete",
                      "DELETE FROM review_team WHERE id = $id AND review_id = $review_id"},
    [RTEAM_STATEMENTS] = {NULL, NULL},
};

static const char *const review_team_roles[] = {"lead_reviewer", "peer_reviewer", NULL};

/* The writable fields are the insert's and the update's $<field> values. */
static const struct vfield review_team_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"review_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"person_id", V_UUID, V_REQUIRED, 0, NULL, 0, 0},
    {"role", V_ENUM, V_REQUIRED, 0, review_team_roles, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* The checks a member's person and role must pass, for a new member or a change to one (a
 * PATCH may change the role, or the person in the seat): not on the team already (409), at
 * most one lead reviewer (422 lead_reviewer_count), and, when the person is new to the seat,
 * every eligibility rule (422 not_eligible). Returns 0, or -1 after answering. */
static int review_team_check(struct req *r, struct subcollection_write *w)
{
    const char *person_id = *subcollection_param(w, "person_id");
    const char *role = *subcollection_param(w, "role");
    int person_is_new = subcollection_changes(r, w, "person_id");
    if (person_is_new) {
        PGresult *res = req_db(
            r, &review_team_statements[RTEAM_SEATED],
            DB_ARGS({"review_id", w->parent_id}, {"person_id", person_id}, {"id", w->item_id}));
        if (!res)
            return -1;
        if (PQntuples(res) > 0) {
            req_problem(r, 409, "conflict", "This person is already on the review's team.");
            return -1;
        }
    }
    if (!strcmp(role, "lead_reviewer")) {
        PGresult *res = req_db(r, &review_team_statements[RTEAM_LEADS],
                               DB_ARGS({"review_id", w->parent_id}, {"id", w->item_id}));
        if (!res)
            return -1;
        if (strcmp(db_value(res, 0, "leads"), "0") != 0) {
            json_t *errors = json_array();
            validate_add(errors, "/role", "lead_reviewer_count",
                         "the review already has its lead reviewer");
            req_problem_errors(r, 422, "validation_failed",
                               "A review has exactly one lead reviewer.", errors);
            return -1;
        }
    }
    if (person_is_new && review_facts_require(r, w->parent_id, person_id, 0, "/person_id") != 0)
        return -1;
    return 0;
}

static struct list_variants rteam_list_variants;

static const struct list_desc rteam_list =
    LIST_ITEMS("rteam_list", "team_member_json", "review_team t", "t", "t.review_id",
               LIST_SCOPE_ANY, rteam_list_variants);

/* The host school drives its team. */
static const struct subcollection review_team = {
    .owner = SUBCOLLECTION_OF_REVIEW,
    .act = REVIEW_ACT_DRIVE,
    .item_param = "item_id",
    .fields = review_team_fields,
    .list = &rteam_list,
    .get = &review_team_statements[RTEAM_GET],
    .lock = &review_team_statements[RTEAM_LOCK],
    .insert = &review_team_statements[RTEAM_INSERT],
    .update = &review_team_statements[RTEAM_UPDATE],
    .remove = &review_team_statements[RTEAM_DELETE],
    .check = review_team_check,
};

void review_team_list(struct req *r)
{
    subcollection_list(r, &review_team);
}

void review_team_create(struct req *r)
{
    subcollection_create(r, &review_team);
}

void review_team_get(struct req *r)
{
    subcollection_get(r, &review_team);
}

void review_team_update(struct req *r)
{
    subcollection_update(r, &review_team);
}

void review_team_delete(struct req *r)
{
    subcollection_delete(r, &review_team);
}
