#include <string.h>

#include "sqlvariant.h"
#include "unit.h"

/* A list in the shape of the API's: a scope condition, two filters, the cursor, then the limit. */
static const char *const conds[] = {
    "p.hub_id = $scope",
    "s.partnership_id = $partnership_id",
    "strpos(lower(s.name), lower($q)) > 0",
    "(s.created_at, s.id) > (spp_from_micros($micros), $after::uuid)",
};
#define HEAD "SELECT s.id FROM schools s"
#define TAIL "ORDER BY s.created_at, s.id LIMIT $limit"

START_TEST(sqlvariant_none_present)
{
    char out[512];
    const char *want = HEAD " ORDER BY s.created_at, s.id LIMIT $limit";
    ck_assert_int_eq(sqlvariant_build(HEAD, conds, 4, 0, TAIL, out, sizeof out), (int)strlen(want));
    ck_assert_str_eq(out, want);
}
END_TEST

START_TEST(sqlvariant_keeps_the_names)
{
    char out[512];
    /* Scope, the name filter and the cursor: the partnership filter is left out. */
    ck_assert_int_gt(sqlvariant_build(HEAD, conds, 4, 0xD, TAIL, out, sizeof out), 0);
    ck_assert_str_eq(out, HEAD " WHERE (p.hub_id = $scope) AND (strpos(lower(s.name), lower($q)) > "
                               "0) AND ((s.created_at, s.id) > (spp_from_micros($micros), "
                               "$after::uuid)) ORDER BY s.created_at, s.id LIMIT $limit");
    /* Only the cursor. */
    ck_assert_int_gt(sqlvariant_build(HEAD, conds, 4, 0x8, TAIL, out, sizeof out), 0);
    ck_assert_str_eq(out, HEAD " WHERE ((s.created_at, s.id) > (spp_from_micros($micros), "
                               "$after::uuid)) ORDER BY s.created_at, s.id LIMIT $limit");
    /* Every condition. */
    ck_assert_int_gt(sqlvariant_build(HEAD, conds, 4, 0xF, TAIL, out, sizeof out), 0);
    ck_assert_str_eq(out, HEAD " WHERE (p.hub_id = $scope) AND (s.partnership_id = "
                               "$partnership_id) AND (strpos(lower(s.name), lower($q)) > 0) AND "
                               "((s.created_at, s.id) > (spp_from_micros($micros), $after::uuid)) "
                               "ORDER BY s.created_at, s.id LIMIT $limit");
}
END_TEST

START_TEST(sqlvariant_repeated_and_constant_fragments)
{
    char out[512];
    /* A fragment may use its parameter twice, or take none ("false": a role that sees nothing). */
    const char *const c[] = {
        "false", "r.champion_id = $scope OR EXISTS (SELECT 1 FROM t WHERE t.p = $scope)",
        "r.status = $status"};
    ck_assert_int_gt(
        sqlvariant_build("SELECT 1 FROM r", c, 3, 0x7, "LIMIT $limit", out, sizeof out), 0);
    ck_assert_str_eq(out, "SELECT 1 FROM r WHERE (false) AND (r.champion_id = $scope OR EXISTS "
                          "(SELECT 1 FROM t WHERE t.p = $scope)) AND (r.status = $status) LIMIT "
                          "$limit");
    /* A tail with several parameters, one used twice (people's audited page). */
    ck_assert_int_gt(
        sqlvariant_build("SELECT 1 FROM r", c, 3, 0x4,
                         "LIMIT $limit), b AS (LIMIT $limit - 1), c AS (f($audit_actor, "
                         "$audit_route))",
                         out, sizeof out),
        0);
    ck_assert_str_eq(out, "SELECT 1 FROM r WHERE (r.status = $status) LIMIT $limit), b AS (LIMIT "
                          "$limit - 1), c AS (f($audit_actor, $audit_route))");
    /* Two fragments that write the same name share its one value (the schedules' time zone). */
    const char *const tz[] = {"$from::date <= (t.starts_at AT TIME ZONE $tz)::date",
                              "$to::date >= (t.starts_at AT TIME ZONE $tz)::date"};
    ck_assert_int_gt(sqlvariant_build("SELECT 1 FROM t", tz, 2, 0x3, NULL, out, sizeof out), 0);
    ck_assert_str_eq(out, "SELECT 1 FROM t WHERE ($from::date <= (t.starts_at AT TIME ZONE "
                          "$tz)::date) AND ($to::date >= (t.starts_at AT TIME ZONE $tz)::date)");
    /* Ten or more conditions, names with digits. */
    const char *const many[] = {"a = $a1", "b = $b", "c = $c", "d = $d", "e = $e",
                                "f = $f",  "g = $g", "h = $h", "i = $i", "j = $j AND k = $k_2"};
    ck_assert_int_gt(sqlvariant_build("SELECT 1", many, 10, 0x3FF, "LIMIT $limit", out, sizeof out),
                     0);
    ck_assert_ptr_nonnull(strstr(out, "WHERE (a = $a1) AND (b = $b)"));
    ck_assert_ptr_nonnull(strstr(out, "(j = $j AND k = $k_2) LIMIT $limit"));
}
END_TEST

