#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "seed.h"
#include "unit.h"

static struct seed_opts seed_test_opts(uint64_t seed, const char *today)
{
    struct seed_opts o = {seed, 30, 6, 2, {0, 0, 0}, 24};
    ck_assert_int_eq(caldate_parse(today, &o.today), 0);
    return o;
}

static int seed_test_collect(void *ctx, const char *data, size_t len)
{
    buf_append(ctx, data, len);
    return 0;
}

/* Every table's COPY text, one after the other; the caller frees it. */
static char *seed_test_all(const struct seed_opts *o)
{
    char err[256];
    struct seed_model *m = seed_model_new(o, err, sizeof err);
    ck_assert_ptr_nonnull(m);
    struct buf b;
    buf_init(&b);
    for (int t = 0; t < SEED_TABLE_COUNT; t++) {
        buf_printf(&b, "-- %s\n", seed_table_name((enum seed_table)t));
        ck_assert_int_ge(seed_emit(m, (enum seed_table)t, seed_test_collect, &b), 1);
    }
    seed_model_free(m);
    return buf_steal(&b, NULL);
}

static char *seed_test_table(const struct seed_opts *o, enum seed_table t)
{
    char err[256];
    struct seed_model *m = seed_model_new(o, err, sizeof err);
    ck_assert_ptr_nonnull(m);
    struct buf b;
    buf_init(&b);
    seed_emit(m, t, seed_test_collect, &b);
    seed_model_free(m);
    return buf_steal(&b, NULL);
}

