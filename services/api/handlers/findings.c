/* /v1/reviews/{id}/findings: the team's feedback, each finding based on evidence of the same
 * review and never a grade (DESIGN §1). Team members' person keys and admin write them
 * (REVIEW_ACT_EVIDENCE) with the review row locked (reviews_load), the lock evidence changes
 * take too: a finding cannot come to cite evidence that is being deleted. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "resource.h"
#include "subcollection.h"

/* The statements, by handle: the descriptor and the checks name them by these indexes. */
enum {
    FINDING_GET,
    FINDING_LOCK,
    FINDING_BAD_EVIDENCE,
    FINDING_INSERT,
    FINDING_UPDATE,
    FINDING_DELETE,
    FINDING_STATEMENTS
};

#define FINDING_ROW                                                                                \
    "SELECT finding_json(f)::text AS json, f.version FROM findings f WHERE f.id = $id "            \
    "AND f.review_id = $review_id"

const struct db_stmt findings_statements[] = {
    [FINDING_GET] = {"finding_get", FINDING_ROW},
    [FINDING_LOCK] = {"finding_lock", FINDING_ROW " FOR UPDATE OF f"},
    /* The positions (from 0) of the ids in $evidence_ids that are not evidence of the review. */
    [FINDING_BAD_EVIDENCE] = {"finding_bad_evidence",
                              "SELECT (u.i - 1)::int AS at FROM unnest($evidence_ids::uuid[]) "
                              "WITH ORDINALITY AS u(id, i) WHERE NOT EXISTS (SELECT 1 FROM "
                              "evidence e WHERE e.id = u.id AND e.review_id = $review_id) "
                              "ORDER BY u.i"},
    [FINDING_INSERT] = {"finding_insert",
                        "INSERT INTO findings (review_id, kind, text, evidence_ids) "
                        "VALUES ($review_id, $kind, $text, COALESCE($evidence_ids::uuid[], '{}')) "
                        "RETURNING finding_json(findings)::text AS json, version, id"},
    [FINDING_UPDATE] = {"finding_update",
                        "UPDATE findings SET kind = $kind, text = $text, "
                        "evidence_ids = $evidence_ids::uuid[], "
                        "version = version + 1, updated_at = clock_timestamp() "
                        "WHERE id = $id AND review_id = $review_id "
                        "RETURNING finding_json(findings)::text AS json, version"},
    [FINDING_DELETE] = {"finding_delete",
                        "DELETE FROM findings WHERE id = $id AND review_id = $review_id"},
    [FINDING_STATEMENTS] = {NULL, NULL},
};

static const char *const finding_kinds[] = {"strength", "area_for_development", "question", NULL};

/* The writable fields are the insert's and the update's $<field> values. */
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

/* evidence_ids goes to SQL as an array literal. Only a new list is checked, every id of it
 * evidence of the review (422 at /evidence_ids/N for each that is not): ids a PATCH keeps were
 * checked when they were set, and evidence that findings cite cannot be deleted. */
static int finding_check(struct req *r, struct subcollection_write *w)
{
    const char **ids = subcollection_param(w, "evidence_ids");
    *ids = finding_uuid_array(r, json_object_get(w->item, "evidence_ids"));
    if (!*ids || !subcollection_changes(r, w, "evidence_ids"))
        return 0;
    PGresult *res = req_db(r, &findings_statements[FINDING_BAD_EVIDENCE],
                           DB_ARGS({"review_id", w->parent_id}, {"evidence_ids", *ids}));
    if (!res)
        return -1;
    int at = db_col(res, "at");
    json_t *errors = json_array();
    for (int i = 0; i < PQntuples(res); i++) {
        char ptr[64];
        snprintf(ptr, sizeof ptr, "/evidence_ids/%s", PQgetvalue(res, i, at));
        validate_add(errors, ptr, "not_found", "names no evidence of this review");
    }
    return resource_errors(r, errors);
}

static struct list_variants finding_items_variants;

static const struct list_desc finding_items =
    LIST_ITEMS("finding_list", "finding_json", "findings f", "f", "f.review_id", LIST_SCOPE_ANY,
               finding_items_variants);

/* Team members' person keys and admin write them, with the lock evidence changes take. */
static const struct subcollection findings = {
    .owner = SUBCOLLECTION_OF_REVIEW,
    .act = REVIEW_ACT_EVIDENCE,
    .item_param = "item_id",
    .fields = finding_fields,
    .list = &finding_items,
    .get = &findings_statements[FINDING_GET],
    .lock = &findings_statements[FINDING_LOCK],
    .insert = &findings_statements[FINDING_INSERT],
    .update = &findings_statements[FINDING_UPDATE],
    .remove = &findings_statements[FINDING_DELETE],
    .check = finding_check,
};

void findings_list(struct req *r)
{
    subcollection_list(r, &findings);
}

void findings_create(struct req *r)
{
    subcollection_create(r, &findings);
}

void findings_get(struct req *r)
{
    subcollection_get(r, &findings);
}

void findings_update(struct req *r)
{
    subcollection_update(r, &findings);
}

void findings_delete(struct req *r)
{
    subcollection_delete(r, &findings);
}
