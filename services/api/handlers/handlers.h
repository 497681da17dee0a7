/* The resource handlers, one file per resource, and their statement tables. */
#ifndef SPP_HANDLERS_H
#define SPP_HANDLERS_H

#include "booking.h"
#include "db.h"
#include "req.h"
#include "rowjson.h"

struct config;

/* Start-up work of the handlers (loading openapi.yaml); 0 or -1 after logging. */
int system_init(const struct config *cfg);
void system_cleanup(void);
/* The configuration the service started with (borrowed, read-only). */
const struct config *system_config(void);

/* system.c */
void system_healthz(struct req *r);
void system_readyz(struct req *r);
void system_metrics(struct req *r);
void system_openapi(struct req *r);

/* schools.c */
extern const struct db_stmt schools_statements[];
void schools_list(struct req *r);
void schools_create(struct req *r);
void schools_get(struct req *r);
void schools_update(struct req *r);
void schools_delete(struct req *r);

/* api_keys.c */
enum { API_KEY_GET, API_KEY_INSERT, API_KEY_REVOKE };
extern const struct db_stmt api_keys_statements[];
void api_keys_list(struct req *r);
void api_keys_create(struct req *r);
void api_keys_get(struct req *r);
void api_keys_delete(struct req *r);

/* @handlers:resources */

/* accreditations.c */
enum {
    ACCR_AWARDS,
    ACCR_SET,
    ACCR_ATTENDED,
    ACCR_UNATTENDED,
    ACCR_GET,
    ACCR_TODAY,
    ACCR_PERSON_LOCK,
    ACCR_BOOKING_PERSON_LOCK,
    ACCR_RECORD,
    ACCR_IMPORT_PEOPLE,
    ACCR_IMPORT
};
extern const struct db_stmt accreditations_statements[];
/* Stores the accreditation rule's outcome on every award of person_id in role. Returns 0 or
 * -1 after answering. */
int accreditations_refresh(struct req *r, const char *person_id, const char *role);
/* The award of an attended booking (added, or removed when attendance is corrected). */
int accreditations_attended(struct req *r, const char *booking_id);
int accreditations_unattended(struct req *r, const char *booking_id);
/* @handlers:accreditations */

/* reviews.c */
enum {
    REVIEW_GET,
    REVIEW_LOCK,
    REVIEW_INSERT,
    REVIEW_UPDATE,
    REVIEW_SET_STATUS,
    REVIEW_SET_CHAMPION,
    REVIEW_WORKFLOW_FACTS,
    REVIEW_EVENT_INSERT,
    REVIEW_PUBLISH_PRACTICES
};
extern const struct db_stmt reviews_statements[];
void reviews_list(struct req *r);
void reviews_create(struct req *r);
void reviews_get(struct req *r);
void reviews_update(struct req *r);
void reviews_transition(struct req *r);
void reviews_set_champion(struct req *r);
void reviews_assign_champion(struct req *r);
void reviews_events(struct req *r);
/* Loads review review_id (locked for a change) and checks act for the caller: 404 when it may
 * not see it, 403 when it may not take act, 409 when a change meets a completed or cancelled
 * review. Columns: json, version, hub_id, partnership_id, school_id, NULL, status,
 * involvement (1 on the team, 2 champion), champion_id. NULL after answering. */
PGresult *reviews_load(struct req *r, const char *review_id, int lock, enum review_act act);
/* The same decision on a row already loaded; -1 after answering. */
int reviews_allowed(struct req *r, const PGresult *row, enum review_act act);
/* Writes a review event (kind "transition", "champion.assigned", …) and, in the same
 * transaction, the webhook job that announces it with the review as its data
 * (spp_review_event). */
int reviews_event(struct req *r, const char *review_id, const char *kind, const char *from,
                  const char *to, const char *reason);

/* review_facts.c */
struct elig_review;
struct elig_person;
struct elig_problem;
enum { REVIEW_PERSON, RFACTS_PLACED };
extern const struct db_stmt review_facts_statements[];
/* Whether person_id may be named on review review_id (as team member, champion or action
 * owner) by this caller, who has loaded the review: a person of the review's partnership is
 * REVIEW_FACTS_MEMBER; a person the caller sees outside it REVIEW_FACTS_OUTSIDER (the rules
 * may say why not); anyone else, or no one, REVIEW_FACTS_UNSEEN, answered alike as "names no
 * person you can see" so that the answer never tells whether an id is a person. -1 after
 * answering a database error. */
