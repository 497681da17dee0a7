/* The resource handlers, one file per resource, and their statement tables. */
#ifndef SPP_HANDLERS_H
#define SPP_HANDLERS_H

#include "db.h"
#include "req.h"

struct config;

/* Start-up work of the handlers (loading openapi.yaml); 0 or -1 after logging. */
int handlers_init(const struct config *cfg);
void handlers_cleanup(void);
/* The configuration the service started with (borrowed, read-only). */
const struct config *handlers_config(void);

/* system.c */
void system_healthz(struct req *r);
void system_readyz(struct req *r);
void system_metrics(struct req *r);
void system_openapi(struct req *r);

/* schools.c */
extern const struct db_stmt school_statements[];
void schools_list(struct req *r);
void schools_create(struct req *r);
void schools_get(struct req *r);
void schools_update(struct req *r);
void schools_delete(struct req *r);

/* api_keys.c */
extern const struct db_stmt api_key_statements[];
void api_keys_list(struct req *r);
void api_keys_create(struct req *r);
void api_keys_get(struct req *r);
void api_keys_delete(struct req *r);

/* @handlers:resources */

/* accreditations.c */
extern const struct db_stmt accreditation_statements[];
/* Stores the accreditation rule's outcome on every award of person_id in role. Returns 0 or
 * -1 after answering. */
int accreditations_refresh(struct req *r, const char *person_id, const char *role);
/* The award of an attended booking (added, or removed when attendance is corrected). */
int accreditations_attended(struct req *r, const char *booking_id);
int accreditations_unattended(struct req *r, const char *booking_id);
/* @handlers:accreditations */
/* /v1/people/{id}/accreditations[/{accreditation_id}] and /v1/accreditations/import. */
void accreditations_list(struct req *r);
void accreditations_create(struct req *r);
void accreditations_get(struct req *r);
void accreditations_import(struct req *r);

/* training_sessions.c */
extern const struct db_stmt training_statements[];
void training_sessions_list(struct req *r);
void training_sessions_create(struct req *r);
void training_sessions_get(struct req *r);
void training_sessions_update(struct req *r);
void training_sessions_delete(struct req *r);
/* Loads session id (locked for a change) and checks op; NULL after answering. Columns: json,
 * version, hub_id, booked_count, capacity, started ("t"/"f"). */
PGresult *training_sessions_load(struct req *r, const char *id, int lock, enum scope_op op);

/* bookings.c */
extern const struct db_stmt booking_statements[];
void bookings_list(struct req *r);
void bookings_create(struct req *r);
void bookings_get(struct req *r);
void bookings_update(struct req *r);
/* Moves up to seats of the oldest waitlisted bookings of a session (locked by the caller) into
 * booked places, telling each person. Returns 0 or -1 after answering. */
int bookings_promote(struct req *r, const char *session_id, int seats);

/* jobs.c */
extern const struct db_stmt job_statements[];
void jobs_list(struct req *r);
void jobs_get(struct req *r);
void jobs_retry(struct req *r);

/* hubs.c */
extern const struct db_stmt hub_statements[];
void hubs_list(struct req *r);
void hubs_create(struct req *r);
void hubs_get(struct req *r);
void hubs_update(struct req *r);
void hubs_delete(struct req *r);

/* partnerships.c */
extern const struct db_stmt partnership_statements[];
void partnerships_list(struct req *r);
void partnerships_create(struct req *r);
void partnerships_get(struct req *r);
void partnerships_update(struct req *r);
void partnerships_delete(struct req *r);
void partnerships_phase(struct req *r);

/* people.c */
extern const struct db_stmt person_statements[];
void people_list(struct req *r);
void people_create(struct req *r);
void people_get(struct req *r);
void people_update(struct req *r);
void people_delete(struct req *r);

/* conflicts.c */
extern const struct db_stmt conflict_statements[];
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

#endif
