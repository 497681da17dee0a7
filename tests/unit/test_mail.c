/* common/rules/mail.c (the frame of HTML mail) and common/rules/unsub.c (one-click unsubscribe
 * tokens and pages). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mail.h"
#include "unit.h"
#include "unsub.h"
#include "xalloc.h"

char *unit_unstyled(const char *html)
{
    struct buf b;
    buf_init(&b);
    for (const char *p = html; *p;) {
        if (!strncmp(p, " style=\"", 8)) {
            const char *end = strchr(p + 8, '"');
            ck_assert_ptr_nonnull(end);
            p = end + 1;
            continue;
        }
        buf_putc(&b, *p++);
    }
    return buf_steal(&b, NULL);
}

/* What every HTML message must be: one column at most 600 px wide, styled inline, nothing
 * fetched from elsewhere, no script. */
void unit_assert_mail_html(const char *html)
{
    ck_assert_ptr_nonnull(strstr(html, "<!DOCTYPE html>"));
    ck_assert_ptr_nonnull(strstr(html, "<meta charset=\"utf-8\">"));
    ck_assert_ptr_nonnull(strstr(html, "max-width:600px"));
    ck_assert_ptr_nonnull(strstr(html, "</html>\n"));
    /* Within the markup (user text is escaped, so every '<' opens a tag of ours). */
    const char *never[] = {"<style", "<link",   "<img",       "<script", "src=",
                           "url(",   "@import", "@font-face", "<iframe", "<object"};
    for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
        const char *end = strchr(p, '>');
        ck_assert_ptr_nonnull(end);
        for (size_t i = 0; i < sizeof never / sizeof *never; i++) {
            const char *hit = strstr(p, never[i]);
            ck_assert_msg(!hit || hit > end, "%s in:\n%s", never[i], html);
        }
    }
}

START_TEST(mail_frame_escapes_and_links)
{
    struct buf b, t;
    buf_init(&b);
    buf_init(&t);
    struct mail_frame f = {"A <b> title",
                           "Heading & more",
                           "Tom's <Partnership>",
                           "Why: \"you\"",
                           "https://spp.example.org/unsubscribe/a\"b",
                           "this digest"};
    mail_html_begin(&b, &f);
    buf_puts(&b, MAIL_P "body</p>\n");
    mail_html_end(&b, &f);
    mail_text_end(&t, &f);
    unit_assert_mail_html(b.data);
    char *plain = unit_unstyled(b.data);
    ck_assert_ptr_nonnull(strstr(plain, "<title>A &lt;b&gt; title</title>"));
    ck_assert_ptr_nonnull(
        strstr(plain, "<p>Schools Partnership Programme &middot; Tom&#39;s &lt;Partnership&gt;"
                      "</p>\n<h1>Heading &amp; more</h1>"));
    ck_assert_ptr_nonnull(strstr(plain, "<p>Why: &quot;you&quot;</p>"));
    ck_assert_ptr_nonnull(strstr(plain, "<a href=\"https://spp.example.org/unsubscribe/a&quot;b\">"
                                        "Unsubscribe</a> from this digest with one click."));
    ck_assert_ptr_nonnull(strstr(t.data, "\n-- \nSchools Partnership Programme\nWhy: \"you\"\n"
                                         "Unsubscribe from this digest: "
                                         "https://spp.example.org/unsubscribe/a\"b\n"));
    free(plain);
    buf_cleanup(&b);
    buf_cleanup(&t);

    /* Nothing optional: no partnership, no reason, no link. */
    struct mail_frame bare = {NULL, NULL, NULL, NULL, NULL, NULL};
    buf_init(&b);
    buf_init(&t);
    mail_html_begin(&b, &bare);
    mail_html_end(&b, &bare);
    mail_text_end(&t, &bare);
    unit_assert_mail_html(b.data);
    ck_assert_ptr_null(strstr(b.data, "&middot;"));
    ck_assert_ptr_null(strstr(b.data, "<a "));
    ck_assert_str_eq(t.data, "\n-- \nSchools Partnership Programme\n");
    buf_cleanup(&b);
    buf_cleanup(&t);
}
END_TEST

START_TEST(mail_url_joins)
{
    char *u = mail_url("https://x.org/spp//", "/v1/reviews/1");
    ck_assert_str_eq(u, "https://x.org/spp/v1/reviews/1");
    free(u);
    u = mail_url("http://127.0.0.1:8080", "/unsubscribe/t");
    ck_assert_str_eq(u, "http://127.0.0.1:8080/unsubscribe/t");
    free(u);
    ck_assert_ptr_null(mail_url(NULL, "/x"));
    ck_assert_ptr_null(mail_url("", "/x"));
    /* A resource's URL only for a UUID: an id from stored JSON is not trusted (cutting a
     * longer one at 36 bytes could split a UTF-8 character, as fuzz_digest found). */
    u = mail_resource_url("https://x.org/", "/v1/reviews", "6a3c1b7e-2f55-4c8e-9a57-0c1f3d9e8b21");
    ck_assert_str_eq(u, "https://x.org/v1/reviews/6a3c1b7e-2f55-4c8e-9a57-0c1f3d9e8b21");
    free(u);
    ck_assert_ptr_null(mail_resource_url("https://x.org", "/v1/reviews", "r1"));
    ck_assert_ptr_null(mail_resource_url("https://x.org", "/v1/reviews", NULL));
    ck_assert_ptr_null(
        mail_resource_url("https://x.org", "/v1/digests",
                          "6tablea3c1b7e-2f55-4c8e-9a57-\xd0\x9c\xce\x99\xcc\x9b\xc6\x9d"
                          "9b21"));
    ck_assert_ptr_null(
        mail_resource_url("", "/v1/reviews", "6a3c1b7e-2f55-4c8e-9a57-0c1f3d9e8b21"));
}
END_TEST

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

Suite *mail_suite(void)
{
    Suite *s = suite_create("mail");
    TCase *tc = tcase_create("frame");
    tcase_add_test(tc, mail_frame_escapes_and_links);
    tcase_add_test(tc, mail_url_joins);
    suite_add_tcase(s, tc);
    tc = tcase_create("unsubscribe");
    tcase_add_test(tc, unsub_token_round_trips_every_kind);
    tcase_add_test(tc, unsub_kinds_cover_the_reminders);
    tcase_add_test(tc, unsub_token_refuses_anything_else);
    tcase_add_test(tc, unsub_key_parses_hex);
    tcase_add_test(tc, unsub_pages);
    suite_add_tcase(s, tc);
    return s;
}
