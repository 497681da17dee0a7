/* common/rules/unsub.c: one-click unsubscribe tokens (made, checked, refused) and the pages GET
 * and POST answer. */
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "unit.h"
#include "unsub.h"
#include "xalloc.h"

static const unsigned char key_a[UNSUB_KEY_LEN] = "0123456789abcdef0123456789abcdef";
static const unsigned char key_b[UNSUB_KEY_LEN] = "0123456789abcdef0123456789abcdeF";
#define PERSON "5eed0004-81c6-4564-8bde-00000000000e"

START_TEST(unsub_token_round_trips_every_kind)
{
    for (size_t i = 0; unsub_kinds[i]; i++) {
        char token[UNSUB_TOKEN_LEN + 1], person[37];
        const char *kind = NULL;
        ck_assert_int_eq(unsub_token_make(key_a, sizeof key_a, PERSON, unsub_kinds[i], token), 0);
        ck_assert_uint_eq(strlen(token), UNSUB_TOKEN_LEN);
        ck_assert_uint_eq(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789-_"),
                          UNSUB_TOKEN_LEN);
        ck_assert_int_eq(unsub_token_check(key_a, sizeof key_a, token, person, &kind), 0);
        ck_assert_str_eq(person, PERSON);
        ck_assert_str_eq(kind, unsub_kinds[i]);
        /* The same person and kind give the same token; another key gives another and does not
         * accept this one. */
        char again[UNSUB_TOKEN_LEN + 1], other[UNSUB_TOKEN_LEN + 1];
        unsub_token_make(key_a, sizeof key_a, PERSON, unsub_kinds[i], again);
        ck_assert_str_eq(token, again);
        unsub_token_make(key_b, sizeof key_b, PERSON, unsub_kinds[i], other);
        ck_assert_str_ne(token, other);
        ck_assert_int_eq(unsub_token_check(key_b, sizeof key_b, token, person, &kind), -1);
    }
    /* Upper-case UUIDs name the same person. */
    char t1[UNSUB_TOKEN_LEN + 1], t2[UNSUB_TOKEN_LEN + 1];
    unsub_token_make(key_a, sizeof key_a, "5EED0004-81C6-4564-8BDE-00000000000E", "digest", t1);
    unsub_token_make(key_a, sizeof key_a, PERSON, "digest", t2);
    ck_assert_str_eq(t1, t2);
}
END_TEST

/* Every reminder kind of notify.c can be unsubscribed from. */
START_TEST(unsub_kinds_cover_the_reminders)
{
    extern const char *const notify_reminder_kinds[];
    ck_assert_str_eq(unsub_kinds[0], "digest");
    for (size_t i = 0; notify_reminder_kinds[i]; i++) {
        int found = 0;
        for (size_t k = 0; unsub_kinds[k]; k++)
            found |= !strcmp(unsub_kinds[k], notify_reminder_kinds[i]);
        ck_assert_msg(found, "%s has no unsubscribe code", notify_reminder_kinds[i]);
        ck_assert_str_ne(unsub_kind_words(notify_reminder_kinds[i]), notify_reminder_kinds[i]);
    }
}
END_TEST

