#include <string.h>

#include "sqlvariant.h"
#include "unit.h"

/* A list in the shape of the API's: a scope condition, two filters, the cursor, then the limit. */
static const char *const conds[] = {
    "p.hub_id = $1",
    "s.partnership_id = $1",
    "strpos(lower(s.name), lower($1)) > 0",
    "(s.created_at, s.id) > (spp_from_micros($1), $2::uuid)",
};
#define HEAD "SELECT s.id FROM schools s"
#define TAIL "ORDER BY s.created_at, s.id LIMIT $1"

START_TEST(sqlvariant_none_present)
{
    char out[512];
    ck_assert_int_eq(sqlvariant_build(HEAD, conds, 4, 0, TAIL, out, sizeof out), 1);
    ck_assert_str_eq(out, HEAD " ORDER BY s.created_at, s.id LIMIT $1");
}
END_TEST

START_TEST(sqlvariant_numbers_densely)
{
    char out[512];
    /* Scope, the name filter and the cursor: the partnership filter is left out. */
    ck_assert_int_eq(sqlvariant_build(HEAD, conds, 4, 0xD, TAIL, out, sizeof out), 5);
    ck_assert_str_eq(out, HEAD " WHERE (p.hub_id = $1) AND (strpos(lower(s.name), lower($2)) > 0) "
                               "AND ((s.created_at, s.id) > (spp_from_micros($3), $4::uuid)) "
                               "ORDER BY s.created_at, s.id LIMIT $5");
    /* Only the cursor: its two parameters come first, the limit after them. */
    ck_assert_int_eq(sqlvariant_build(HEAD, conds, 4, 0x8, TAIL, out, sizeof out), 3);
    ck_assert_str_eq(out, HEAD " WHERE ((s.created_at, s.id) > (spp_from_micros($1), $2::uuid)) "
                               "ORDER BY s.created_at, s.id LIMIT $3");
    /* Every condition. */
    ck_assert_int_eq(sqlvariant_build(HEAD, conds, 4, 0xF, TAIL, out, sizeof out), 6);
    ck_assert_str_eq(out, HEAD " WHERE (p.hub_id = $1) AND (s.partnership_id = $2) AND "
                               "(strpos(lower(s.name), lower($3)) > 0) AND ((s.created_at, s.id) > "
                               "(spp_from_micros($4), $5::uuid)) ORDER BY s.created_at, s.id LIMIT "
                               "$6");
}
END_TEST

START_TEST(sqlvariant_repeated_and_constant_fragments)
{
    char out[512];
    /* A fragment may use its parameter twice, or take none ("false": a role that sees nothing). */
    const char *const c[] = {
        "false", "r.champion_id = $1 OR EXISTS (SELECT 1 FROM t WHERE t.p = $1)", "r.status = $1"};
    ck_assert_int_eq(sqlvariant_build("SELECT 1 FROM r", c, 3, 0x7, "LIMIT $1", out, sizeof out),
                     3);
    ck_assert_str_eq(out, "SELECT 1 FROM r WHERE (false) AND (r.champion_id = $1 OR EXISTS "
                          "(SELECT 1 FROM t WHERE t.p = $1)) AND (r.status = $2) LIMIT $3");
    /* A tail with several parameters, one used twice (people's audited page). */
    ck_assert_int_eq(sqlvariant_build("SELECT 1 FROM r", c, 3, 0x4,
                                      "LIMIT $1), b AS (LIMIT $1 - 1), c AS (f($2, $3))", out,
                                      sizeof out),
                     4);
    ck_assert_str_eq(out, "SELECT 1 FROM r WHERE (r.status = $1) LIMIT $2), b AS (LIMIT $2 - 1), "
                          "c AS (f($3, $4))");
    /* Ten or more parameters keep their digits. */
    const char *const many[] = {"a = $1", "b = $1", "c = $1", "d = $1", "e = $1",
                                "f = $1", "g = $1", "h = $1", "i = $1", "j = $1 AND k = $2"};
    ck_assert_int_eq(sqlvariant_build("SELECT 1", many, 10, 0x3FF, "LIMIT $1", out, sizeof out),
                     12);
    ck_assert_ptr_nonnull(strstr(out, "(j = $10 AND k = $11) LIMIT $12"));
}
END_TEST

START_TEST(sqlvariant_rejects)
{
    char out[512], small[20];
    ck_assert_int_eq(sqlvariant_params(NULL), 0);
    ck_assert_int_eq(sqlvariant_params("x = 1"), 0);
    ck_assert_int_eq(sqlvariant_params("x = $2 AND y = $1 AND z = $2"), 2);
    ck_assert_int_eq(sqlvariant_params("x = $2"), -1);    /* $1 never used */
    ck_assert_int_eq(sqlvariant_params("x = $$a$$"), -1); /* dollar quoting */
    ck_assert_int_eq(sqlvariant_params("x = $0"), -1);
    ck_assert_int_eq(sqlvariant_params("x = $100"), -1);
    const char *const bad[] = {"x = $2"};
    ck_assert_int_eq(sqlvariant_build(HEAD, bad, 1, 1, TAIL, out, sizeof out), -1);
    /* A condition that is absent is not looked at. */
    ck_assert_int_eq(sqlvariant_build(HEAD, bad, 1, 0, TAIL, out, sizeof out), 1);
    /* A missing condition that is asked for. */
    const char *const missing[] = {NULL};
    ck_assert_int_eq(sqlvariant_build(HEAD, missing, 1, 1, TAIL, out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_build(HEAD, conds, 4, 0xF, TAIL, small, sizeof small), -1);
    ck_assert_int_eq(
        sqlvariant_build(HEAD, conds, SQLVARIANT_MAX_CONDS + 1, 0, TAIL, out, sizeof out), -1);
}
END_TEST

START_TEST(sqlvariant_inlines_a_fixed_value)
{
    char out[256];
    /* People's audited page: the limit ($1, used twice) becomes a number, the rest move down. */
    ck_assert_int_eq(sqlvariant_inline("LIMIT $1), b AS (LIMIT $1 - 1), c AS (f($2, $3, $4))", 1,
                                       "51", out, sizeof out),
                     3);
    ck_assert_str_eq(out, "LIMIT 51), b AS (LIMIT 51 - 1), c AS (f($1, $2, $3))");
    ck_assert_int_eq(sqlvariant_inline("ORDER BY x LIMIT $1", 1, "201", out, sizeof out), 0);
    ck_assert_str_eq(out, "ORDER BY x LIMIT 201");
    ck_assert_int_eq(sqlvariant_inline("a = $1 AND b = $2 AND c = $3", 2, "7", out, sizeof out), 2);
    ck_assert_str_eq(out, "a = $1 AND b = 7 AND c = $2");
    /* Only digits are ever written in: nothing else can reach the text. */
    ck_assert_int_eq(sqlvariant_inline("LIMIT $1", 1, "1; DROP TABLE x", out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT $1", 1, "", out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT $1", 1, "-1", out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT $1", 2, "5", out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT 5", 1, "5", out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT $1", 1, "5", out, 6), -1);
}
END_TEST

Suite *sqlvariant_suite(void)
{
    Suite *s = suite_create("sqlvariant");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, sqlvariant_none_present);
    tcase_add_test(tc, sqlvariant_numbers_densely);
    tcase_add_test(tc, sqlvariant_repeated_and_constant_fragments);
    tcase_add_test(tc, sqlvariant_rejects);
    tcase_add_test(tc, sqlvariant_inlines_a_fixed_value);
    suite_add_tcase(s, tc);
    return s;
}
