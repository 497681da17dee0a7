#include <stdlib.h>

#include "accreditation.h"
#include "caldate.h"
#include "unit.h"

static struct caldate D(const char *s) {
    struct caldate c;
    ck_assert_int_eq(caldate_parse(s, &c), 0);
    return c;
}

static void
ck_date(struct caldate c, const char *want)
{
    char text[11];
    caldate_format(c, text);
    ck_assert_str_eq(text, want);
}

START_TEST(months_clamp_to_month_end)
{
    ck_date(caldate_add_months(D("2024-03-15"), 24), "2026-03-15");
    ck_date(caldate_add_months(D("2024-01-31"), 1), "2024-02-29");
    ck_date(caldate_add_months(D("2023-01-31"), 1), "2023-02-28");
    ck_date(caldate_add_months(D("2024-02-29"), 12), "2025-02-28");
    ck_date(caldate_add_months(D("2024-11-30"), 3), "2025-02-28");
    ck_date(caldate_add_days(D("2024-02-28"), 1), "2024-02-29");
    ck_date(caldate_add_days(D("2024-12-31"), 1), "2025-01-01");
    ck_date(caldate_add_days(D("2025-03-01"), -1), "2025-02-28");
    ck_date(caldate_add_days(D("2025-01-01"), -366), "2024-01-01"); /* 2024 is a leap year */
    ck_assert_int_lt(caldate_cmp(D("2025-01-01"), D("2025-01-02")), 0);
    struct caldate bad;
    ck_assert_int_eq(caldate_parse("2025-02-29", &bad), -1);
}
END_TEST

START_TEST(last_valid_day_and_the_day_after)
{
    struct accreditation_award a[] = {{ACCR_INITIAL, D("2024-03-15"), {0, 0, 0}, 0}};
    accreditation_evaluate(a, 1, 24);
    ck_date(a[0].valid_until, "2026-03-15");
    struct caldate until;
    ck_assert(accreditation_on(a, 1, D("2026-03-15"), &until));
    ck_date(until, "2026-03-15");
    ck_assert(!accreditation_on(a, 1, D("2026-03-16"), NULL));
    ck_assert(accreditation_on(a, 1, D("2024-03-15"), NULL));
    ck_assert(!accreditation_on(a, 1, D("2024-03-14"), NULL)); /* not before the course */
}
END_TEST

START_TEST(refresher_extends_but_does_not_start)
{
    struct accreditation_award a[] = {
        {ACCR_INITIAL, D("2023-01-10"), {0, 0, 0}, 0},
        {ACCR_REFRESHER, D("2024-12-01"), {0, 0, 0}, 0},
    };
    accreditation_evaluate(a, 2, 24);
    ck_assert(a[1].counts);
    struct caldate until;
    ck_assert(accreditation_on(a, 2, D("2026-06-01"), &until));
    ck_date(until, "2026-12-01");
    ck_assert(!accreditation_on(a, 2, D("2026-12-02"), NULL));

    /* A refresher alone (or before any course) accredits nobody. */
    struct accreditation_award alone[] = {{ACCR_REFRESHER, D("2024-12-01"), {0, 0, 0}, 0},
                                          {ACCR_INITIAL, D("2025-06-01"), {0, 0, 0}, 0}};
    accreditation_evaluate(alone, 2, 24);
    ck_assert(!alone[0].counts);
    ck_assert(!accreditation_on(alone, 2, D("2025-01-01"), NULL));
    ck_assert(accreditation_on(alone, 2, D("2025-06-01"), NULL));

    /* Refreshers chain from a recorded award, even one that has lapsed. */
    struct accreditation_award chain[] = {{ACCR_REFRESHER, D("2025-05-01"), {0, 0, 0}, 0},
                                          {ACCR_REFRESHER, D("2023-05-01"), {0, 0, 0}, 0},
                                          {ACCR_RECORDED, D("2019-09-01"), {0, 0, 0}, 0}};
    accreditation_evaluate(chain, 3, 24);
    ck_assert(chain[0].counts && chain[1].counts && chain[2].counts);
    ck_assert(!accreditation_on(chain, 3, D("2022-01-01"), NULL)); /* the lapse stays a lapse */
    ck_assert(accreditation_on(chain, 3, D("2027-05-01"), NULL));
}
END_TEST

