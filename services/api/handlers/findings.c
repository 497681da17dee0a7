/* /v1/reviews/{id}/findings: the team's feedback, each finding based on evidence of the same
 * review and never a grade (DESIGN §1). Team members' person keys and admin write them
 * (REVIEW_ACT_EVIDENCE) with the review row locked (reviews_load), the lock evidence changes
 * take too: a finding cannot come to cite evidence that is being deleted. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "resource.h"

/* Columns of a single finding: json, version. */
#define FINDING_ROW                                                                                \
    "SELECT finding_json(f)::text, f.version FROM findings f WHERE f.id = $1 AND f.review_id = $2"

const struct db_stmt finding_statements[] = {
    {"finding_get", FINDING_ROW},
    {"finding_lock", FINDING_ROW " FOR UPDATE OF f"},
    {"finding_list",
     "SELECT finding_json(f)::text, spp_micros(f.created_at), f.id FROM findings f "
     "WHERE f.review_id = $1 "
     "AND ($2::bigint IS NULL OR (f.created_at, f.id) > (spp_from_micros($2), $3::uuid)) "
     "ORDER BY f.created_at, f.id LIMIT $4"},
    /* The positions (from 0) of the ids in $2 that are not evidence of review $1. */
    {"finding_bad_evidence",
     "SELECT (u.i - 1)::int FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, i) "
     "WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.id = u.id AND e.review_id = $1) "
     "ORDER BY u.i"},
    {"finding_insert", "INSERT INTO findings (review_id, kind, text, evidence_ids) "
                       "VALUES ($1, $2, $3, COALESCE($4::uuid[], '{}')) "
                       "RETURNING finding_json(findings)::text, version, id"},
    {"finding_update",
     "UPDATE findings SET kind = $3, text = $4, evidence_ids = $5::uuid[], version = version + 1, "
     "updated_at = clock_timestamp() WHERE id = $1 AND review_id = $2 "
     "RETURNING finding_json(findings)::text, version"},
    {"finding_delete", "DELETE FROM findings WHERE id = $1 AND review_id = $2"},
    {NULL, NULL},
};

static const char *const finding_kinds[] = {"strength", "area_for_development", "question", NULL};

/* The writable fields in the order of finding_insert's parameters after review_id. */
static const struct vfield finding_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"review_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"kind", V_ENUM, V_REQUIRED, 0, finding_kinds, 0, 0},
    /* Required text: not blank, at most 10,000 characters. */
    {"text", V_NAME, V_REQUIRED, VALIDATE_TEXT_MAX, NULL, 0, 0},
    /* Distinct evidence ids, at most VALIDATE_LIST_MAX; [] when absent, never null. */
    {"evidence_ids", V_UUID_LIST, V_NOT_NULL, 0, NULL, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* The PostgreSQL array literal {a,b} of a validated list of UUIDs (which need no quoting), in
 * the request's arena; NULL when ids is absent. */
static const char *finding_uuid_array(struct req *r, const json_t *ids)
{
    if (!json_is_array(ids))
        return NULL;
    size_t n = json_array_size(ids);
    char *out = arena_alloc(&r->arena, 3 + n * 37), *w = out;
    *w++ = '{';
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "%s%s", i ? "," : "", json_string_value(json_array_get(ids, i)));
    strcpy(w, "}");
    return out;
}

/* Answers 422 listing every id of the array literal ids that is not evidence of the review, at
 * /evidence_ids/N, and returns -1; 0 when all are. */
static int finding_check_evidence(struct req *r, const char *review_id, const char *ids)
{
    const char *p[] = {review_id, ids};
    PGresult *res = req_db(r, "finding_bad_evidence", 2, p);
    if (!res)
        return -1;
    json_t *errors = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        char ptr[64];
        snprintf(ptr, sizeof ptr, "/evidence_ids/%s", PQgetvalue(res, i, 0));
        validate_add(errors, ptr, "not_found", "names no evidence of this review");
    }
    return resource_errors(r, errors);
}

void findings_list(struct req *r)
{
    if (req_check_query(r, NULL, 1) != 0 ||
        !reviews_load(r, req_param(r, "id"), 0, REVIEW_ACT_READ))
        return;
    struct page pg;
    req_page(r, &pg);
    const char *p[] = {req_param(r, "id"), pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, "finding_list", 4, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

void findings_create(struct req *r)
{
    const char *review_id = req_param(r, "id");
    if (!reviews_load(r, review_id, 1, REVIEW_ACT_EVIDENCE) ||
        req_check_body(r, finding_fields, VALIDATE_CREATE) != 0)
        return;
    const char *p[4];
    p[0] = review_id;
    if (resource_params(r, finding_fields, r->json, p + 1, sizeof p / sizeof *p - 1) < 0)
        return;
    p[3] = finding_uuid_array(r, json_object_get(r->json, "evidence_ids"));
    if (p[3] && finding_check_evidence(r, review_id, p[3]) != 0)
        return;
    PGresult *res = req_db(r, "finding_insert", 4, p);
    if (!res)
        return;
    resource_created(r, res);
}

void findings_get(struct req *r)
{
    reviews_item_get(r, "finding_get");
}

void findings_update(struct req *r)
{
    const char *review_id = req_param(r, "id");
    PGresult *cur = reviews_item_for_change(r, REVIEW_ACT_EVIDENCE, "finding_lock");
    if (!cur || req_check_body(r, finding_fields, VALIDATE_PATCH) != 0)
        return;
    json_t *merged = resource_merge(PQgetvalue(cur, 0, 0), r->json);
    const char *p[5];
    p[0] = req_param(r, "item_id");
    p[1] = review_id;
    int nparams = resource_params(r, finding_fields, merged, p + 2, sizeof p / sizeof *p - 2);
    p[4] = nparams < 0 ? NULL : finding_uuid_array(r, json_object_get(merged, "evidence_ids"));
    json_decref(merged);
    if (nparams < 0)
        return;
    /* Only a new list is checked: ids it keeps were checked when they were set, and evidence
     * that findings cite cannot be deleted. */
    if (resource_changes(PQgetvalue(cur, 0, 0), r->json, "evidence_ids") &&
        finding_check_evidence(r, review_id, p[4]) != 0)
        return;
    PGresult *res = req_db(r, "finding_update", 5, p);
    if (res)
        resource_reply(r, 200, res, 0);
}

void findings_delete(struct req *r)
{
    reviews_item_delete(r, REVIEW_ACT_EVIDENCE, "finding_lock", "finding_delete");
}
