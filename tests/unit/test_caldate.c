/* Calendar dates (common/caldate.c): parsing, formatting, comparing, and month and day
 * arithmetic, checked against the C library's own calendar (timegm) where one exists. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "caldate.h"
#include "unit.h"

static struct caldate cd(int y, int m, int d)
{
    struct caldate c = {y, m, d};
    return c;
}

#define ck_assert_date(got, want)                                                                  \
    do {                                                                                           \
        struct caldate g_ = (got), w_ = (want);                                                    \
        ck_assert_msg(g_.y == w_.y && g_.m == w_.m && g_.d == w_.d,                                \
                      "got %04d-%02d-%02d, want %04d-%02d-%02d", g_.y, g_.m, g_.d, w_.y, w_.m,     \
                      w_.d);                                                                       \
    } while (0)

START_TEST(caldate_parses_real_days)
{
    struct caldate c;
    ck_assert_int_eq(caldate_parse("2026-12-03", &c), 0);
    ck_assert_date(c, cd(2026, 12, 3));
    ck_assert_int_eq(caldate_parse("2024-02-29", &c), 0);
    ck_assert_date(c, cd(2024, 2, 29));
    ck_assert_int_eq(caldate_parse("2000-02-29", &c), 0); /* divisible by 400: leap */
    ck_assert_int_eq(caldate_parse("0001-01-01", &c), 0);
    ck_assert_date(c, cd(1, 1, 1));
    ck_assert_int_eq(caldate_parse("9999-12-31", &c), 0);
    ck_assert_date(c, cd(9999, 12, 31));
}
END_TEST

START_TEST(caldate_refuses_what_is_not_a_day)
{
    static const char *const bad[] = {
        "2023-02-29", /* not a leap year */
        "1900-02-29", /* divisible by 100, not by 400 */
        "2024-02-30",
        "2024-04-31",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
        "2024-01-32",
        "2024-1-01",
        "2024-01-1",
        "24-01-01",
        "2024/01/01",
        "2024-01-01T00:00:00Z",
        "2024-01-01 ",
        " 2024-01-01",
        "2024-0a-01",
        "",
        "2024-01",
    };
    UNIT_ASSERT_REFUSED(caldate_parse, struct caldate, bad);
    struct caldate c;
    ck_assert_int_eq(caldate_parse(NULL, &c), -1);
}
END_TEST

START_TEST(caldate_format_round_trip)
{
    char out[11];
    caldate_format(cd(2026, 1, 5), out);
    ck_assert_str_eq(out, "2026-01-05");
    caldate_format(cd(987, 12, 31), out);
    ck_assert_str_eq(out, "0987-12-31");
    static const char *const days[] = {"2024-02-29", "1999-12-31", "2000-01-01", "0001-01-01",
                                       "9999-12-31"};
    for (size_t i = 0; i < sizeof days / sizeof *days; i++) {
        struct caldate c;
        ck_assert_int_eq(caldate_parse(days[i], &c), 0);
        caldate_format(c, out);
        ck_assert_str_eq(out, days[i]);
    }
}
END_TEST

START_TEST(caldate_compares)
{
    ck_assert_int_eq(caldate_cmp(cd(2024, 3, 1), cd(2024, 3, 1)), 0);
    ck_assert_int_lt(caldate_cmp(cd(2024, 3, 1), cd(2024, 3, 2)), 0);
    ck_assert_int_gt(caldate_cmp(cd(2024, 3, 2), cd(2024, 3, 1)), 0);
    ck_assert_int_lt(caldate_cmp(cd(2024, 2, 29), cd(2024, 3, 1)), 0);
    ck_assert_int_gt(caldate_cmp(cd(2025, 1, 1), cd(2024, 12, 31)), 0);
    /* The year outweighs the month, the month the day. */
    ck_assert_int_lt(caldate_cmp(cd(2023, 12, 31), cd(2024, 1, 1)), 0);
    ck_assert_int_lt(caldate_cmp(cd(2024, 1, 31), cd(2024, 2, 1)), 0);
}
END_TEST

START_TEST(caldate_months_clamp_to_the_end_of_a_month)
{
    ck_assert_date(caldate_add_months(cd(2024, 1, 31), 1), cd(2024, 2, 29));
    ck_assert_date(caldate_add_months(cd(2023, 1, 31), 1), cd(2023, 2, 28));
    ck_assert_date(caldate_add_months(cd(2100, 1, 31), 1), cd(2100, 2, 28)); /* not leap */
    ck_assert_date(caldate_add_months(cd(2000, 1, 31), 1), cd(2000, 2, 29)); /* leap */
    ck_assert_date(caldate_add_months(cd(2024, 3, 31), 1), cd(2024, 4, 30));
    ck_assert_date(caldate_add_months(cd(2024, 3, 31), -1), cd(2024, 2, 29));
    ck_assert_date(caldate_add_months(cd(2024, 5, 31), -3), cd(2024, 2, 29));
    ck_assert_date(caldate_add_months(cd(2024, 2, 29), 12), cd(2025, 2, 28));
    ck_assert_date(caldate_add_months(cd(2024, 2, 29), 48), cd(2028, 2, 29));
    ck_assert_date(caldate_add_months(cd(2024, 2, 29), -12), cd(2023, 2, 28));
    /* Clamping does not carry: the day stays as it was when the month is long enough. */
    ck_assert_date(caldate_add_months(cd(2024, 2, 29), 1), cd(2024, 3, 29));
    ck_assert_date(caldate_add_months(cd(2024, 8, 15), 0), cd(2024, 8, 15));
}
END_TEST

