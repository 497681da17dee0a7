/* /v1/reviews/{id}/best-practices: the principles a review learned (DESIGN §1), written by the
 * champion's person key, the host school and admin (REVIEW_ACT_WORKSHOP) with the review row
 * locked (reviews_load); and GET /v1/partnerships/{id}/best-practices, the partnership's
 * published ones, newest first.
 *
 * A best practice is published (published_at set) when its review completes
 * (reviews_transition), and a completed review no longer changes (reviews_allowed answers 409):
 * so what the partnership has been sent in a digest is what stays, and a published best
 * practice can be neither edited nor deleted. Until then it is a draft the workshop refines. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "resource.h"

/* Columns of a single best practice: json, version. */
#define BEST_PRACTICE_ROW                                                                          \
    "SELECT best_practice_json(b)::text, b.version FROM best_practices b "                         \
    "WHERE b.id = $1 AND b.review_id = $2"

const struct db_stmt best_practice_statements[] = {
    {"bp_get", BEST_PRACTICE_ROW},
    {"bp_lock", BEST_PRACTICE_ROW " FOR UPDATE OF b"},
    {"bp_list",
     "SELECT best_practice_json(b)::text, spp_micros(b.created_at), b.id FROM best_practices b "
     "WHERE b.review_id = $1 "
     "AND ($2::bigint IS NULL OR (b.created_at, b.id) > (spp_from_micros($2), $3::uuid)) "
     "ORDER BY b.created_at, b.id LIMIT $4"},
    /* The partnership's published ones, newest first: the keyset runs backwards. */
    {"bp_published",
     "SELECT best_practice_json(b)::text, spp_micros(b.published_at), b.id "
     "FROM best_practices b JOIN reviews r ON r.id = b.review_id "
     "WHERE r.partnership_id = $1 AND b.published_at IS NOT NULL "
     "AND ($2::bigint IS NULL OR (b.published_at, b.id) < (spp_from_micros($2), $3::uuid)) "
     "ORDER BY b.published_at DESC, b.id DESC LIMIT $4"},
    /* Whether school $1 is a member of partnership $2. */
    {"bp_member_school", "SELECT 1 FROM schools WHERE id = $1 AND partnership_id = $2"},
    {"bp_insert", "INSERT INTO best_practices (review_id, title, description) VALUES ($1, $2, $3) "
                  "RETURNING best_practice_json(best_practices)::text, version, id"},
    {"bp_update", "UPDATE best_practices SET title = $3, description = $4, version = version + 1, "
                  "updated_at = clock_timestamp() WHERE id = $1 AND review_id = $2 "
                  "RETURNING best_practice_json(best_practices)::text, version"},
    {"bp_delete", "DELETE FROM best_practices WHERE id = $1 AND review_id = $2"},
    {NULL, NULL},
};

/* The writable fields in the order of bp_insert's parameters after review_id. */
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

void best_practices_list(struct req *r)
{
    if (req_check_query(r, NULL, 1) != 0 ||
        !reviews_load(r, req_param(r, "id"), 0, REVIEW_ACT_READ))
        return;
    struct page pg;
    req_page(r, &pg);
    const char *p[] = {req_param(r, "id"), pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, "bp_list", 4, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

void best_practices_create(struct req *r)
{
    const char *review_id = req_param(r, "id");
    if (!reviews_load(r, review_id, 1, REVIEW_ACT_WORKSHOP) ||
        req_check_body(r, best_practice_fields, VALIDATE_CREATE) != 0)
        return;
    const char *p[3];
    p[0] = review_id;
    if (resource_params(r, best_practice_fields, r->json, p + 1, sizeof p / sizeof *p - 1) < 0)
        return;
    PGresult *res = req_db(r, "bp_insert", 3, p);
    if (!res)
        return;
    resource_created(r, res);
}

void best_practices_get(struct req *r)
{
    reviews_item_get(r, "bp_get");
}

void best_practices_update(struct req *r)
{
    const char *review_id = req_param(r, "id");
    PGresult *cur = reviews_item_for_change(r, REVIEW_ACT_WORKSHOP, "bp_lock");
    if (!cur || req_check_body(r, best_practice_fields, VALIDATE_PATCH) != 0)
        return;
    json_t *merged = resource_merge(PQgetvalue(cur, 0, 0), r->json);
    const char *p[4];
    p[0] = req_param(r, "item_id");
    p[1] = review_id;
    int nparams = resource_params(r, best_practice_fields, merged, p + 2, sizeof p / sizeof *p - 2);
    json_decref(merged); /* the parameters are copies in the arena */
    if (nparams < 0)
        return;
    PGresult *res = req_db(r, "bp_update", 4, p);
    if (res)
        resource_reply(r, 200, res, 0);
}

void best_practices_delete(struct req *r)
{
    reviews_item_delete(r, REVIEW_ACT_WORKSHOP, "bp_lock", "bp_delete");
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
    PGresult *res = req_db(r, "bp_member_school", 2, p);
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

/* GET /v1/partnerships/{id}/best-practices: published ones, newest first; the cursor is the
 * last item's (published_at, id). */
void best_practices_published(struct req *r)
{
    const char *id = req_param(r, "id");
    if (req_check_query(r, NULL, 1) != 0 ||
        best_practices_require(r, id, "No such partnership.") != 0)
        return;
    struct page pg;
    req_page(r, &pg);
    const char *p[] = {id, pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, "bp_published", 4, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}
