/* Loading the review rules' facts (common/facts.c), the part that needs no server: its two
 * statements pass the statement-table check, and both loaders report a connection that is not
 * there as an error (-1), leaving what they would fill untouched. What they read from a real
 * server (team, champion and assignment decisions) is the integration suites' business. */
#include <string.h>

#include "arena.h"
#include "db.h"
#include "facts.h"
#include "unit.h"

START_TEST(facts_statements_are_well_formed)
{
    const struct db_stmt *const sets[] = {facts_statements, NULL};
    ck_assert_uint_eq(unit_statements_check(sets), 2);
    /* The review's side takes the review and the time zone; the person's side the person, the
     * accreditation role and the review it leaves out. */
    ck_assert_ptr_nonnull(strstr(facts_statements[0].sql, "$review_id"));
    ck_assert_ptr_nonnull(strstr(facts_statements[0].sql, "$tz"));
    ck_assert_ptr_null(strstr(facts_statements[0].sql, "$person_id"));
    ck_assert_ptr_nonnull(strstr(facts_statements[1].sql, "$person_id"));
    ck_assert_ptr_nonnull(strstr(facts_statements[1].sql, "$role"));
    ck_assert_ptr_nonnull(strstr(facts_statements[1].sql, "$review_id"));
    ck_assert_ptr_null(strstr(facts_statements[1].sql, "$tz"));
    /* An erased person is no one to place on a review. */
    ck_assert_ptr_nonnull(strstr(facts_statements[1].sql, "erased_at IS NULL"));
}
END_TEST

START_TEST(facts_without_a_connection_are_an_error)
{
    const struct db_stmt *const sets[] = {facts_statements, NULL};
    struct db *db = db_new("postgresql://spp@127.0.0.1:1/spp", sets);
    ck_assert_ptr_nonnull(db);
    struct arena a;
    arena_init(&a);
    struct elig_review review;
    memset(&review, 0x5a, sizeof review);
    struct elig_review untouched = review;
    ck_assert_int_eq(
        facts_review(db, &a, "5eed0004-81c6-4564-8bde-00000000000e", "Europe/London", &review), -1);
    ck_assert_mem_eq(&review, &untouched, sizeof review);
    struct elig_person person;
    memset(&person, 0x5a, sizeof person);
    struct elig_person untouched_person = person;
    ck_assert_int_eq(facts_person(db, &a, "5eed0004-81c6-4564-8bde-00000000000e",
                                  "5eed0004-81c6-4564-8bde-00000000000f", "peer_reviewer", &person),
                     -1);
    ck_assert_mem_eq(&person, &untouched_person, sizeof person);
    arena_cleanup(&a);
    db_free(db);
}
END_TEST

Suite *facts_suite(void)
{
    return unit_suite("facts", UNIT_TCASE("facts", facts_statements_are_well_formed,
                                          facts_without_a_connection_are_an_error));
}