START_TEST(caldate_months_cross_years)
{
    ck_assert_date(caldate_add_months(cd(2024, 12, 10), 1), cd(2025, 1, 10));
    ck_assert_date(caldate_add_months(cd(2025, 1, 10), -1), cd(2024, 12, 10));
    ck_assert_date(caldate_add_months(cd(2024, 11, 30), 3), cd(2025, 2, 28));
    ck_assert_date(caldate_add_months(cd(2024, 6, 1), 18), cd(2025, 12, 1));
    ck_assert_date(caldate_add_months(cd(2024, 6, 1), -18), cd(2022, 12, 1));
    ck_assert_date(caldate_add_months(cd(2024, 6, 1), 120), cd(2034, 6, 1));
    /* Every month of a year, from the 31st: each lands on that month's last day. */
    static const int last[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 0; m < 12; m++)
        ck_assert_date(caldate_add_months(cd(2023, 12, 31), m + 1), cd(2024, m + 1, last[m]));
}
END_TEST

/* The date n days after c by the C library's calendar. */
static struct caldate caldate_ref_add(struct caldate c, int n)
{
    struct tm tm = {0};
    tm.tm_year = c.y - 1900;
    tm.tm_mon = c.m - 1;
    tm.tm_mday = c.d;
    tm.tm_hour = 12;
    time_t t = timegm(&tm) + (time_t)n * 86400;
    struct tm out;
    gmtime_r(&t, &out);
    return cd(out.tm_year + 1900, out.tm_mon + 1, out.tm_mday);
}

START_TEST(caldate_days_named_cases)
{
    ck_assert_date(caldate_add_days(cd(2024, 2, 28), 1), cd(2024, 2, 29));
    ck_assert_date(caldate_add_days(cd(2023, 2, 28), 1), cd(2023, 3, 1));
    ck_assert_date(caldate_add_days(cd(2024, 3, 1), -1), cd(2024, 2, 29));
    ck_assert_date(caldate_add_days(cd(2023, 3, 1), -1), cd(2023, 2, 28));
    ck_assert_date(caldate_add_days(cd(2024, 12, 31), 1), cd(2025, 1, 1));
    ck_assert_date(caldate_add_days(cd(2025, 1, 1), -1), cd(2024, 12, 31));
    ck_assert_date(caldate_add_days(cd(2024, 1, 1), 366), cd(2025, 1, 1));
    ck_assert_date(caldate_add_days(cd(2023, 1, 1), 365), cd(2024, 1, 1));
    ck_assert_date(caldate_add_days(cd(2024, 5, 17), 0), cd(2024, 5, 17));
    ck_assert_date(caldate_add_days(cd(2024, 1, 31), 14), cd(2024, 2, 14));
}
END_TEST

START_TEST(caldate_days_match_the_c_library)
{
    /* Every start day of 2023 and 2024 (leap and not), moved by offsets up to four years
     * either way, against timegm. */
    static const int offsets[] = {1, 2, 13, 27, 28, 29, 30, 31, 59, 60, 61, 100, 365, 366, 1461};
    for (struct caldate c = cd(2023, 1, 1); c.y < 2025; c = caldate_add_days(c, 1)) {
        for (size_t i = 0; i < sizeof offsets / sizeof *offsets; i++) {
            for (int sign = -1; sign <= 1; sign += 2) {
                int n = sign * offsets[i];
                struct caldate got = caldate_add_days(c, n);
                struct caldate want = caldate_ref_add(c, n);
                ck_assert_msg(caldate_cmp(got, want) == 0,
                              "%04d-%02d-%02d %+d: got %04d-%02d-%02d, want %04d-%02d-%02d", c.y,
                              c.m, c.d, n, got.y, got.m, got.d, want.y, want.m, want.d);
                /* And back again. */
                ck_assert_int_eq(caldate_cmp(caldate_add_days(got, -n), c), 0);
            }
        }
    }
}
END_TEST

/* Day numbers: 1970-01-01 is day 0, and walking day by day from 1600 to 2400 with
 * caldate_add_days meets each number once, in order, and back again. */
START_TEST(caldate_day_numbers_round_trip)
{
    struct caldate epoch = {1970, 1, 1};
    ck_assert_int_eq(caldate_to_days(epoch), 0);
    struct caldate c = {1600, 1, 1};
    long n = caldate_to_days(c);
    /* Check's assertions cost more than the dates: test plainly, assert on the first miss. */
    for (int i = 0; i < 292200; i++) {
        struct caldate back = caldate_from_days(n);
        if (caldate_to_days(c) != n || caldate_cmp(back, c) != 0)
            ck_abort_msg("%04d-%02d-%02d: day %ld, back %04d-%02d-%02d", c.y, c.m, c.d,
                         caldate_to_days(c), back.y, back.m, back.d);
        c = caldate_add_days(c, 1);
        n++;
    }
}
END_TEST

Suite *caldate_suite(void)
{
    Suite *s = suite_create("caldate");
    TCase *tc = tcase_create("caldate");
    tcase_add_test(tc, caldate_parses_real_days);
    tcase_add_test(tc, caldate_refuses_what_is_not_a_day);
    tcase_add_test(tc, caldate_format_round_trip);
    tcase_add_test(tc, caldate_compares);
    tcase_add_test(tc, caldate_months_clamp_to_the_end_of_a_month);
    tcase_add_test(tc, caldate_months_cross_years);
    tcase_add_test(tc, caldate_days_named_cases);
    tcase_add_test(tc, caldate_days_match_the_c_library);
    tcase_add_test(tc, caldate_day_numbers_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