START_TEST(overlapping_courses_take_the_latest_end)
{
    struct accreditation_award a[] = {
        {ACCR_INITIAL, D("2024-09-01"), {0, 0, 0}, 0},
        {ACCR_INITIAL, D("2024-01-01"), {0, 0, 0}, 0},
        {ACCR_RECORDED, D("2024-06-30"), {0, 0, 0}, 0},
    };
    accreditation_evaluate(a, 3, 12);
    struct caldate until;
    ck_assert(accreditation_on(a, 3, D("2024-12-31"), &until));
    ck_date(until, "2025-09-01");
    ck_assert(accreditation_on(a, 3, D("2025-09-01"), NULL));
    ck_assert(!accreditation_on(a, 3, D("2025-09-02"), NULL));
}
END_TEST

/* The rule as first written (repeat until nothing changes), kept as the reference. */
static void reference_counts(const struct accreditation_award *a, size_t n, int *counts)
{
    for (size_t i = 0; i < n; i++)
        counts[i] = a[i].kind != ACCR_REFRESHER;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n && !counts[i]; j++)
                if (j != i && counts[j] && caldate_cmp(a[j].on, a[i].on) <= 0)
                    counts[i] = changed = 1;
    }
}

START_TEST(evaluate_matches_the_reference)
{
    unsigned seed = 12345;
    for (int round = 0; round < 500; round++) {
        struct accreditation_award a[12];
        int want[12];
        size_t n = (size_t)(round % 12) + 1;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            a[i].kind = (enum accreditation_kind)((seed >> 16) % 3);
            a[i].on = (struct caldate){2020 + (int)((seed >> 8) % 3), 1 + (int)((seed >> 4) % 12),
                                       1 + (int)(seed % 28)};
        }
        reference_counts(a, n, want);
        accreditation_evaluate(a, n, 24);
        for (size_t i = 0; i < n; i++)
            ck_assert_int_eq(a[i].counts, want[i]);
    }
}
END_TEST

/* Work linear in the awards: 100,000 refreshers, none of which counts (the only initial award
 * comes after them all), which repeating until nothing changes took quadratic time over. */
START_TEST(evaluate_many_refreshers)
{
    size_t n = 100000;
    struct accreditation_award *a = calloc(n, sizeof *a);
    ck_assert_ptr_nonnull(a);
    for (size_t i = 0; i < n; i++) {
        a[i].kind = i + 1 == n ? ACCR_INITIAL : ACCR_REFRESHER;
        a[i].on = (struct caldate){2000 + (int)(i % 20), 1, 1};
    }
    a[n - 1].on = (struct caldate){2030, 1, 1};
    accreditation_evaluate(a, n, 24);
    for (size_t i = 0; i + 1 < n; i++)
        ck_assert(!a[i].counts);
    ck_assert(a[n - 1].counts);
    free(a);
}
END_TEST

START_TEST(course_roles)
{
    int refresher;
    ck_assert_int_eq(accreditation_course_role("peer_reviewer", &refresher), ACCR_PEER_REVIEWER);
    ck_assert(!refresher);
    ck_assert_int_eq(accreditation_course_role("improvement_champion_refresher", &refresher),
                     ACCR_IMPROVEMENT_CHAMPION);
    ck_assert(refresher);
    ck_assert_int_eq(accreditation_course_role("first_aid", &refresher), ACCR_NO_ROLE);
    ck_assert_int_eq(accreditation_course_role("peer_reviewer_x", &refresher), ACCR_NO_ROLE);
}
END_TEST

Suite *accreditation_suite(void)
{
    Suite *s = suite_create("accreditation");
    TCase *tc = tcase_create("accreditation");
    tcase_add_test(tc, months_clamp_to_month_end);
    tcase_add_test(tc, last_valid_day_and_the_day_after);
    tcase_add_test(tc, refresher_extends_but_does_not_start);
    tcase_add_test(tc, overlapping_courses_take_the_latest_end);
    tcase_add_test(tc, course_roles);
    tcase_add_test(tc, evaluate_matches_the_reference);
    tcase_add_test(tc, evaluate_many_refreshers);
    suite_add_tcase(s, tc);
    return s;
}
