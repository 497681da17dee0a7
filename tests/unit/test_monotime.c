/* The monotonic clock (common/monotime.c). */
#include <time.h>

#include "monotime.h"
#include "unit.h"

START_TEST(monotime_never_goes_back)
{
    int64_t last = monotime_now_us();
    ck_assert_int_ge(last, 0);
    for (int i = 0; i < 100000; i++) {
        int64_t now = monotime_now_us();
        ck_assert_int_ge(now, last);
        last = now;
    }
}
END_TEST

START_TEST(monotime_counts_microseconds)
{
    /* CLOCK_MONOTONIC read directly, in seconds, brackets the helper's reading. */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int64_t us = monotime_now_us();
    clock_gettime(CLOCK_MONOTONIC, &b);
    ck_assert_int_ge(us, (int64_t)a.tv_sec * 1000000 + a.tv_nsec / 1000);
    ck_assert_int_le(us, (int64_t)b.tv_sec * 1000000 + b.tv_nsec / 1000);

    int64_t start = monotime_now_us();
    struct timespec nap = {0, 20 * 1000000L};
    nanosleep(&nap, NULL);
    int64_t slept = monotime_now_us() - start;
    ck_assert_int_ge(slept, 20000);
    ck_assert_int_lt(slept, 5000000); /* microseconds, not nanoseconds */
}
END_TEST

Suite *monotime_suite(void)
{
    Suite *s = suite_create("monotime");
    TCase *tc = tcase_create("monotime");
    tcase_add_test(tc, monotime_never_goes_back);
    tcase_add_test(tc, monotime_counts_microseconds);
    suite_add_tcase(s, tc);
    return s;
}
