/* The facts the review rules need (common/rules/workflow.c, common/rules/eligibility.c), loaded
 * from PostgreSQL: the review's side and a person's side, each in one round trip. Used by the API
 * (team and champion changes) and by the worker (champion assignment). */
#include "facts.h"

#include <string.h>

#include "log.h"

const struct db_stmt facts_statements[] = {
    /* The review's side: host school, dates, team and evidence recorders, today in time zone
     * $tz. */
    [RFACTS_REVIEW] =
        {"rfacts_review",
         "SELECT json_build_object('school_id', r.school_id, 'partnership_id', r.partnership_id, "
         "'champion_id', r.champion_id, 'starts', r.review_starts_on, 'ends', r.review_ends_on, "
         "'workshop', r.workshop_on, "
         "'today', (clock_timestamp() AT TIME ZONE $tz)::date, "
         "'team', COALESCE((SELECT json_agg(t.person_id) FROM review_team t "
         "WHERE t.review_id = r.id), '[]'), "
         "'recorders', COALESCE((SELECT json_agg(DISTINCT e.recorded_by) FROM evidence e "
         "WHERE e.review_id = r.id), '[]'))::text AS facts FROM reviews r WHERE r.id = $review_id"},
    /* The person's side for accreditation role $role, leaving out review $review_id itself. */
    [RFACTS_PERSON] =
        {"rfacts_person",
         "SELECT json_build_object('school_id', pe.school_id, 'partnership_id', s.partnership_id, "
         "'awards', COALESCE((SELECT json_agg(json_build_object('on', a.awarded_on, 'until', "
         "a.valid_until, 'counts', a.counts)) FROM accreditations a WHERE a.person_id = pe.id "
         "AND a.role = $role), '[]'), "
         "'conflicts', COALESCE((SELECT json_agg(c.school_id) FROM conflicts c "
         "WHERE c.person_id = pe.id), '[]'), "
         "'unavailable', COALESCE((SELECT json_agg(json_build_object('from', u.from_on, 'to', "
         "u.to_on)) FROM unavailability u WHERE u.person_id = pe.id), '[]'), "
         "'visits', COALESCE((SELECT json_agg(json_build_object('from', r.review_starts_on, 'to', "
         "r.review_ends_on)) FROM review_team t JOIN reviews r ON r.id = t.review_id "
         "WHERE t.person_id = pe.id AND r.id <> $review_id AND r.status <> 'cancelled' "
         "AND r.review_starts_on IS NOT NULL AND r.review_ends_on IS NOT NULL), '[]'), "
         "'workshops', COALESCE((SELECT json_agg(r.workshop_on) FROM reviews r "
         "WHERE r.champion_id = pe.id AND r.id <> $review_id AND r.status <> 'cancelled' "
         "AND r.workshop_on IS NOT NULL), '[]'))::text AS facts "
         /* An erased person (a tombstone) is no one to place on a review. */
         "FROM people pe JOIN schools s ON s.id = pe.school_id WHERE pe.id = $person_id "
         "AND pe.erased_at IS NULL"},
    {NULL, NULL},
};

/* What a review's and a person's facts both start with: the record (zeroed first) and where
 * its id, school and partnership go. */
struct facts_names {
    void *record;
    size_t size;
    const char **id, **school_id, **partnership_id;
};
#define FACTS_NAMES(out)                                                                           \
    ((struct facts_names){(out), sizeof *(out), &(out)->id, &(out)->school_id,                     \
                          &(out)->partnership_id})

/* A string member copied into the arena, or NULL. */
static const char *facts_str(struct arena *a, const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? arena_strdup(a, v) : NULL;
}

static int facts_date(const json_t *o, const char *k, struct caldate *out)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v && caldate_parse(v, out) == 0;
}

static const char *const *facts_ids(struct arena *a, const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    const char **ids = arena_alloc(a, (*n ? *n : 1) * sizeof *ids);
    for (size_t i = 0; i < *n; i++)
        ids[i] = arena_strdup(a, json_string_value(json_array_get(arr, i)));
    return ids;
}