START_TEST(unsub_token_refuses_anything_else)
{
    char token[UNSUB_TOKEN_LEN + 1], person[37], bad[UNSUB_TOKEN_LEN + 2];
    const char *kind;
    ck_assert_int_eq(unsub_token_make(key_a, sizeof key_a, PERSON, "digest", token), 0);
    /* Each character changed to every other base64url character: refused. */
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < UNSUB_TOKEN_LEN; i++) {
        for (const char *c = alphabet; *c; c++) {
            if (*c == token[i])
                continue;
            memcpy(bad, token, sizeof token);
            bad[i] = *c;
            ck_assert_msg(unsub_token_check(key_a, sizeof key_a, bad, person, &kind) == -1,
                          "accepted %s", bad);
        }
    }
    /* Lengths, foreign characters, padding, other kinds and keys. */
    memcpy(bad, token, sizeof token);
    bad[UNSUB_TOKEN_LEN - 1] = '\0';
    ck_assert_int_eq(unsub_token_check(key_a, sizeof key_a, bad, person, &kind), -1);
    memcpy(bad, token, sizeof token);
    bad[UNSUB_TOKEN_LEN] = 'A';
    bad[UNSUB_TOKEN_LEN + 1] = '\0';
    ck_assert_int_eq(unsub_token_check(key_a, sizeof key_a, bad, person, &kind), -1);
    memcpy(bad, token, sizeof token);
    bad[5] = '+';
    ck_assert_int_eq(unsub_token_check(key_a, sizeof key_a, bad, person, &kind), -1);
    bad[5] = '=';
    ck_assert_int_eq(unsub_token_check(key_a, sizeof key_a, bad, person, &kind), -1);
    ck_assert_int_eq(unsub_token_check(key_a, sizeof key_a, "", person, &kind), -1);
    ck_assert_int_eq(unsub_token_check(key_a, sizeof key_a, NULL, person, &kind), -1);
    ck_assert_int_eq(unsub_token_check(key_a, 16, token, person, &kind), -1);
    ck_assert_int_eq(unsub_token_make(key_a, sizeof key_a, PERSON, "booking.changed", token), -1);
    ck_assert_int_eq(unsub_token_make(key_a, sizeof key_a, PERSON, NULL, token), -1);
    ck_assert_int_eq(unsub_token_make(key_a, sizeof key_a, "not-a-uuid", "digest", token), -1);
    ck_assert_int_eq(unsub_token_make(key_a, sizeof key_a, "5eed0004-81c6-4564-8bde-00000000000g",
                                      "digest", token),
                     -1);
    ck_assert_int_eq(unsub_token_make(key_a, 31, PERSON, "digest", token), -1);
}
END_TEST

START_TEST(unsub_key_parses_hex)
{
    unsigned char key[UNSUB_KEY_LEN];
    ck_assert_int_eq(unsub_key_parse("000102030405060708090a0b0c0d0e0f"
                                     "101112131415161718191A1B1C1D1E1F",
                                     key),
                     0);
    ck_assert_uint_eq(key[0], 0);
    ck_assert_uint_eq(key[31], 0x1f);
    ck_assert_int_eq(unsub_key_parse("00", key), -1);
    ck_assert_int_eq(unsub_key_parse("zz0102030405060708090a0b0c0d0e0f"
                                     "101112131415161718191a1b1c1d1e1f",
                                     key),
                     -1);
    ck_assert_int_eq(unsub_key_parse(NULL, key), -1);
}
END_TEST

START_TEST(unsub_pages)
{
    char token[UNSUB_TOKEN_LEN + 1];
    unsub_token_make(key_a, sizeof key_a, PERSON, "action_overdue", token);
    char *ask = unsub_page("action_overdue", token, 0);
    unit_assert_mail_html(ask);
    char *plain = unit_unstyled(ask);
    char *form = xasprintf("<form method=\"post\" action=\"%s\">", token);
    ck_assert_ptr_nonnull(strstr(plain, form));
    ck_assert_ptr_nonnull(strstr(plain, "<input type=\"hidden\" name=\"List-Unsubscribe\" "
                                        "value=\"One-Click\">"));
    ck_assert_ptr_nonnull(strstr(plain, "Stop receiving the weekly reminders of overdue actions"));
    ck_assert_ptr_nonnull(strstr(plain, "<button type=\"submit\">Unsubscribe</button>"));
    free(form);
    free(plain);
    char *done = unsub_page("digest", token, 1);
    unit_assert_mail_html(done);
    ck_assert_ptr_nonnull(strstr(done, "You will no longer receive the best practice digest."));
    ck_assert_ptr_null(strstr(done, "<form"));
    free(ask);
    free(done);
    /* Whatever reaches the action attribute is escaped. */
    char *odd = unsub_page("digest", "\"><script>", 0);
    ck_assert_ptr_nonnull(strstr(odd, "action=\"&quot;&gt;&lt;script&gt;\""));
    free(odd);
}
END_TEST

Suite *unsub_suite(void)
{
    return unit_suite("unsub",
                      UNIT_TCASE("unsubscribe", unsub_token_round_trips_every_kind,
                                 unsub_kinds_cover_the_reminders, unsub_token_refuses_anything_else,
                                 unsub_key_parses_hex, unsub_pages));
}