START_TEST(sqlvariant_rejects)
{
    char out[512], small[20], name[8];
    ck_assert_int_eq(sqlvariant_first(NULL, name, sizeof name), 0);
    ck_assert_int_eq(sqlvariant_first("x = 1", name, sizeof name), 0);
    ck_assert_int_eq(sqlvariant_first("x = $b2 AND y = $a AND z = $b2", name, sizeof name), 2);
    ck_assert_str_eq(name, "b2");
    ck_assert_int_eq(sqlvariant_first("x = $2", name, sizeof name), -1);    /* numbered */
    ck_assert_int_eq(sqlvariant_first("x = $$a$$", name, sizeof name), -1); /* dollar quoting */
    ck_assert_int_eq(sqlvariant_first("x = $a AND y = $", name, sizeof name), -1);
    ck_assert_int_eq(sqlvariant_first("x = $a AND y = $1", name, sizeof name), -1);
    ck_assert_int_eq(sqlvariant_first("x = $partnership", name, sizeof name), -1); /* too long */
    const char *const bad[] = {"x = $2"};
    ck_assert_int_eq(sqlvariant_build(HEAD, bad, 1, 1, TAIL, out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_build(HEAD, conds, 1, 1, "LIMIT $1", out, sizeof out), -1);
    /* A condition that is absent is not looked at. */
    ck_assert_int_gt(sqlvariant_build(HEAD, bad, 1, 0, TAIL, out, sizeof out), 0);
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
    /* People's audited page: the limit (used twice) becomes a number, the rest stay names. */
    ck_assert_int_eq(sqlvariant_inline("LIMIT $limit), b AS (LIMIT $limit - 1), c AS "
                                       "(f($audit_actor, $audit_route, $audit_request))",
                                       "limit", "51", out, sizeof out),
                     2);
    ck_assert_str_eq(out, "LIMIT 51), b AS (LIMIT 51 - 1), c AS (f($audit_actor, $audit_route, "
                          "$audit_request))");
    ck_assert_int_eq(sqlvariant_inline("ORDER BY x LIMIT $limit", "limit", "201", out, sizeof out),
                     1);
    ck_assert_str_eq(out, "ORDER BY x LIMIT 201");
    ck_assert_int_eq(sqlvariant_inline("a = $a AND b = $b AND c = $c", "b", "7", out, sizeof out),
                     1);
    ck_assert_str_eq(out, "a = $a AND b = 7 AND c = $c");
    /* Only the whole name: $limits and $limit_2 are other parameters. */
    ck_assert_int_eq(sqlvariant_inline("a = $limits AND b = $limit AND c = $limit_2", "limit", "5",
                                       out, sizeof out),
                     1);
    ck_assert_str_eq(out, "a = $limits AND b = 5 AND c = $limit_2");
    /* Only digits are ever written in: nothing else can reach the text. */
    ck_assert_int_eq(sqlvariant_inline("LIMIT $limit", "limit", "1; DROP TABLE x", out, sizeof out),
                     -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT $limit", "limit", "", out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT $limit", "limit", "-1", out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT $limit", "page", "5", out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT 5", "limit", "5", out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT $limit", "limit", "5", out, 7), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT $1", "1", "5", out, sizeof out), -1);
    ck_assert_int_eq(sqlvariant_inline("LIMIT $limit", "", "5", out, sizeof out), -1);
}
END_TEST

Suite *sqlvariant_suite(void)
{
    Suite *s = suite_create("sqlvariant");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, sqlvariant_none_present);
    tcase_add_test(tc, sqlvariant_keeps_the_names);
    tcase_add_test(tc, sqlvariant_repeated_and_constant_fragments);
    tcase_add_test(tc, sqlvariant_rejects);
    tcase_add_test(tc, sqlvariant_inlines_a_fixed_value);
    suite_add_tcase(s, tc);
    return s;
}