static struct elig_range *facts_ranges(struct arena *a, const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    struct elig_range *out = arena_alloc(a, (*n ? *n : 1) * sizeof *out);
    for (size_t i = 0; i < *n; i++) {
        facts_date(json_array_get(arr, i), "from", &out[i].from);
        facts_date(json_array_get(arr, i), "to", &out[i].to);
    }
    return out;
}

/* The facts of the record id from stmt run with the n values of args (one row, its column facts
 * JSON text): 0 with *out (the caller's to free) and the record zeroed but for its names (id,
 * school_id, partnership_id, in the arena); 1 when there is no row; -1 on an error. */
static int facts_load(struct db *db, struct arena *a, const struct db_stmt *stmt, int n,
                      const struct db_arg *args, const char *id, json_t **out,
                      struct facts_names names)
{
    PGresult *res = db_exec(db, stmt, n, args);
    int rc = -1;
    if (!db_ok(res))
        log_error("%s failed: %s", stmt->name, res ? PQresultErrorMessage(res) : "no connection");
    else if (PQntuples(res) == 0)
        rc = 1;
    else {
        *out = json_loads(db_value(res, 0, "facts"), 0, NULL);
        rc = *out ? 0 : -1;
    }
    if (res)
        PQclear(res);
    if (rc == 0) {
        memset(names.record, 0, names.size);
        *names.id = arena_strdup(a, id);
        *names.school_id = facts_str(a, *out, "school_id");
        *names.partnership_id = facts_str(a, *out, "partnership_id");
    }
    return rc;
}

int facts_review(struct db *db, struct arena *a, const char *review_id, const char *tz,
                 struct elig_review *out)
{
    json_t *j = NULL;
    int rc =
        facts_load(db, a, &facts_statements[RFACTS_REVIEW],
                   DB_ARGS({"review_id", review_id}, {"tz", tz}), review_id, &j, FACTS_NAMES(out));
    if (rc != 0)
        return rc;
    out->has_dates =
        facts_date(j, "starts", &out->visit.from) && facts_date(j, "ends", &out->visit.to);
    out->has_workshop = facts_date(j, "workshop", &out->workshop_on);
    facts_date(j, "today", &out->today);
    out->team = facts_ids(a, json_object_get(j, "team"), &out->nteam);
    out->recorders = facts_ids(a, json_object_get(j, "recorders"), &out->nrecorders);
    out->champion_id = facts_str(a, j, "champion_id");
    json_decref(j);
    return 0;
}

int facts_person(struct db *db, struct arena *a, const char *review_id, const char *person_id,
                 const char *accreditation_role, struct elig_person *out)
{
    json_t *j = NULL;
    int rc = facts_load(
        db, a, &facts_statements[RFACTS_PERSON],
        DB_ARGS({"person_id", person_id}, {"role", accreditation_role}, {"review_id", review_id}),
        person_id, &j, FACTS_NAMES(out));
    if (rc != 0)
        return rc;
    /* The stored awards carry the accreditation rule's outcome already. */
    const json_t *awards = json_object_get(j, "awards");
    out->nawards = json_array_size(awards);
    struct accreditation_award *aw = arena_alloc(a, (out->nawards ? out->nawards : 1) * sizeof *aw);
    for (size_t i = 0; i < out->nawards; i++) {
        const json_t *w = json_array_get(awards, i);
        facts_date(w, "on", &aw[i].on);
        facts_date(w, "until", &aw[i].valid_until);
        aw[i].counts = json_is_true(json_object_get(w, "counts"));
    }
    out->awards = aw;
    out->conflict_schools = facts_ids(a, json_object_get(j, "conflicts"), &out->nconflicts);
    out->unavailable = facts_ranges(a, json_object_get(j, "unavailable"), &out->nunavailable);
    out->other_visits = facts_ranges(a, json_object_get(j, "visits"), &out->nother_visits);
    const json_t *ws = json_object_get(j, "workshops");
    out->nother_workshops = json_array_size(ws);
    struct caldate *w =
        arena_alloc(a, (out->nother_workshops ? out->nother_workshops : 1) * sizeof *w);
    for (size_t i = 0; i < out->nother_workshops; i++)
        caldate_parse(json_string_value(json_array_get(ws, i)), &w[i]);
    out->other_workshops = w;
    json_decref(j);
    return 0;
}
