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
enum {
    BP_GET,
    BP_LOCK,
    BP_LIST,
    BP_PUBLISHED,
    BP_MEMBER_SCHOOL,
    BP_INSERT,
    BP_UPDATE,
    BP_DELETE,
    BP_STATEMENTS
};

#define BEST_PRACTICE_ROW                                                                          \
    "SELECT best_practice_json(b)::text AS json, b.version FROM best_practices b "                 \
    "WHERE b.id = $1 AND b.review_id = $2"

const struct db_stmt best_practice_statements[] = {
    [BP_GET] = {"bp_get", BEST_PRACTICE_ROW},
    [BP_LOCK] = {"bp_lock", BEST_PRACTICE_ROW " FOR UPDATE OF b"},
    [BP_LIST] = {"bp_list",
                 "SELECT best_practice_json(b)::text AS json, spp_micros(b.created_at) AS micros, "
                 "b.id FROM best_practices b WHERE b.review_id = $1 "
                 "AND ($2::bigint IS NULL OR (b.created_at, b.id) > (spp_from_micros($2), "
                 "$3::uuid)) ORDER BY b.created_at, b.id LIMIT $4"},
    /* The partnership's published ones, newest first: the keyset runs backwards. */
    [BP_PUBLISHED] = {"bp_published",
                      "SELECT best_practice_json(b)::text AS json, spp_micros(b.published_at) AS "
                      "micros, b.id FROM best_practices b JOIN reviews r ON r.id = b.review_id "
                      "WHERE r.partnership_id = $1 AND b.published_at IS NOT NULL "
                      "AND ($2::bigint IS NULL OR (b.published_at, b.id) < (spp_from_micros($2), "
                      "$3::uuid)) ORDER BY b.published_at DESC, b.id DESC LIMIT $4"},
    /* Whether school $1 is a member of partnership $2. */
    [BP_MEMBER_SCHOOL] = {"bp_member_school",
                          "SELECT 1 FROM schools WHERE id = $1 AND partnership_id = $2"},
    [BP_INSERT] = {"bp_insert",
                   "INSERT INTO best_practices (review_id, title, description) VALUES ($1, $2, "
                   "$3) RETURNING best_practice_json(best_practices)::text AS json, version, id"},
    [BP_UPDATE] = {"bp_update",
                   "UPDATE best_practices SET title = $3, description = $4, version = version + "
                   "1, updated_at = clock_timestamp() WHERE id = $1 AND review_id = $2 "
                   "RETURNING best_practice_json(best_practices)::text AS json, version"},
    [BP_DELETE] = {"bp_delete", "DELETE FROM best_practices WHERE id = $1 AND review_id = $2"},
    [BP_STATEMENTS] = {NULL, NULL},
};

/* The writable fields in the order of the insert's and update's parameters after the ids. */
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

/* A draft until its review completes: nothing of its own to check. */
static const struct subcollection best_practices = {
    .owner = SUBCOLLECTION_OF_REVIEW,
    .act = REVIEW_ACT_WORKSHOP,
    .item_param = "item_id",
    .fields = best_practice_fields,
    .list = &best_practice_statements[BP_LIST],
    .get = &best_practice_statements[BP_GET],
    .lock = &best_practice_statements[BP_LOCK],
    .insert = &best_practice_statements[BP_INSERT],
    .update = &best_practice_statements[BP_UPDATE],
    .remove = &best_practice_statements[BP_DELETE],
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
    const char *p[] = {r->principal.scope_id, partnership_id};
    PGresult *res = subcollection_db(r, &best_practice_statements[BP_MEMBER_SCHOOL], 2, p);
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
 * plans) for GET /v1/partnerships/{id}/...: the partnership readable (else 404), then stmt with
 * (partnership, cursor micros, cursor id, limit + 1), whose columns are json, micros, id. */
void best_practices_page(struct req *r, const struct db_stmt *stmt)
{
    const char *id = req_param(r, "id");
    if (req_check_query(r, NULL, 1) != 0 ||
        best_practices_require(r, id, "No such partnership.") != 0)
        return;
    struct page pg;
    req_page(r, &pg);
    const char *p[] = {id, pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, stmt, 4, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

/* GET /v1/partnerships/{id}/best-practices: published ones, newest first; the cursor is the
 * last item's (published_at, id). */
void best_practices_published(struct req *r)
{
    best_practices_page(r, &best_practice_statements[BP_PUBLISHED]);
}