START_TEST(seed_same_options_same_rows)
{
    struct seed_opts o = seed_test_opts(1, "2026-12-03");
    char *a = seed_test_all(&o), *b = seed_test_all(&o);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(seed_another_seed_other_ids_another_day_same_ids)
{
    struct seed_opts o1 = seed_test_opts(1, "2026-12-03"), o2 = seed_test_opts(2, "2026-12-03");
    struct seed_opts o3 = seed_test_opts(1, "2027-03-15");
    char *a = seed_test_table(&o1, SEED_REVIEWS), *b = seed_test_table(&o2, SEED_REVIEWS);
    char *c = seed_test_table(&o3, SEED_REVIEWS);
    ck_assert_str_ne(a, b);
    ck_assert_int_ne(memcmp(a, b, 36), 0);
    /* Another day moves the dates, never the ids. */
    ck_assert_str_ne(a, c);
    ck_assert_int_eq(memcmp(a, c, 36), 0);
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(seed_uuids_are_version_4_and_distinct)
{
    char a[37], b[37], c[37];
    seed_uuid(1, 10, 0, a);
    seed_uuid(1, 10, 1, b);
    seed_uuid(1, 11, 0, c);
    ck_assert_uint_eq(strlen(a), 36);
    ck_assert_int_eq(a[14], '4');
    ck_assert_int_eq(a[19], '8');
    ck_assert_int_eq(a[8], '-');
    ck_assert_str_ne(a, b);
    ck_assert_str_ne(a, c);
    ck_assert_str_eq(a + 24, "000000000000");
    ck_assert_uint_ne(seed_hash(1, 1, 1, 1), seed_hash(2, 1, 1, 1));
    ck_assert_uint_eq(seed_hash(7, 3, 9, 1), seed_hash(7, 3, 9, 1));
}
END_TEST

START_TEST(seed_slug_keeps_lower_case_letters)
{
    char s[32];
    seed_slug("O'Neill-Smith", s, sizeof s);
    ck_assert_str_eq(s, "oneillsmith");
    seed_slug("Bury St Edmunds", s, sizeof s);
    ck_assert_str_eq(s, "burystedmunds");
    seed_slug("Abcdefgh", s, 4);
    ck_assert_str_eq(s, "abc");
}
END_TEST

static int seed_test_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(seed_names_and_emails_look_british_and_are_unique)
{
    struct seed_opts o = seed_test_opts(1, "2026-12-03");
    o.schools = 400;
    o.partnerships = 60;
    o.hubs = 3;
    char *people = seed_test_table(&o, SEED_PEOPLE);
    /* Column 4 is the email: collect them all and look for a repeat. */
    size_t n = 0, cap = 8192;
    char **emails = malloc(cap * sizeof *emails);
    for (char *line = strtok(people, "\n"); line; line = strtok(NULL, "\n")) {
        char *f = line;
        for (int col = 0; col < 3; col++)
            f = strchr(f, '\t') + 1;
        *strchr(f, '\t') = '\0';
        ck_assert_msg(strstr(f, ".example.org") != NULL, "%s", f);
        ck_assert_msg(f[1] == '.' && f[0] >= 'a' && f[0] <= 'z', "%s", f);
        ck_assert(n < cap);
        emails[n++] = f;
    }
    ck_assert_uint_gt(n, 400 * 10 - 1);
    qsort(emails, n, sizeof *emails, seed_test_cmp);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(strcmp(emails[i - 1], emails[i]) != 0, "repeated %s", emails[i]);
    free(emails);
    free(people);

    char err[64];
    struct seed_model *m = seed_model_new(&o, err, sizeof err);
    char name[128], email[256], school[256], domain[200];
    seed_person_name(m, 0, 0, name, sizeof name, email, sizeof email);
    seed_school_name(m, 0, school, sizeof school, domain, sizeof domain);
    ck_assert_ptr_nonnull(strchr(name, ' '));
    ck_assert_ptr_nonnull(strstr(email, domain));
    ck_assert(strstr(school, "School") || strstr(school, "Academy") || strstr(school, "College"));
    seed_model_free(m);
}
END_TEST

START_TEST(seed_every_status_in_the_first_partnership)
{
    struct seed_opts o = seed_test_opts(1, "2026-12-03");
    char err[64];
    struct seed_model *m = seed_model_new(&o, err, sizeof err);
    for (int s = 0; s < 9; s++) {
        int found = 0;
        for (int i = 0; i < seed_review_count(m, 0); i++)
            found |= !strcmp(seed_review_status(m, 0, i), seed_statuses[s]);
        ck_assert_msg(found, "no %s review", seed_statuses[s]);
    }
    seed_model_free(m);
}
END_TEST

START_TEST(seed_every_event_before_today)
{
    struct seed_opts o = seed_test_opts(5, "2027-03-15");
    char *events = seed_test_table(&o, SEED_EVENTS);
    int n = 0;
    for (char *line = strtok(events, "\n"); line; line = strtok(NULL, "\n"), n++) {
        char *at = strrchr(line, '\t') + 1;
        ck_assert_msg(strncmp(at, "2027-03-15", 10) < 0, "%s", line);
    }
    ck_assert_int_gt(n, 100);
    free(events);
}
END_TEST

START_TEST(seed_refuses_impossible_sizes)
{
    struct seed_opts o = seed_test_opts(1, "2026-12-03");
    char err[128];
    o.partnerships = 11; /* 30 schools cannot make 11 partnerships of 3 */
    ck_assert_ptr_null(seed_model_new(&o, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "--partnerships"));
    o.partnerships = 6;
    o.schools = 2;
    ck_assert_ptr_null(seed_model_new(&o, err, sizeof err));
}
END_TEST

Suite *seed_suite(void)
{
    Suite *s = suite_create("seed");
    TCase *tc = tcase_create("generator");
    tcase_add_test(tc, seed_same_options_same_rows);
    tcase_add_test(tc, seed_another_seed_other_ids_another_day_same_ids);
    tcase_add_test(tc, seed_uuids_are_version_4_and_distinct);
    tcase_add_test(tc, seed_slug_keeps_lower_case_letters);
    tcase_add_test(tc, seed_names_and_emails_look_british_and_are_unique);
    tcase_add_test(tc, seed_every_status_in_the_first_partnership);
    tcase_add_test(tc, seed_every_event_before_today);
    tcase_add_test(tc, seed_refuses_impossible_sizes);
    suite_add_tcase(s, tc);
    return s;
}
