/* /v1/reviews/{id}/evidence: what the review team gathered (DESIGN §1). Team members' person
 * keys and admin add and change it (REVIEW_ACT_EVIDENCE), with the review row locked
 * (reviews_load) so that evidence and the findings that cite it change one at a time.
 *
 * recorded_by names who gathered it. A person key records as itself: it may leave the field
 * out (it is filled in) or name itself, and naming anyone else is refused (403). Admin records
 * on behalf of the team and must name a member of the review's team (422 otherwise): the
 * champion rule "not the recorder of any of its evidence" (§1.2) then only ever concerns
 * reviewers. */
#include <string.h>
#include <strings.h>

#include "handlers.h"
#include "subcollection.h"

/* The statements, by handle: the descriptor and the checks name them by these indexes. */
enum {
    EVIDENCE_GET,
    EVIDENCE_LOCK,
    EVIDENCE_ON_TEAM,
    EVIDENCE_CITED,
    EVIDENCE_INSERT,
    EVIDENCE_UPDATE,
    EVIDENCE_DELETE,
    EVIDENCE_STATEMENTS
};

#define EVIDENCE_ROW                                                                               \
    "SELECT evidence_json(e)::text AS json, e.version FROM evidence e WHERE e.id = $id "           \
    "AND e.review_id = $review_id"

const struct db_stmt evidence_statements[] = {
    [EVIDENCE_GET] = {"evidence_get", EVIDENCE_ROW},
    [EVIDENCE_LOCK] = {"evidence_lock", EVIDENCE_ROW " FOR UPDATE OF e"},
    [EVIDENCE_ON_TEAM] = {"evidence_on_team",
                          "SELECT 1 FROM review_team WHERE review_id = $review_id "
                          "AND person_id = $person_id"},
    /* Findings of the review that cite evidence $id: a findings' evidence_ids array has no
     * foreign key, so the delete checks it (nothing cascades, DESIGN §3). */
    [EVIDENCE_CITED] = {"evidence_cited", "SELECT 1 FROM findings WHERE review_id = $review_id "
                                          "AND $id::uuid = ANY (evidence_ids) LIMIT 1"},
    [EVIDENCE_INSERT] = {"evidence_insert",
                         "INSERT INTO evidence (review_id, kind, summary, source_url, recorded_by) "
                         "VALUES ($review_id, $kind, $summary, $source_url, $recorded_by) "
                         "RETURNING evidence_json(evidence)::text AS json, version, id"},
    [EVIDENCE_UPDATE] = {"evidence_update",
                         "UPDATE evidence SET kind = $kind, summary = $summary, "
                         "source_url = $source_url, recorded_by = $recorded_by, "
                         "version = version + 1, updated_at = clock_timestamp() "
                         "WHERE id = $id AND review_id = $review_id "
                         "RETURNING evidence_json(evidence)::text AS json, version"},
    [EVIDENCE_DELETE] = {"evidence_delete",
                         "DELETE FROM evidence WHERE id = $id AND review_id = $review_id"},
    [EVIDENCE_STATEMENTS] = {NULL, NULL},
};

static const char *const evidence_kinds[] = {
    "lesson_observation", "work_scrutiny", "staff_interview", "pupil_interview",
    "external_source",    "document",      "other",           NULL};

/* The writable fields are the insert's and the update's $<field> values. */
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
    PGresult *res = req_db(r, &evidence_statements[EVIDENCE_ON_TEAM],
                           DB_ARGS({"review_id", review_id}, {"person_id", given}));
    if (!res)
        return NULL;
    if (PQntuples(res) == 0) {
        req_invalid_field(r, "/recorded_by", "not_on_team", "names no member of the review's team");
        return NULL;
    }
    return given;
}

/* On a create, and on a PATCH that moves recorded_by: the same rules (a person key to itself,
 * admin to a team member). Any team member may otherwise correct the team's evidence. */
static int evidence_check(struct req *r, struct subcollection_write *w)
{
    if (!subcollection_changes(r, w, "recorded_by"))
        return 0;
    const char **recorded_by = subcollection_param(w, "recorded_by");
    *recorded_by = evidence_recorder(r, w->parent_id, *recorded_by);
    return *recorded_by ? 0 : -1;
}

/* Evidence that findings still cite stays (409). */
static int evidence_before_delete(struct req *r, const char *review_id, const char *item_id)
{
    PGresult *cited = req_db(r, &evidence_statements[EVIDENCE_CITED],
                             DB_ARGS({"id", item_id}, {"review_id", review_id}));
    if (!cited)
        return -1;
    if (PQntuples(cited) > 0) {
        req_problem(r, 409, "conflict",
                    "Findings still cite this evidence; change or remove them first.");
        return -1;
    }
    return 0;
}

static struct list_variants evidence_items_variants;

static const struct list_desc evidence_items =
    LIST_ITEMS("evidence_list", "evidence_json", "evidence e", "e", "e.review_id", LIST_SCOPE_ANY,
               evidence_items_variants);

static const struct subcollection evidence = {
    .owner = SUBCOLLECTION_OF_REVIEW,
    .act = REVIEW_ACT_EVIDENCE,
    .item_param = "item_id",
    .fields = evidence_fields,
    .list = &evidence_items,
    .get = &evidence_statements[EVIDENCE_GET],
    .lock = &evidence_statements[EVIDENCE_LOCK],
    .insert = &evidence_statements[EVIDENCE_INSERT],
    .update = &evidence_statements[EVIDENCE_UPDATE],
    .remove = &evidence_statements[EVIDENCE_DELETE],
    .check = evidence_check,
    .before_delete = evidence_before_delete,
};

void evidence_list(struct req *r)
{
    subcollection_list(r, &evidence);
}

void evidence_create(struct req *r)
{
    subcollection_create(r, &evidence);
}

void evidence_get(struct req *r)
{
    subcollection_get(r, &evidence);
}

void evidence_update(struct req *r)
{
    subcollection_update(r, &evidence);
}

void evidence_delete(struct req *r)
{
    subcollection_delete(r, &evidence);
}
