/* The integration suites' shared fixtures beyond single records (http.h): accreditations, the
 * cast of one review cycle, a review's sub-collection items, and one value read from the test
 * database. */
#ifndef SPP_TEST_FIXTURES_H
#define SPP_TEST_FIXTURES_H

#include <libpq-fe.h>

/* What these return belongs to the running test (test_keep in http.h): tests never free it. */

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

/* The chain most tests start from: a hub, a partnership of it, a school in that and a person
 * at the school, each made through the API (asserting each answer). */
struct test_chain {
    char *hub, *partnership, *school, *person;
};
void test_chain_setup(struct test_chain *t);

/* A review's partnership (a host school and a partner school) beside another partnership with
 * one school, and their keys: the host school's, the hub's, each partnership's. The other
 * partnership belongs to the same hub when other_in_hub, to none otherwise. The host's review is
 * made with review_fields, the JSON members after its school_id. */
struct test_two {
    char *hub, *partnership, *other_partnership;
    char *host, *partner, *outsider_school;
    char *host_key, *hub_key, *partnership_key, *other_partnership_key;
    char *review;
};
void test_two_setup(struct test_two *f, int other_in_hub, const char *review_fields);

/* Accredits person for role ("peer_reviewer", "improvement_champion"), awarded 2026-01-05. */
void test_accredit(const char *person, const char *role);

/* Creates an item of a review's sub-collection (review_path/sub) with tok and the body fmt;
 * asserts 201 and returns its id. */
char *test_item(const char *review_path, const char *sub, const char *tok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The whole text of the file name in folder dir (a mail in a maildir), or NULL when it cannot
 * be read or is empty. Unlike the rest, the caller frees it (tests read whole maildirs in polls).
 */
char *test_file_text(const char *dir, const char *name);

/* A connection to the test database (SPP_TEST_DATABASE_URL), asserting it is up; the caller
 * closes it with PQfinish. */
PGconn *test_db(void);
/* One value of sql with up to two parameters (NULL: fewer) on db: the first column of the first
 * row, "" when there is no row; asserts the statement succeeded. */
char *test_db_value(PGconn *db, const char *sql, const char *a, const char *b);

/* One value of an SQL query on the test database (SPP_TEST_DATABASE_URL; param may be NULL):
 * the first column of the first row, "" when there is no row; asserts the statement succeeded.
 * test_sql_long is the same as a number. */
char *test_sql_value(const char *sql, const char *param);
long test_sql_long(const char *sql, const char *param);

#endif