enum { REVIEW_FACTS_UNSEEN = 0, REVIEW_FACTS_MEMBER = 1, REVIEW_FACTS_OUTSIDER = 2 };
int review_facts_nameable(struct req *r, const char *review_id, const char *person_id);
/* Loads the review's side of the eligibility facts; 0 or -1 after answering. */
int review_facts_review(struct req *r, const char *review_id, struct elig_review *out);
/* Loads a person's side for a role ("peer_reviewer" or "improvement_champion"): 0, 1 when there
 * is no such person, -1 after answering. */
int review_facts_person(struct req *r, const char *review_id, const char *person_id,
                        const char *accreditation_role, struct elig_person *out);
/* The rules person_id breaks as a team member (champion 0) or champion (1); (size_t)-1 after
 * answering a database error. */
size_t review_facts_check(struct req *r, const struct elig_review *review, const char *person_id,
                          int champion, struct elig_problem *out);
/* Answers 422 not_eligible (errors naming each rule, under field) and returns -1 when the
 * person may not sit there; 0 when they may. */
int review_facts_require(struct req *r, const char *review_id, const char *person_id, int champion,
                         const char *field);
/* Everyone placed on the review (team and champion) who now breaks a rule:
 * [{person_id, role, errors}]; NULL after answering. */
json_t *review_facts_recheck(struct req *r, const char *review_id);
/* /v1/people/{id}/accreditations[/{accreditation_id}] and /v1/accreditations/import. */
void accreditations_list(struct req *r);
void accreditations_create(struct req *r);
void accreditations_get(struct req *r);
void accreditations_import(struct req *r);

/* training_sessions.c */
enum { TRAINING_GET, TRAINING_LOCK, TRAINING_INSERT, TRAINING_UPDATE, TRAINING_DELETE };
extern const struct db_stmt training_sessions_statements[];
void training_sessions_list(struct req *r);
void training_sessions_create(struct req *r);
void training_sessions_get(struct req *r);
void training_sessions_update(struct req *r);
void training_sessions_delete(struct req *r);
/* Loads session id (locked for a change) and checks op; NULL after answering. Columns: json,
 * version, hub_id, booked_count, capacity, started ("t"/"f"). */
PGresult *training_sessions_load(struct req *r, const char *id, int lock, enum scope_op op);

/* bookings.c */
enum { BOOKING_GET, BOOKING_LOCK, BOOKING_INSERT, BOOKING_SET_STATUS, BOOKING_SEATS };
extern const struct db_stmt bookings_statements[];
void bookings_list(struct req *r);
void bookings_create(struct req *r);
void bookings_get(struct req *r);
void bookings_update(struct req *r);

/* waitlist.c: the waiting list of a session, moved by bookings.c and training_sessions.c. */
extern const struct db_stmt waitlist_statements[];
/* Moves up to seats of the oldest waitlisted bookings of a session (locked by the caller) into
 * booked places, telling each person. Returns 0 or -1 after answering. */
int waitlist_promote(struct req *r, const char *session_id, int seats);
/* Tells booking_id's person of its change (a booking.changed notification, published after
 * commit) and the integrations (a booking.changed webhook event). Returns 0 or -1 after
 * answering. */
int waitlist_announce(struct req *r, const char *booking_id);
/* Moves booking_id (of session_id, whose row the caller locked) from `from` to `to`: the new
 * status, announced to the integrations (and, when tell, to its person), and a seat it frees
 * given to the oldest waitlisted booking. Returns the booking's row (json, version), or NULL
 * after answering. */
PGresult *waitlist_move(struct req *r, const char *booking_id, const char *session_id,
                        enum booking_status from, enum booking_status to, int tell);

/* job_routes.c */
enum {
    JOB_ROUTES_GET,
    JOB_ROUTES_RETRY,
    JOB_ROUTES_COUNTS,
    JOB_ROUTES_OLDEST_DUE,
    JOB_ROUTES_ANNOUNCE
};
extern const struct db_stmt job_routes_statements[];
/* A job's representation from the columns of JOB_ROUTES_GET (rowjson.h). */
extern const struct rowjson_field job_routes_json_fields[];
void job_routes_list(struct req *r);
void job_routes_get(struct req *r);
void job_routes_retry(struct req *r);

/* hubs.c */
extern const struct db_stmt hubs_statements[];
void hubs_list(struct req *r);
void hubs_create(struct req *r);
void hubs_get(struct req *r);
void hubs_update(struct req *r);
void hubs_delete(struct req *r);
void hubs_summary(struct req *r);

