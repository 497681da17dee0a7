/* HTML escaping (common/html.c), the one escape every HTML mail goes through. */
#include <string.h>

#include "buf.h"
#include "html.h"
#include "unit.h"

/* Escapes s into a fresh buffer and compares with want. */
static void html_check(const char *s, const char *want)
{
    struct buf b;
    buf_init(&b);
    html_escape(&b, s);
    ck_assert_msg(b.data != NULL || want[0] == '\0', "no output for \"%s\"", s);
    ck_assert_str_eq(b.data ? b.data : "", want);
    ck_assert_uint_eq(b.len, strlen(want));
    buf_cleanup(&b);
}

START_TEST(html_escapes_the_five_characters)
{
    html_check("&", "&amp;");
    html_check("<", "&lt;");
    html_check(">", "&gt;");
    html_check("\"", "&quot;");
    html_check("'", "&#39;");
    html_check("<script>alert('x&y')</script>",
               "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;");
    html_check("\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
    /* An existing reference is text like any other: escaped again, never trusted. */
    html_check("&amp;", "&amp;amp;");
}
END_TEST

START_TEST(html_line_breaks)
{
    html_check("a\nb", "a<br>\nb");
    html_check("a\r\nb", "a<br>\nb");
    html_check("\r", "");
    html_check("a\n\nb\n", "a<br>\n<br>\nb<br>\n");
}
END_TEST

START_TEST(html_leaves_the_rest_alone)
{
    html_check("", "");
    html_check("Plain text, 42; (ok) = fine/done?", "Plain text, 42; (ok) = fine/done?");
    html_check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
               "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    html_check("tab\there", "tab\there");
}
END_TEST

START_TEST(html_appends_to_what_is_there)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "<p>");
    html_escape(&b, "1 < 2");
    html_escape(&b, "");
    buf_puts(&b, "</p>");
    ck_assert_str_eq(b.data, "<p>1 &lt; 2</p>");
    buf_cleanup(&b);
}
END_TEST

Suite *html_suite(void)
{
    return unit_suite("html",
                      UNIT_TCASE("html", html_escapes_the_five_characters, html_line_breaks,
                                 html_leaves_the_rest_alone, html_appends_to_what_is_there));
}
