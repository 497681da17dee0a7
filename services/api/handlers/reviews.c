/* /v1/reviews: one school's peer-review cycle, owned by the host school. The workflow and the
 * eligibility rules are pure functions in common/; this file loads the facts, applies the
 * verdict in one transaction with the review row locked, and writes the event and the jobs the
 * change causes in that same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eligibility.h"
#include "handlers.h"
#include "jobs.h"
#include "list.h"
#include "resource.h"
#include "workflow.h"

/* The columns of review_json_fields (below) from reviews r: a GET, a create's, an update's and
 * a transition's answer and a list's items are written in C from them. */
#define REVIEW_COLS                                                                                \
    "r.id, r.school_id, r.partnership_id, r.focus, r.focus_area, r.status, "                       \
    "r.self_review_summary, to_char(r.review_starts_on, 'YYYY-MM-DD') AS review_starts_on, "       \
    "to_char(r.review_ends_on, 'YYYY-MM-DD') AS review_ends_on, "                                  \
    "to_char(r.workshop_on, 'YYYY-MM-DD') AS workshop_on, "                                        \
    "to_char(r.implementation_due_on, 'YYYY-MM-DD') AS implementation_due_on, "                    \
    "r.impact_summary, r.lessons_learned, r.champion_id, r.version, "                              \
    "spp_micros(r.created_at) AS micros, spp_micros(r.updated_at) AS updated_at"

/* Columns of a single review: its columns (version, partnership_id, school_id, status and
 * champion_id among them), hub_id, NULL (person slot), involvement of the caller's person $me
 * (1 team, 2 champion). */
#define REVIEW_ROW                                                                                 \
    "SELECT " REVIEW_COLS ", p.hub_id, NULL::uuid AS person_id, "                                  \
    "(CASE WHEN EXISTS (SELECT 1 FROM review_team t WHERE t.review_id = r.id "                     \
    "AND t.person_id = $me::uuid) THEN 1 ELSE 0 END) + "                                           \
    "(CASE WHEN r.champion_id = $me::uuid THEN 2 ELSE 0 END) AS involvement "                      \
    "FROM reviews r LEFT JOIN partnerships p ON p.id = r.partnership_id WHERE r.id = $id"

const struct db_stmt reviews_statements[] = {
    [REVIEW_GET] = {"review_get", REVIEW_ROW},
    [REVIEW_LOCK] = {"review_lock", REVIEW_ROW " FOR UPDATE OF r"},
    [REVIEW_INSERT] =
        {"review_insert",
         "INSERT INTO reviews AS r (school_id, partnership_id, focus, focus_area, "
         "self_review_summary, "
         "review_starts_on, review_ends_on, workshop_on, implementation_due_on, impact_summary, "
         "lessons_learned) SELECT s.id, s.partnership_id, $focus, $focus_area, "
         "$self_review_summary, $review_starts_on, $review_ends_on, $workshop_on, "
         "$implementation_due_on, $impact_summary, $lessons_learned "
         "FROM schools s WHERE s.id = $school_id "
         "RETURNING " REVIEW_COLS},
    [REVIEW_UPDATE] =
        {"review_update",
         "UPDATE reviews r SET focus = $focus, focus_area = $focus_area, "
         "self_review_summary = $self_review_summary, "
         "review_starts_on = $review_starts_on, review_ends_on = $review_ends_on, "
         "workshop_on = $workshop_on, implementation_due_on = $implementation_due_on, "
         "impact_summary = $impact_summary, lessons_learned = $lessons_learned, "
         "version = version + 1, updated_at = clock_timestamp() "
         "WHERE id = $id AND school_id = $school_id "
         "RETURNING " REVIEW_COLS},
    [REVIEW_SET_STATUS] = {"review_set_status",
                           "UPDATE reviews r SET status = $status, version = version + 1, "
                           "updated_at = clock_timestamp() WHERE id = $id RETURNING " REVIEW_COLS},
    [REVIEW_SET_CHAMPION] = {"review_set_champion",
                             "SELECT o_json AS json, o_version AS version, o_job AS job_id FROM "
                             "spp_review_set_champion($review_id, $person_id, $actor)"},
    [REVIEW_WORKFLOW_FACTS] =
        {"review_workflow_facts",
         "SELECT COALESCE(btrim(r.focus), '') <> '' AS has_focus, "
         "COALESCE(btrim(r.self_review_summary), '') <> '' AS has_self_review, "
         "r.review_starts_on IS NOT NULL AS has_start, r.review_ends_on IS NOT NULL AS has_end, "
         "COALESCE(r.review_starts_on > r.review_ends_on, false) AS dates_reversed, "
         "(SELECT count(*) FROM review_team t WHERE t.review_id = r.id) AS team_size, "
         "(SELECT count(*) FROM review_team t WHERE t.review_id = r.id AND t.role = "
         "'lead_reviewer') AS lead_reviewers, "
         "(SELECT count(*) FROM evidence e WHERE e.review_id = r.id) AS evidence_count, "
         "(SELECT count(*) FROM findings f WHERE f.review_id = r.id) AS finding_count, "
         "r.champion_id IS NOT NULL AS has_champion, r.workshop_on IS NOT NULL AS has_workshop_on, "
         "(SELECT count(*) FROM actions a WHERE a.review_id = r.id AND a.status <> 'dropped') "
         "AS action_count, "
         "(SELECT count(*) FROM actions a WHERE a.review_id = r.id AND a.status <> 'dropped' "
         "AND (a.owner_id IS NULL OR a.due_on IS NULL)) AS actions_incomplete, "
         "r.implementation_due_on IS NOT NULL AS has_implementation_due, "
         "COALESCE(btrim(r.impact_summary), '') <> '' AS has_impact_summary, "
         "COALESCE(btrim(r.lessons_learned), '') <> '' AS has_lessons_learned "
         "FROM reviews r WHERE r.id = $id"},
    /* The event and the webhook job that announces it (sql/0013); returns the job. */
    [REVIEW_EVENT_INSERT] =
        {"review_event_insert",
         "SELECT spp_review_event($review_id, $kind, $from, $to, $actor, $reason) "
         "AS job_id"},
    [REVIEW_PUBLISH_PRACTICES] = {"review_publish_practices",
                                  "UPDATE best_practices SET published_at = clock_timestamp() "
                                  "WHERE review_id = $review_id AND published_at IS NULL"},
    {NULL, NULL},
};

