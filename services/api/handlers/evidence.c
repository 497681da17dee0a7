/* /v1/reviews/{id}/evidence: what the review team gathered (DESIGN §1). Team members' person
 * keys and admin add and change it (REVIEW_ACT_EVIDENCE), with the review row locked
 * (reviews_load) so that evidence and the findings that cite it change one at a time.
 *
 * recorded_by names who gathered it. A person key records as itself: it may leave the field
 * out (it is filled in) or name itself, and naming anyone else is refused (403). Admin records
 * on behalf of the team and must name a member of the review's team (422 otherwise): the
 * champion rule "not the recorder of any of its evidence" (§1.2) then only ever concerns
 * reviewers. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "handlers.h"
#include "resource.h"

/* Columns of a single evidence item: json, version. */
#define EVIDENCE_ROW                                                                               \
    "SELECT evidence_json(e)::text, e.version FROM evidence e WHERE e.id = $1 AND e.review_id = "  \
    "$2"

const struct db_stmt evidence_statements[] = {
    {"evidence_get", EVIDENCE_ROW},
    {"evidence_lock", EVIDENCE_ROW " FOR UPDATE OF e"},
    {"evidence_list",
     "SELECT evidence_json(e)::text, spp_micros(e.created_at), e.id FROM evidence e "
     "WHERE e.review_id = $1 "
     "AND ($2::bigint IS NULL OR (e.created_at, e.id) > (spp_from_micros($2), $3::uuid)) "
     "ORDER BY e.created_at, e.id LIMIT $4"},
    {"evidence_on_team", "SELECT 1 FROM review_team WHERE review_id = $1 AND person_id = $2"},
    /* Findings of review $2 that cite evidence $1: a findings' evidence_ids array has no
     * foreign key, so the delete checks it (nothing cascades, DESIGN §3). */
    {"evidence_cited", "SELECT 1 FROM findings WHERE review_id = $2 AND $1::uuid = ANY "
                       "(evidence_ids) LIMIT 1"},
    {"evidence_insert",
     "INSERT INTO evidence (review_id, kind, summary, source_url, recorded_by) "
     "VALUES ($1, $2, $3, $4, $5) RETURNING evidence_json(evidence)::text, version, id"},
    {"evidence_update",
     "UPDATE evidence SET kind = $3, summary = $4, source_url = $5, recorded_by = $6, "
     "version = version + 1, updated_at = clock_timestamp() WHERE id = $1 AND review_id = $2 "
     "RETURNING evidence_json(evidence)::text, version"},
    {"evidence_delete", "DELETE FROM evidence WHERE id = $1 AND review_id = $2"},
    {NULL, NULL},
};

static const char *const evidence_kinds[] = {
    "lesson_observation", "work_scrutiny", "staff_interview", "pupil_interview",
    "external_source",    "document",      "other",           NULL};

/* The writable fields in the order of evidence_insert's parameters after review_id. */
static const struct vfield evidence_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"review_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"kind", V_ENUM, V_REQUIRED, 0, evidence_kinds, 0, 0},
    /* Required text: not blank, at most 10,000 characters. */
    {"summary", V_NAME, V_REQUIRED, VALIDATE_TEXT_MAX, NULL, 0, 0},
    {"source_url", V_URL, 0, 0, NULL, 0, 0},
    /* Optional for a person key (itself), required from admin; never null. */
    {"recorded_by", V_UUID, V_NOT_NULL, 0, NULL, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* Decides who records: the caller's person for a person key (403 when it names another), else
 * the given recorded_by, which must sit on the review's team (422). given may be NULL, which
 * admin may not leave it on a create. Returns the id (borrowed from the principal or the
 * arena) or NULL after answering. */
static const char *evidence_recorder(struct req *r, const char *review_id, const char *given)
{
    if (r->principal.role == ROLE_PERSON) {
        if (given && strcasecmp(given, r->principal.scope_id) != 0) {
            req_problem(r, 403, "forbidden", "A person key records evidence only as itself.");
            return NULL;
        }
        return r->principal.scope_id;
    }
    if (!given) {
        req_invalid_field(r, "/recorded_by", "required",
                          "is required: name the team member who gathered it");
        return NULL;
    }
    const char *p[] = {review_id, given};
    PGresult *res = req_db(r, "evidence_on_team", 2, p);
    if (!res)
        return NULL;
    if (PQntuples(res) == 0) {
        req_invalid_field(r, "/recorded_by", "not_on_team", "names no member of the review's team");
        return NULL;
    }
    return given;
}

void evidence_list(struct req *r)
{
    if (req_check_query(r, NULL, 1) != 0 ||
        !reviews_load(r, req_param(r, "id"), 0, REVIEW_ACT_READ))
        return;
    struct page pg;
    req_page(r, &pg);
    const char *p[] = {req_param(r, "id"), pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, "evidence_list", 4, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

void evidence_create(struct req *r)
{
    const char *review_id = req_param(r, "id");
    if (!reviews_load(r, review_id, 1, REVIEW_ACT_EVIDENCE) ||
        req_check_body(r, evidence_fields, VALIDATE_CREATE) != 0)
        return;
    const char *p[5];
    p[0] = review_id;
    if (resource_params(r, evidence_fields, r->json, p + 1, sizeof p / sizeof *p - 1) < 0)
        return;
    p[4] = evidence_recorder(r, review_id, p[4]);
    if (!p[4])
        return;
    PGresult *res = req_db(r, "evidence_insert", 5, p);
    if (!res)
        return;
    resource_created(r, res);
}

void evidence_get(struct req *r)
{
    reviews_item_get(r, "evidence_get");
}

/* PATCH: any team member may correct the team's evidence; recorded_by moves only under the
 * same rules as on a create (a person key to itself, admin to a team member). */
void evidence_update(struct req *r)
{
    const char *review_id = req_param(r, "id");
    PGresult *cur = reviews_item_for_change(r, REVIEW_ACT_EVIDENCE, "evidence_lock");
    if (!cur || req_check_body(r, evidence_fields, VALIDATE_PATCH) != 0)
        return;
    json_t *merged = resource_merge(PQgetvalue(cur, 0, 0), r->json);
    const char *p[6];
    p[0] = req_param(r, "item_id");
    p[1] = review_id;
    int nparams = resource_params(r, evidence_fields, merged, p + 2, sizeof p / sizeof *p - 2);
    json_decref(merged); /* the parameters are copies in the arena */
    if (nparams < 0)
        return;
    if (resource_changes(PQgetvalue(cur, 0, 0), r->json, "recorded_by")) {
        p[5] = evidence_recorder(r, review_id, p[5]);
        if (!p[5])
            return;
    }
    PGresult *res = req_db(r, "evidence_update", 6, p);
    if (res)
        resource_reply(r, 200, res, 0);
}

void evidence_delete(struct req *r)
{
    const char *review_id = req_param(r, "id");
    if (!reviews_item_for_change(r, REVIEW_ACT_EVIDENCE, "evidence_lock"))
        return;
    const char *p[] = {req_param(r, "item_id"), review_id};
    PGresult *cited = req_db(r, "evidence_cited", 2, p);
    if (!cited)
        return;
    if (PQntuples(cited) > 0) {
        req_problem(r, 409, "conflict",
                    "Findings still cite this evidence; change or remove them first.");
        return;
    }
    if (req_db(r, "evidence_delete", 2, p))
        req_reply_empty(r, 204);
}
