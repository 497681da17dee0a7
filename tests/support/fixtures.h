/* The integration suites' shared fixtures beyond single records (http.h): accreditations, the
 * cast of one review cycle, a review's sub-collection items, and one value read from the test
 * database. */
#ifndef SPP_TEST_FIXTURES_H
#define SPP_TEST_FIXTURES_H

/* A partnership of its hub with a host school and two partner schools; a lead reviewer (at
 * partner A), a peer reviewer and a champion (both at partner B), accredited for those roles;
 * school and person keys; and the host's review in planning (path is /v1/reviews/{review}). */
struct test_cycle {
    char *hub, *partnership, *host, *partner_a, *partner_b;
    char *host_tok;
    char *lead, *reviewer, *champion; /* people at partner schools, accredited */
    char *lead_tok, *reviewer_tok, *champion_tok;
    char *review, *path;
};

/* Makes the cycle's records through the API (asserting each answer); champion_accredited 0
 * leaves the champion without the improvement_champion accreditation. */
void test_cycle_setup(struct test_cycle *c, int champion_accredited);
void test_cycle_free(struct test_cycle *c);

/* Accredits person for role ("peer_reviewer", "improvement_champion"), awarded 2026-01-05. */
void test_accredit(const char *person, const char *role);

/* Creates an item of a review's sub-collection (review_path/sub) with tok and the body fmt;
 * asserts 201 and returns its id (the caller frees it). */
char *test_item(const char *review_path, const char *sub, const char *tok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* One value of an SQL query on the test database (SPP_TEST_DATABASE_URL; param may be NULL):
 * the first column of the first row, "" when there is no row; asserts the statement succeeded.
 * The caller frees it. test_sql_long is the same as a number. */
char *test_sql_value(const char *sql, const char *param);
long test_sql_long(const char *sql, const char *param);

#endif