static const char *const review_areas[] = {"our_impact", "looking_forward", "looking_inward",
                                           "looking_outward", NULL};

/* The fields; review_insert and review_update name their parameters after the writable ones. */
static const struct vfield review_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"school_id", V_UUID, V_REQUIRED, 0, NULL, 0, 0},
    {"partnership_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"focus", V_TEXT, 0, 0, NULL, 0, 0},
    {"focus_area", V_ENUM, 0, 0, review_areas, 0, 0},
    {"status", V_ENUM, V_READONLY, 0, workflow_status_names, 0, 0},
    {"self_review_summary", V_TEXT, 0, 0, NULL, 0, 0},
    {"review_starts_on", V_DATE, 0, 0, NULL, 0, 0},
    {"review_ends_on", V_DATE, 0, 0, NULL, 0, 0},
    {"workshop_on", V_DATE, 0, 0, NULL, 0, 0},
    {"implementation_due_on", V_DATE, 0, 0, NULL, 0, 0},
    {"impact_summary", V_TEXT, 0, 0, NULL, 0, 0},
    {"lessons_learned", V_TEXT, 0, 0, NULL, 0, 0},
    {"champion_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* The writable fields of review_fields (review_insert's parameters). */
enum { REVIEW_WRITABLE = 10 };

static const struct vfield review_filters[] = {
    {"status", V_ENUM, 0, 0, workflow_status_names, 0, 0},
    {"school_id", V_UUID, 0, 0, NULL, 0, 0},
    {"partnership_id", V_UUID, 0, 0, NULL, 0, 0},
    {"from", V_DATE, 0, 0, NULL, 0, 0},
    {"to", V_DATE, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const char *const review_list_filters[] = {
    "r.status = $status",
    "r.school_id = $school_id",
    "r.partnership_id = $partnership_id",
    "r.review_ends_on >= $from::date",
    "r.review_starts_on <= $to::date",
    NULL,
};

static struct list_variants review_list_variants;

/* review_json (sql/0004_reviews.sql) written in C: the same members in the same order, from
 * REVIEW_COLS (dates as row_to_json writes those of years 1 to
 * 9999, the ones a date of the API can hold, whatever the session's DateStyle). */
static const struct rowjson_field review_json_fields[] = {
    {"id", ROWJSON_STRING, NULL},
    {"school_id", ROWJSON_STRING, NULL},
    {"partnership_id", ROWJSON_STRING, NULL},
    {"focus", ROWJSON_STRING, NULL},
    {"focus_area", ROWJSON_STRING, NULL},
    {"status", ROWJSON_STRING, NULL},
    {"self_review_summary", ROWJSON_STRING, NULL},
    {"review_starts_on", ROWJSON_STRING, NULL},
    {"review_ends_on", ROWJSON_STRING, NULL},
    {"workshop_on", ROWJSON_STRING, NULL},
    {"implementation_due_on", ROWJSON_STRING, NULL},
    {"impact_summary", ROWJSON_STRING, NULL},
    {"lessons_learned", ROWJSON_STRING, NULL},
    {"champion_id", ROWJSON_STRING, NULL},
    {"version", ROWJSON_RAW, NULL},
    {"created_at", ROWJSON_TIME, "micros"},
    {"updated_at", ROWJSON_TIME, NULL},
    {NULL, ROWJSON_RAW, NULL},
};

/* A person key sees the reviews it sits on: as champion or on the team. */
static const struct list_desc review_list = {
    .name = "review_list",
    .select =
        "SELECT " REVIEW_COLS " FROM reviews r LEFT JOIN partnerships p ON p.id = r.partnership_id",
    .fields = review_json_fields,
    .scope = {LIST_ALL, LIST_ON("p.hub_id"), LIST_ON("r.partnership_id"), LIST_ON("r.school_id"),
              "r.champion_id = $scope OR EXISTS (SELECT 1 FROM review_team t "
              "WHERE t.review_id = r.id AND t.person_id = $scope)"},
    .query = review_filters,
    .filters = review_list_filters,
    .after = "(r.created_at, r.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY r.created_at, r.id LIMIT $limit",
    .variants = &review_list_variants,
};

static const struct vfield review_transition_fields[] = {
    {"to", V_ENUM, V_REQUIRED, 0, workflow_status_names, 0, 0},
    {"reason", V_TEXT, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield review_champion_fields[] = {
    {"person_id", V_UUID, V_REQUIRED, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const char *review_actor(const struct req *r)
{
    return r->principal.key_id[0] ? r->principal.key_id : "admin-token";
}

/* The caller's person, for "reviews it sits on"; NULL for other keys. */
static const char *review_me(const struct req *r)
{
    return r->principal.role == ROLE_PERSON ? r->principal.scope_id : NULL;
}

/* The scope decision for act on a loaded review row, answering nothing. */
static enum scope_result review_decide(const struct req *r, const PGresult *row,
                                       enum review_act act)
{
    struct scope_owner o;
    req_owner_from_row(row, 0, &o);
    return scope_review(&r->principal, &o, (unsigned)atoi(db_value(row, 0, "involvement")), act);
}

/* The role decision alone, answered: 404 or 403 and -1, else 0. */
static int review_role(struct req *r, const PGresult *row, enum review_act act)
{
    switch (review_decide(r, row, act)) {
    case SCOPE_NOT_FOUND:
        req_problem(r, 404, "not_found", "No such review.");
        return -1;
    case SCOPE_FORBIDDEN:
        req_problem(r, 403, "forbidden", "Your key's role may not do this on this review.");
        return -1;
    case SCOPE_OK:
        break;
    }
    return 0;
}

int reviews_allowed(struct req *r, const PGresult *row, enum review_act act)
{
    if (review_role(r, row, act) != 0)
        return -1;
    if (act != REVIEW_ACT_READ &&
        workflow_is_terminal(workflow_status_parse(db_value(row, 0, "status")))) {
        req_problem(r, 409, "conflict",
                    arena_printf(&r->arena, "The review is %s: it no longer changes.",
                                 db_value(row, 0, "status")));
        return -1;
    }
    return 0;
}

PGresult *reviews_load(struct req *r, const char *review_id, int lock, enum review_act act)
{
    PGresult *res =
        req_db(r, lock ? &reviews_statements[REVIEW_LOCK] : &reviews_statements[REVIEW_GET],
               DB_ARGS({"id", review_id}, {"me", review_me(r)}));
    if (!res)
        return NULL;
    if (PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", "No such review.");
        return NULL;
    }
    return reviews_allowed(r, res, act) == 0 ? res : NULL;
}

/* reviews_event, with COMMIT in the same round trip when last is set. */
static int reviews_event_run(struct req *r, const char *review_id, const char *kind,
                             const char *from, const char *to, const char *reason, int last)
{
    PGresult *res = (last ? req_db_commit : req_db)(
        r, &reviews_statements[REVIEW_EVENT_INSERT],
        DB_ARGS({"review_id", review_id}, {"kind", kind}, {"from", from}, {"to", to},
                {"actor", review_actor(r)}, {"reason", reason}));
    if (!res)
        return -1;
    if (!db_is_null(res, 0, "job_id"))
        req_publish_after_commit(r, db_value(res, 0, "job_id"));
    return 0;
}

int reviews_event(struct req *r, const char *review_id, const char *kind, const char *from,
                  const char *to, const char *reason)
{
    return reviews_event_run(r, review_id, kind, from, to, reason, 0);
}

void reviews_list(struct req *r)
{
    list_page(r, &review_list);
}

void reviews_create(struct req *r)
{
    /* A role that never creates a review is told so before its body is read: 403 whatever
     * school it names, not the 422 an invisible school_id would give. */
    if (!scope_creates_reviews(&r->principal)) {
        req_problem(r, 403, "forbidden", "Only the host school creates its review.");
        return;
    }
    if (req_check_body(r, review_fields, VALIDATE_CREATE) != 0)
        return;
    /* Dates in the wrong order are stored: the school may be moving them one at a time; the
     * dates_reversed guard stops the review being scheduled that way. */
    json_t *errors = json_array();
    struct scope_owner o;
    if (resource_ref(r, r->json, "school_id", SCOPE_SCHOOL, &o, errors) != 0) {
        json_decref(errors);
        return;
    }
    if (resource_errors(r, errors) != 0)
        return;
    /* The host school drives its review: only its own key (and admin) create one. */
    enum scope_result may = scope_review(&r->principal, &o, 0, REVIEW_ACT_DRIVE);
    if (may != SCOPE_OK) {
        req_problem(r, 403, "forbidden", "Only the host school creates its review.");
        return;
    }
    struct db_arg args[REVIEW_WRITABLE];
    int n = resource_args(r, review_fields, r->json, args, REVIEW_WRITABLE);
    if (n < 0)
        return;
    PGresult *res = req_db(r, &reviews_statements[REVIEW_INSERT], n, args);
    if (!res)
        return;
    resource_created(r, res, review_json_fields);
}

void reviews_get(struct req *r)
{
    PGresult *res = reviews_load(r, req_param(r, "id"), 0, REVIEW_ACT_READ);
    if (res)
        resource_reply(r, 200, res, 0, review_json_fields);
}

/* The fields each part of a PATCH needs: the workshop date is the champion's (and the host
 * school's), everything else the host school's. */
static enum review_act review_field_act(const char *field)
{
    return !strcmp(field, "workshop_on") ? REVIEW_ACT_WORKSHOP : REVIEW_ACT_DRIVE;
}

/* Asks the worker to choose a champion. One assignment per review waits at a time: while one
 * has not started, asking again (or a change that calls for one) answers with that job. A
 * change passes the review's new version, so that the same version never asks twice even after
 * the job has run. Writes the job id into job when not NULL. */
static int review_enqueue_assignment(struct req *r, const char *id, const char *version, char *job)
{
    char *payload = arena_printf(&r->arena, "{\"review_id\":\"%s\"}", id);
    char *key = NULL;
    if (version)
        key = arena_printf(&r->arena, "champion.assign:%s:%s", id, version);
    char *pending = arena_printf(&r->arena, "champion.assign:%s", id);
    struct jobs_new j = {"champion.assign", payload, key, 0, 0, NULL};
    char scratch[37];
    return req_enqueue_once(r, &j, pending, job ? job : scratch);
}

/* Answers the review with a report of who no longer qualifies after its dates moved. */
static void review_reply_rechecked(struct req *r, const PGresult *res, json_t *report)
{
    const char *text = resource_json(r, res, 0, review_json_fields);
    if (!text) {
        json_decref(report);
        return;
    }
    json_t *body = json_loads(text, 0, NULL);
    json_object_set_new(body, "no_longer_eligible", report);
    req_etag(r, db_value(res, 0, "version"));
    req_reply_json(r, 200, body);
}

void reviews_update(struct req *r)
{
    const char *id = req_param(r, "id");
    PGresult *cur = reviews_load(r, id, 1, REVIEW_ACT_READ);
    if (!cur || req_if_match(r, db_value(cur, 0, "version")) != 0 ||
        req_check_body(r, review_fields, VALIDATE_PATCH) != 0)
        return;
    const char *current = resource_json(r, cur, 0, review_json_fields);
    if (!current)
        return;
    if (json_object_get(r->json, "school_id") && resource_changes(current, r->json, "school_id")) {
        req_invalid_field(r, "/school_id", "read_only", "a review stays with its host school");
        return;
    }
    /* Every part of the change must be the caller's to make (an empty patch still needs a
     * review that can change). */
    enum review_act any = review_decide(r, cur, REVIEW_ACT_WORKSHOP) == SCOPE_OK
                              ? REVIEW_ACT_WORKSHOP
                              : REVIEW_ACT_DRIVE;
    if (reviews_allowed(r, cur, any) != 0)
        return;
    const char *k;
    json_t *v;
    json_object_foreach(r->json, k, v)
    {
        if (reviews_allowed(r, cur, review_field_act(k)) != 0)
            return;
    }
    json_t *merged = resource_merge(current, r->json);
    struct db_arg args[REVIEW_WRITABLE + 1];
    args[0] = (struct db_arg){"id", id};
    /* $school_id is the (unchanged) school. */
    int nparams = resource_args(r, review_fields, merged, args + 1, REVIEW_WRITABLE);
    json_decref(merged); /* the parameters are copies in the arena */
    if (nparams < 0)
        return;
    PGresult *res = req_db(r, &reviews_statements[REVIEW_UPDATE], nparams + 1, args);
    if (!res)
        return;
    int moved = resource_changes(current, r->json, "review_starts_on") ||
                resource_changes(current, r->json, "review_ends_on") ||
                resource_changes(current, r->json, "workshop_on");
    if (!moved) {
        resource_reply(r, 200, res, 0, review_json_fields);
        return;
    }
    /* Moving dates re-checks everyone placed and says who no longer qualifies; a champion who
     * no longer qualifies is replaced by the worker. */
    json_t *report = review_facts_recheck(r, id);
    if (!report)
        return;
    size_t i;
    json_t *item;
    json_array_foreach(report, i, item)
    {
        if (strcmp(json_string_value(json_object_get(item, "role")), "champion") != 0)
            continue;
        if (review_enqueue_assignment(r, id, db_value(res, 0, "version"), NULL) != 0) {
            json_decref(report);
            return;
        }
    }
    review_reply_rechecked(r, res, report);
}

/* Loads what the guards look at; team_not_eligible only matters for scheduling. */
static int review_load_facts(struct req *r, const char *id, enum review_status to,
                             struct review_facts *f)
{
    PGresult *res = req_db(r, &reviews_statements[REVIEW_WORKFLOW_FACTS], DB_ARGS({"id", id}));
    if (!res)
        return -1;
        /* Each fact is the column of its own name. */
#define FACT_BOOL(name) f->name = db_value(res, 0, #name)[0] == 't'
#define FACT_INT(name)  f->name = atoi(db_value(res, 0, #name))
    FACT_BOOL(has_focus);
    FACT_BOOL(has_self_review);
    FACT_BOOL(has_start);
    FACT_BOOL(has_end);
    FACT_BOOL(dates_reversed);
    FACT_INT(team_size);
    FACT_INT(lead_reviewers);
    FACT_INT(evidence_count);
    FACT_INT(finding_count);
    FACT_BOOL(has_champion);
    FACT_BOOL(has_workshop_on);
    FACT_INT(action_count);
    FACT_INT(actions_incomplete);
    FACT_BOOL(has_implementation_due);
    FACT_BOOL(has_impact_summary);
    FACT_BOOL(has_lessons_learned);
#undef FACT_BOOL
#undef FACT_INT
    f->team_not_eligible = 0;
    if (to == REVIEW_SCHEDULED) {
        json_t *report = review_facts_recheck(r, id);
        if (!report)
            return -1;
        size_t i;
        json_t *item;
        json_array_foreach(report, i, item)
        {
            if (strcmp(json_string_value(json_object_get(item, "role")), "champion") != 0)
                f->team_not_eligible++;
        }
        json_decref(report);
    }
    return 0;
}

/* POST /v1/reviews/{id}/transitions {"to", "reason"}: one step of the workflow. */
void reviews_transition(struct req *r)
{
    const char *id = req_param(r, "id");
    /* A completed or cancelled review answers invalid_transition below, like any non-edge. */
    PGresult *cur = reviews_load(r, id, 1, REVIEW_ACT_READ);
    if (!cur || review_role(r, cur, REVIEW_ACT_DRIVE) != 0 ||
        req_if_match(r, db_value(cur, 0, "version")) != 0 ||
        req_check_body(r, review_transition_fields, VALIDATE_CREATE) != 0)
        return;
    const char *from_s = db_value(cur, 0, "status");
    const char *to_s = json_string_value(json_object_get(r->json, "to"));
    const char *reason = json_string_value(json_object_get(r->json, "reason"));
    enum review_status from = workflow_status_parse(from_s), to = workflow_status_parse(to_s);
    if (!workflow_is_edge(from, to)) {
        req_problem(r, 409, "invalid_transition",
                    arena_printf(&r->arena, "A review cannot move from %s to %s.", from_s, to_s));
        return;
    }
    struct review_facts facts;
    if (review_load_facts(r, id, to, &facts) != 0)
        return;
    facts.has_reason = reason && strspn(reason, " \t\r\n") < strlen(reason);
    struct workflow_problem problems[WORKFLOW_MAX_PROBLEMS];
    size_t n = 0;
    if (workflow_check(from, to, &facts, problems, &n) != WORKFLOW_OK) {
        json_t *errors = json_array();
        for (size_t i = 0; i < n; i++)
            validate_add(errors, NULL, problems[i].rule, "%s", problems[i].message);
        req_problem_errors(r, 422, "guard_failed",
                           arena_printf(&r->arena, "The review cannot move to %s yet.", to_s),
                           errors);
        return;
    }
    PGresult *res =
        req_db(r, &reviews_statements[REVIEW_SET_STATUS], DB_ARGS({"id", id}, {"status", to_s}));
    if (!res)
        return;
    if (to == REVIEW_FEEDBACK && !facts.has_champion &&
        review_enqueue_assignment(r, id, db_value(res, 0, "version"), NULL) != 0)
        return;
    if (to == REVIEW_COMPLETED) {
        if (!req_db(r, &reviews_statements[REVIEW_PUBLISH_PRACTICES], DB_ARGS({"review_id", id})))
            return;
    }
    /* The event last, with COMMIT in its round trip. */
    if (reviews_event_run(r, id, "transition", from_s, to_s, reason, 1) != 0)
        return;
    resource_reply(r, 200, res, 0, review_json_fields);
}

/* PUT /v1/reviews/{id}/champion {"person_id"}: the host school's own choice, same rules. */
void reviews_set_champion(struct req *r)
{
    const char *id = req_param(r, "id");
    PGresult *cur = reviews_load(r, id, 1, REVIEW_ACT_DRIVE);
    if (!cur || req_if_match(r, db_value(cur, 0, "version")) != 0 ||
        req_check_body(r, review_champion_fields, VALIDATE_CREATE) != 0)
        return;
    const char *person = json_string_value(json_object_get(r->json, "person_id"));
    if (review_facts_require(r, id, person, 1, "/person_id") != 0)
        return;
    PGresult *res =
        req_db(r, &reviews_statements[REVIEW_SET_CHAMPION],
               DB_ARGS({"review_id", id}, {"person_id", person}, {"actor", review_actor(r)}));
    if (!res)
        return;
    if (!db_is_null(res, 0, "job_id"))
        req_publish_after_commit(r, db_value(res, 0, "job_id"));
    resource_reply(r, 200, res, 0, NULL);
}

/* POST /v1/reviews/{id}/champion-assignment: asks the worker to choose (202 + the job). */
void reviews_assign_champion(struct req *r)
{
    const char *id = req_param(r, "id");
    PGresult *cur = reviews_load(r, id, 1, REVIEW_ACT_DRIVE);
    if (!cur)
        return;
    char job[37];
    if (review_enqueue_assignment(r, id, NULL, job) == 0)
        req_reply_accepted(r, job);
}

static struct list_variants review_events_variants;

/* The review's history, oldest first (the review's check is the scope). */
static const struct list_desc review_events =
    LIST_ITEMS("review_events_list", "review_event_json", "review_events e", "e", "e.review_id",
               LIST_SCOPE_ANY, review_events_variants);

void reviews_events(struct req *r)
{
    if (list_check(r, &review_events) == 0 &&
        reviews_load(r, req_param(r, "id"), 0, REVIEW_ACT_READ))
        list_answer(r, &review_events);
}
