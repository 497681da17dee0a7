#include "champion.h"
#include "unit.h"

static struct caldate D(const char *s) {
    struct caldate c;
    ck_assert_int_eq(caldate_parse(s, &c), 0);
    return c;
}

START_TEST(champion_fewest_then_earliest_then_smallest_id)
{
    struct champion_candidate c[] = {
        {"cccccccc-0000-0000-0000-000000000000", 2, D("2020-01-01")},
        {"bbbbbbbb-0000-0000-0000-000000000000", 1, D("2024-05-01")},
        {"aaaaaaaa-0000-0000-0000-000000000000", 1, D("2024-05-01")},
        {"dddddddd-0000-0000-0000-000000000000", 1, D("2023-09-01")},
    };
    ck_assert_int_eq(champion_pick(c, 4), 3); /* earliest award among 1s */
    ck_assert_int_eq(champion_pick(c, 3), 2); /* same date: smallest id */
    ck_assert_int_eq(champion_pick(c, 1), 0);
    ck_assert_int_eq(champion_pick(c, 0), -1);
    struct champion_candidate fresh[] = {
        c[0], {"eeeeeeee-0000-0000-0000-000000000000", 0, D("2026-01-01")}};
    ck_assert_int_eq(champion_pick(fresh, 2), 1); /* fewest assignments wins over seniority */
}
END_TEST

Suite *champion_suite(void)
{
    Suite *s = suite_create("champion");
    TCase *tc = tcase_create("champion");
    tcase_add_test(tc, champion_fewest_then_earliest_then_smallest_id);
    suite_add_tcase(s, tc);
    return s;
}