/* partnerships.c */
/* The statements, by handle: hubs.c runs PARTNERSHIP_HUB_SUMMARY. */
enum {
    PARTNERSHIP_SUMMARY_ONE,
    PARTNERSHIP_HUB_SUMMARY,
    PARTNERSHIP_GET,
    PARTNERSHIP_LOCK,
    PARTNERSHIP_INSERT,
    PARTNERSHIP_UPDATE,
    PARTNERSHIP_PHASE,
    PARTNERSHIP_DELETE,
    PARTNERSHIP_STATEMENTS
};

extern const struct db_stmt partnerships_statements[];
void partnerships_list(struct req *r);
void partnerships_create(struct req *r);
void partnerships_get(struct req *r);
void partnerships_update(struct req *r);
void partnerships_delete(struct req *r);
void partnerships_phase(struct req *r);
void partnerships_summary(struct req *r);

/* people.c */
enum {
    PERSON_LOCK,
    PERSON_READ,
    PERSON_INSERT,
    PERSON_UPDATE,
    PERSON_LEADS_ELSEWHERE,
    PERSON_DELETE
};
extern const struct db_stmt people_statements[];
/* A person's representation from the columns of PERSON_LOCK and PERSON_READ (rowjson.h). */
extern const struct rowjson_field people_json_fields[];
void people_list(struct req *r);
void people_create(struct req *r);
void people_get(struct req *r);
void people_update(struct req *r);
void people_delete(struct req *r);
/* The path's person if the caller's scope sees it (one column, id): $id the person,
 * $scope_hub, $scope_partnership, $scope_school, $scope_person the caller's scope (NULL when not
 * the caller's kind). Reads that are audited apply scope in SQL like
 * this, so that only a read that answers records a row. */
#define PEOPLE_SEEN_SQL                                                                            \
    "SELECT pe.id FROM people pe JOIN schools s ON s.id = pe.school_id "                           \
    "LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE pe.id = $id "                       \
    "AND ($scope_hub::uuid IS NULL OR p.hub_id = $scope_hub) "                                     \
    "AND ($scope_partnership::uuid IS NULL OR s.partnership_id = $scope_partnership) "             \
    "AND ($scope_school::uuid IS NULL OR s.id = $scope_school) "                                   \
    "AND ($scope_person::uuid IS NULL OR pe.id = $scope_person)"
/* Runs stmt, an audited read of the path's person built on PEOPLE_SEEN_SQL (and $actor, $route,
 * $request_id: resource_audit_args), and answers 404 when it found no one. Returns the result
 * (owned by the request) or NULL after answering. */
PGresult *people_read_audited(struct req *r, const struct db_stmt *stmt);

/* audit.c: the access audit (DESIGN §1.4) and GET /v1/audit (admin keys only). */
extern const struct db_stmt audit_statements[];
void audit_list(struct req *r);
/* A column for the audit CTE of a read (GET of a person, the list, the export): the read's
 * own implicit transaction commits without waiting for its WAL to reach the disk
 * (synchronous_commit off for that transaction alone). Without it, writing the audit row turns
 * every read into a durable commit, an fsync each, which cut the people list to a third
 * (bench/RESULTS.md, "Access audit"). The price: a PostgreSQL crash may lose the audit rows of
 * the reads of its last moments (at most three wal_writer_delay, 600 ms by default). Changes
 * keep synchronous commits: their audit rows are as durable as the change. */
#define AUDIT_READ_COMMIT "set_config('synchronous_commit', 'off', true)"

/* privacy.c: GET /v1/people/{id}/export and POST /v1/people/{id}/erase (DESIGN §1.4). */
enum { PRIVACY_EXPORT, PRIVACY_FUTURE_BOOKINGS, PRIVACY_ERASE };
extern const struct db_stmt privacy_statements[];
void privacy_export(struct req *r);
void privacy_erase(struct req *r);

/* conflicts.c */
extern const struct db_stmt conflicts_statements[];
void conflicts_list(struct req *r);
void conflicts_create(struct req *r);
void conflicts_get(struct req *r);
void conflicts_delete(struct req *r);

/* unavailability.c */
extern const struct db_stmt unavailability_statements[];
void unavailability_list(struct req *r);
void unavailability_create(struct req *r);
void unavailability_get(struct req *r);
void unavailability_delete(struct req *r);

/* review_team.c, evidence.c, findings.c, actions.c, best_practices.c: the sub-collections of
 * a review, each /v1/reviews/{id}/<name>[/{item_id}], each a descriptor on subcollection.c. */
