#include <stdint.h>
#include <string.h>

#include "cursor.h"
#include "unit.h"

START_TEST(cursor_round_trip)
{
    struct cursor c = {1732266000123456LL, "0b6f6a5e-6f1c-4c53-9f2e-4d8a1b2c3d4e"}, d;
    char text[CURSOR_MAX];
    cursor_encode(&c, text);
    ck_assert_int_eq(
        strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        strlen(text));
    ck_assert_int_eq(cursor_decode(text, &d), 0);
    ck_assert_int_eq(d.micros, c.micros);
    ck_assert_str_eq(d.id, c.id);
}
END_TEST

START_TEST(cursor_rejects_garbage)
{
    struct cursor d;
    ck_assert_int_eq(cursor_decode("", &d), -1);
    ck_assert_int_eq(cursor_decode("not a cursor", &d), -1);
    ck_assert_int_eq(cursor_decode("abc", &d), -1);
    ck_assert_int_eq(cursor_decode("dj=", &d), -1);
    /* Well-formed base64 of the wrong content. */
    ck_assert_int_eq(cursor_decode("aGVsbG8gd29ybGQ", &d), -1);
    /* A valid cursor with one character changed no longer names a UUID. */
    struct cursor c = {42, "0b6f6a5e-6f1c-4c53-9f2e-4d8a1b2c3d4e"};
    char text[CURSOR_MAX];
    cursor_encode(&c, text);
    text[strlen(text) - 2] = '!';
    ck_assert_int_eq(cursor_decode(text, &d), -1);
}
END_TEST

/* A position no row can have (PostgreSQL cannot make a timestamp of it) does not decode: the
 * list answers 422 instead of failing in SQL. Each text is a cursor this module wrote. */
START_TEST(cursor_rejects_positions_past_any_row)
{
    static const int64_t far[] = {INT64_MAX, INT64_MAX - 1, 9000000000000000000LL,
                                  CURSOR_MICROS_MAX + 1};
    struct cursor d;
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
        struct cursor c = {far[i], "0b6f6a5e-6f1c-4c53-9f2e-4d8a1b2c3d4e"};
        char text[CURSOR_MAX];
        cursor_encode(&c, text);
        ck_assert_msg(cursor_decode(text, &d) == -1, "micros %lld decoded", (long long)far[i]);
    }
    struct cursor last = {CURSOR_MICROS_MAX, "0b6f6a5e-6f1c-4c53-9f2e-4d8a1b2c3d4e"};
    char text[CURSOR_MAX];
    cursor_encode(&last, text);
    ck_assert_int_eq(cursor_decode(text, &d), 0);
    ck_assert_int_eq(d.micros, CURSOR_MICROS_MAX);
}
END_TEST

Suite *cursor_suite(void)
{
    Suite *s = suite_create("cursor");
    TCase *tc = tcase_create("cursor");
    tcase_add_test(tc, cursor_round_trip);
    tcase_add_test(tc, cursor_rejects_garbage);
    tcase_add_test(tc, cursor_rejects_positions_past_any_row);
    suite_add_tcase(s, tc);
    return s;
}
