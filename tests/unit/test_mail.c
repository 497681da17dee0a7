/* common/rules/mail.c (the frame of HTML mail), and the HTML checks the mail renderers' suites
 * share (unit.h). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mail.h"
#include "unit.h"

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

Suite *mail_suite(void)
{
    Suite *s = suite_create("mail");
    TCase *tc = tcase_create("frame");
    tcase_add_test(tc, mail_frame_escapes_and_links);
    tcase_add_test(tc, mail_url_joins);
    suite_add_tcase(s, tc);
    return s;
}