extern const struct db_stmt review_team_statements[];
void review_team_list(struct req *r);
void review_team_create(struct req *r);
void review_team_get(struct req *r);
void review_team_update(struct req *r);
void review_team_delete(struct req *r);
extern const struct db_stmt evidence_statements[];
void evidence_list(struct req *r);
void evidence_create(struct req *r);
void evidence_get(struct req *r);
void evidence_update(struct req *r);
void evidence_delete(struct req *r);
extern const struct db_stmt findings_statements[];
void findings_list(struct req *r);
void findings_create(struct req *r);
void findings_get(struct req *r);
void findings_update(struct req *r);
void findings_delete(struct req *r);
extern const struct db_stmt actions_statements[];
void actions_list(struct req *r);
void actions_create(struct req *r);
void actions_get(struct req *r);
void actions_update(struct req *r);
void actions_delete(struct req *r);
extern const struct db_stmt best_practices_statements[];
void best_practices_list(struct req *r);
void best_practices_create(struct req *r);
void best_practices_get(struct req *r);
void best_practices_update(struct req *r);
void best_practices_delete(struct req *r);
/* GET /v1/partnerships/{id}/best-practices: the published ones, newest first. */
void best_practices_published(struct req *r);
/* Whether the caller may read partnership_id's best practices and digests (DESIGN §3): 1, 0
 * (nothing answered) or -1 after answering a database error. */
int best_practices_readable(struct req *r, const char *partnership_id);
int best_practices_require(struct req *r, const char *partnership_id, const char *absent);
/* A page of a partnership's shared material: best practices, digests and review plans (d's
 * {id} is the path's partnership). */
struct list_desc;
void best_practices_page(struct req *r, const struct list_desc *d);

/* digests.c: GET/POST /v1/partnerships/{id}/digests, GET /v1/digests/{id}. */
enum { DIGEST_GET, DIGEST_PARTNERSHIP, DIGEST_OF_DATE };
extern const struct db_stmt digests_statements[];
void digests_list(struct req *r);
void digests_create(struct req *r);
void digests_get(struct req *r);

/* review_plans.c: annual review plans (DESIGN §1.3). */
enum { RPLAN_GET, RPLAN_INSERT, RPLAN_LOCK, RPLAN_REVIEW, RPLAN_MEMBER, RPLAN_ACCEPTED };
extern const struct db_stmt review_plans_statements[];
void review_plans_list(struct req *r);
void review_plans_create(struct req *r);
void review_plans_get(struct req *r);
void review_plans_accept(struct req *r);

/* webhooks.c: /v1/webhooks (admin and hub keys; the secret returned once). */
enum {
    WEBHOOK_INSERT,
    WEBHOOK_GET,
    WEBHOOK_LOCK,
    WEBHOOK_DELETE,
    WEBHOOK_OWNER_LOCK,
    WEBHOOK_OWNER_COUNT
};
extern const struct db_stmt webhooks_statements[];
void webhooks_list(struct req *r);
void webhooks_create(struct req *r);
void webhooks_get(struct req *r);
void webhooks_delete(struct req *r);

/* notifications.c: GET /v1/notifications, newest first, by the caller's scope. */
extern const struct db_stmt notifications_statements[];
void notifications_list(struct req *r);

/* admin.c: POST /v1/admin/reminder-scan (admin keys only; 202 with the job). */
enum { ADMIN_INSTANT };
extern const struct db_stmt admin_statements[];
void admin_reminder_scan(struct req *r);

/* calendar.c: GET /v1/people/{id}/calendar.ics, the person's review visits, workshops and
 * training as iCalendar (read like the person: 404 when the caller cannot see it); the
 * subscription URL that answers the same calendar without a header (POST and DELETE
 * /v1/people/{id}/calendar-feed, GET /feeds/calendar/{secret}.ics). Every read is audited. */
enum { CALENDAR_EVENTS, CALENDAR_FEED_PUT, CALENDAR_FEED_DELETE, CALENDAR_FEED_FIND };
extern const struct db_stmt calendar_statements[];
void calendar_get(struct req *r);
void calendar_feed_create(struct req *r);
void calendar_feed_delete(struct req *r);
void calendar_feed_get(struct req *r);

/* unsubscribe.c: GET (a page with a button, changes nothing) and POST (switches off) of
 * /unsubscribe/{token}, the one-click link of digests and reminders; no Authorization. */
enum { UNSUB_KEY, UNSUB_PERSON, UNSUB_APPLY };
extern const struct db_stmt unsubscribe_statements[];
void unsubscribe_show(struct req *r);
void unsubscribe_apply(struct req *r);

#endif
