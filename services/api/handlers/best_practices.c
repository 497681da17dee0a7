/* /v1/reviews/{id}/best-practices: the principles a review learned (DESIGN §1), written by the
 * champion's person key, the host school and admin (REVIEW_ACT_WORKSHOP) with the review row
 * locked (reviews_load); and GET /v1/partnerships/{id}/best-practices, the partnership's
 * published ones, newest first.
 *
 * A best practice is published (published_at set) when its review completes
 * (reviews_transition), and a completed review no longer changes (reviews_allowed answers 409):
 * so what the partnership has been sent in a digest is what stays, and a published best
 * practice can be neither edited nor deleted. Until then it is a draft the workshop refines. */

#include "handlers.h"
#include "resource.h"
#include "subcollection.h"

/* The statements, by handle: the descriptor and the readers name them by these indexes. */
enum { BP_GET, BP_LOCK, BP_MEMBER_SCHOOL, BP_INSERT, BP_UPDATE, BP_DELETE, BP_STATEMENTS };

#define BEST_PRACTICE_ROW                                                                          \
    "SELECT best_practice_json(b)::text AS json, b.version FROM best_practices b "                 \
    "WHERE b.id = $id AND b.review_id = $review_id"

const struct db_stmt best_practices_statements[] = {
    [BP_GET] = {"bp_get", BEST_PRACTICE_ROW},
    [BP_LOCK] = {"bp_lock", BEST_PRACTICE_ROW " FOR UPDATE OF b"},
    /* Whether the school is a member of the partnership. */
    [BP_MEMBER_SCHOOL] = {"bp_member_school", "SELECT 1 FROM schools WHERE id = $school_id "
                                              "AND partnership_id = $partnership_id"},
    [BP_INSERT] = {"bp_insert",
                   "INSERT INTO best_practices (review_id, title, description) "
                   "VALUES ($review_id, $title, $description) "
                   "RETURNING best_practice_json(best_practices)::text AS json, version, id"},
    [BP_UPDATE] = {"bp_update",
                   "UPDATE best_practices SET title = $title, description = $description, "
                   "version = version + 1, updated_at = clock_timestamp() "
                   "WHERE id = $id AND review_id = $review_id "
                   "RETURNING best_practice_json(best_practices)::text AS json, version"},
    [BP_DELETE] = {"bp_delete",
                   "DELETE FROM best_practices WHERE id = $id AND review_id = $review_id"},
    [BP_STATEMENTS] = {NULL, NULL},
};

/* The writable fields are the insert's and the update's $<field> values. */
static const struct vfield best_practice_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"review_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"title", V_NAME, V_REQUIRED, 0, NULL, 0, 0},
    /* Required text: not blank, at most 10,000 characters. */
    {"description", V_NAME, V_REQUIRED, VALIDATE_TEXT_MAX, NULL, 0, 0},
    {"published_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static struct list_variants bp_items_variants;

static const struct list_desc bp_items =
    LIST_ITEMS("bp_list", "best_practice_json", "best_practices b", "b", "b.review_id",
               LIST_SCOPE_ANY, bp_items_variants);

/* A draft until its review completes: nothing of its own to check. */
static const struct subcollection best_practices = {
    .owner = SUBCOLLECTION_OF_REVIEW,
    .act = REVIEW_ACT_WORKSHOP,
    .item_param = "item_id",
    .fields = best_practice_fields,
    .list = &bp_items,
    .get = &best_practices_statements[BP_GET],
    .lock = &best_practices_statements[BP_LOCK],
    .insert = &best_practices_statements[BP_INSERT],
    .update = &best_practices_statements[BP_UPDATE],
    .remove = &best_practices_statements[BP_DELETE],
};

void best_practices_list(struct req *r)
{
    subcollection_list(r, &best_practices);
}

void best_practices_create(struct req *r)
{
    subcollection_create(r, &best_practices);
}

void best_practices_get(struct req *r)
{
    subcollection_get(r, &best_practices);
}

void best_practices_update(struct req *r)
{
    subcollection_update(r, &best_practices);
}

void best_practices_delete(struct req *r)
{
    subcollection_delete(r, &best_practices);
}

/* Whether the caller may read partnership_id's best practices: every key that sees the
 * partnership, and school keys of its member schools (DESIGN §3: "school: … its partnership's
 * best practices and digests (read)"). Person keys do not: they hear of them in the digest.
 * Returns 1, 0 (nothing answered) or -1 after answering a database error. The digests
 * (digests.c) are read by the same rule. */
int best_practices_readable(struct req *r, const char *partnership_id)
{
    struct scope_owner o;
    int seen = resource_chain(r, SCOPE_PARTNERSHIP, partnership_id, &o);
    if (seen != 0 || r->principal.role != ROLE_SCHOOL)
        return seen;
    PGresult *res =
        req_db(r, &best_practices_statements[BP_MEMBER_SCHOOL],
               DB_ARGS({"school_id", r->principal.scope_id}, {"partnership_id", partnership_id}));
    if (!res)
        return -1;
    return PQntuples(res) > 0;
}

/* best_practices_readable, answering 404 with `absent` when the caller may not read: returns 0
 * when it may, -1 after answering. */
int best_practices_require(struct req *r, const char *partnership_id, const char *absent)
{
    int readable = best_practices_readable(r, partnership_id);
    if (readable == 0)
        req_problem(r, 404, "not_found", absent);
    return readable == 1 ? 0 : -1;
}

/* A page of a partnership's shared material (its published best practices, digests, review
 * plans) for GET /v1/partnerships/{id}/...: the partnership readable (else 404), then d's page
 * of the partnership's items. */
void best_practices_page(struct req *r, const struct list_desc *d)
{
    if (list_check(r, d) == 0 &&
        best_practices_require(r, req_param(r, "id"), "No such partnership.") == 0)
        list_answer(r, d);
}

static struct list_variants bp_published_variants;

/* The partnership's published ones, newest first: the keyset (published_at, id) runs
 * backwards. */
static const struct list_desc bp_published = {
    .name = "bp_published",
    .select = "SELECT best_practice_json(b)::text AS json, spp_micros(b.published_at) AS micros, "
              "b.id FROM best_practices b JOIN reviews r ON r.id = b.review_id",
    .scope = LIST_SCOPE_ANY,
    .filters = (const char *const[]){"r.partnership_id = $id AND b.published_at IS NOT NULL", NULL},
    .after = "(b.published_at, b.id) < (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY b.published_at DESC, b.id DESC LIMIT $limit",
    .variants = &bp_published_variants,
};

/* GET /v1/partnerships/{id}/best-practices: published ones, newest first. */
void best_practices_published(struct req *r)
{
    best_practices_page(r, &bp_published);
}
