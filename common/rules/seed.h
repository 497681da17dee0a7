/* The demo and scale data generator behind `spp-api seed` (services/api/seed.c): hubs,
 * partnerships, schools, staff, training, accreditations, conflicts, unavailability and reviews
 * in every status with their teams, evidence, findings, actions, best practices and events.
 *
 * Pure and deterministic: the rows are a function of (seed, schools, partnerships, hubs, today,
 * accreditation months) only; no clock, no randomness from outside, no I/O. Ids are derived
 * from the seed, the table and the row's index (seed_uuid), so the same options give the same
 * ids. Dates are placed relative to `today`, so that the data is "live" on that day: visits next
 * week, a workshop in a few days, overdue actions, a review completed yesterday; every event
 * lies before `today`.
 *
 * The rows keep every constraint of sql/ and the domain rules of DESIGN §1.2 (see seed.c for
 * how): seed_emit writes them in PostgreSQL's COPY text format, one table at a time, in an
 * order in which every foreign key points at a row already written. */
#ifndef SPP_SEED_H
#define SPP_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "caldate.h"

struct seed_opts {
    uint64_t seed;
    int schools;
    int partnerships; /* 0 = schools / 8 */
    int hubs;         /* 0 = partnerships / 25, at least 1 */
    struct caldate today;
    int accreditation_months; /* SPP_ACCREDITATION_MONTHS */
};

/* The tables in the order they are loaded. SEED_LEADS is not a table of the schema: rows
 * (kind 's' or 'p', id, lead person id) that the loader applies to schools and partnerships
 * once the people exist. */
enum seed_table {
    SEED_HUBS,
    SEED_PARTNERSHIPS,
    SEED_SCHOOLS,
    SEED_PEOPLE,
    SEED_LEADS,
    SEED_SESSIONS,
    SEED_BOOKINGS,
    SEED_ACCREDITATIONS,
    SEED_CONFLICTS,
    SEED_UNAVAILABILITY,
    SEED_REVIEWS,
    SEED_TEAM,
    SEED_EVIDENCE,
    SEED_FINDINGS,
    SEED_ACTIONS,
    SEED_BEST_PRACTICES,
    SEED_EVENTS,
    SEED_TABLE_COUNT
};

/* The nine review statuses, in workflow order (the index of each in the status pattern). */
extern const char *const seed_statuses[9];

struct seed_model;

/* Plans the data (partnership sizes, people, training, the review slots). Returns NULL with
 * the reason in err for options that cannot be met (fewer than 3 schools per partnership, out
 * of range). The caller frees the model with seed_model_free. */
struct seed_model *seed_model_new(const struct seed_opts *opts, char *err, size_t errlen);
void seed_model_free(struct seed_model *m);

/* The table's name and its "COPY name (columns) FROM STDIN" statement. */
const char *seed_table_name(enum seed_table t);
const char *seed_table_copy(enum seed_table t);

/* Receives COPY text, whole rows only, in chunks; returns 0, or non-zero to stop. */
typedef int (*seed_write_fn)(void *ctx, const char *data, size_t len);

/* Writes every row of table t through write. Returns the number of rows, or -1 when write
 * asked to stop. */
long seed_emit(const struct seed_model *m, enum seed_table t, seed_write_fn write, void *ctx);

/* Row counts the model will emit per table (after seed_model_new). */
long seed_count(const struct seed_model *m, enum seed_table t);

/* Derived ids: "5eedTTTT-SSSS-4SSS-8SSS-IIIIIIIIIIII" with T the table tag, S 40 bits of a hash
 * of the seed and I the row's index: unique per table and index, a valid version-4 layout. */
void seed_uuid(uint64_t seed, unsigned tag, uint64_t index, char out[37]);
/* A 64-bit hash of (seed, tag, index, salt): the generator's only source of variety. */
uint64_t seed_hash(uint64_t seed, unsigned tag, uint64_t index, unsigned salt);

/* The id of well-known rows, for printing and documentation: the hub, partnership, school or
 * person of that index, and review i of partnership p. Writes "" when out of range. */
void seed_id_of(const struct seed_model *m, enum seed_table t, long index, char out[37]);
void seed_review_id(const struct seed_model *m, int partnership, int i, char out[37]);
/* The status of review i of partnership p ("" when out of range). */
const char *seed_review_status(const struct seed_model *m, int partnership, int i);
int seed_partnership_count(const struct seed_model *m);
int seed_review_count(const struct seed_model *m, int partnership);

/* A person's name and email as generated: person pos (0-based) of school s. The email's local
 * part is the first initial and the surname, lower case, letters only, with a number added
 * when a colleague at the same school has it already; the domain is the school's. */
void seed_person_name(const struct seed_model *m, long school, int pos, char *name, size_t namelen,
                      char *email, size_t emaillen);
/* The school's name and its email domain (unique among the generated schools). */
void seed_school_name(const struct seed_model *m, long school, char *name, size_t namelen,
                      char *domain, size_t domainlen);

/* Lower-case ASCII letters of s only ("O'Neill-Smith" -> "oneillsmith"). */
void seed_slug(const char *s, char *out, size_t outlen);

#endif
