#include "jobs.h"
#include "unit.h"

START_TEST(backoff_doubles_with_equal_jitter)
{
    /* attempt 1: base 2 -> between 1 and 2; attempt 3: 8 -> between 4 and 8. */
    ck_assert_int_eq(jobs_backoff_s(1, 2, 0), 1);
    ck_assert_int_eq(jobs_backoff_s(1, 2, 1), 2);
    ck_assert_int_eq(jobs_backoff_s(3, 2, 0), 4);
    ck_assert_int_eq(jobs_backoff_s(3, 2, 4), 8);
    ck_assert_int_eq(jobs_backoff_s(3, 2, 5), 4); /* rnd wraps inside the jitter range */
    for (uint32_t rnd = 0; rnd < 1000; rnd += 37) {
        int d = jobs_backoff_s(4, 2, rnd);
        ck_assert(d >= 8 && d <= 16);
    }
}
END_TEST

START_TEST(backoff_capped_at_an_hour)
{
    ck_assert_int_le(jobs_backoff_s(30, 2, 0xFFFFFFFFu), JOBS_BACKOFF_CAP_S);
    ck_assert_int_ge(jobs_backoff_s(30, 2, 0), JOBS_BACKOFF_CAP_S / 2);
    ck_assert_int_le(jobs_backoff_s(1000, 3600, 12345), JOBS_BACKOFF_CAP_S);
    ck_assert_int_eq(jobs_backoff_s(0, 2, 0), 1); /* a nonsense attempt counts as the first */
}
END_TEST

START_TEST(slots_are_aligned)
{
    ck_assert_int_eq(jobs_slot_start(1000, 300), 900);
    ck_assert_int_eq(jobs_slot_start(900, 300), 900);
    ck_assert_int_eq(jobs_slot_start(1199, 300), 900);
    ck_assert_int_eq(jobs_slot_start(1200, 300), 1200);
    ck_assert_int_eq(jobs_slot_start(-1, 300), -300);
}
END_TEST

Suite *jobs_suite(void)
{
    Suite *s = suite_create("jobs");
    TCase *tc = tcase_create("jobs");
    tcase_add_test(tc, backoff_doubles_with_equal_jitter);
    tcase_add_test(tc, backoff_capped_at_an_hour);
    tcase_add_test(tc, slots_are_aligned);
    suite_add_tcase(s, tc);
    return s;
}
