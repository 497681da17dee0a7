/* Loading the facts of the review rules (eligibility) from PostgreSQL. */
#ifndef SPP_FACTS_H
#define SPP_FACTS_H

#include <jansson.h>

#include "arena.h"
#include "db.h"
#include "eligibility.h"

/* The statements below use; prepare them on the connection. */
enum { RFACTS_REVIEW, RFACTS_PERSON };
extern const struct db_stmt facts_statements[];

/* The review's side; "today" is the date in tz. Memory from a. 0, 1 when there is no such
 * review, -1 on a database error (logged). */
int facts_review(struct db *db, struct arena *a, const char *review_id, const char *tz,
                 struct elig_review *out);
/* A person's side for accreditation_role ("peer_reviewer" or "improvement_champion"), leaving
 * out review_id's own visit and workshop. 0, 1 when there is no such person, -1 on an error. */
int facts_person(struct db *db, struct arena *a, const char *review_id, const char *person_id,
                 const char *accreditation_role, struct elig_person *out);

#endif
