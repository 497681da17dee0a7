/* The SMTP module's pure choices (services/worker/smtp.c). */
#include <curl/curl.h>

#include "smtp.h"
#include "unit.h"

/* Issue 9: with CURLUSESSL_TRY a relay that does not offer STARTTLS (or an attacker who strips
 * the offer) got the credentials in clear. A URL with credentials requires TLS now. */
START_TEST(smtp_tls_required_with_credentials)
{
    static const char *const strict[] = {
        "smtp://user:secret@mail.example.org:587",
        "smtp://user@mail.example.org",
        "smtp://user:p%40ss@mail.example.org/",
        "smtps://user:secret@mail.example.org:465",
        "smtp://:secret@mail.example.org",
        "SMTP://user:secret@mail.example.org",
        "not a url",
        "",
    };
    for (size_t i = 0; i < sizeof strict / sizeof *strict; i++)
        ck_assert_msg(smtp_tls_level(strict[i]) == (long)CURLUSESSL_ALL, "%s", strict[i]);
    ck_assert_int_eq(smtp_tls_level(NULL), (long)CURLUSESSL_ALL);
    static const char *const relaxed[] = {
        "smtp://127.0.0.1:1025",
        "smtp://mail.example.org:25/",
        "smtp://mail.example.org/path@not-userinfo",
        "smtp://mail.example.org?x=a@b",
    };
    for (size_t i = 0; i < sizeof relaxed / sizeof *relaxed; i++)
        ck_assert_msg(smtp_tls_level(relaxed[i]) == (long)CURLUSESSL_TRY, "%s", relaxed[i]);
}
END_TEST

Suite *smtp_suite(void)
{
    Suite *s = suite_create("smtp");
    TCase *tc = tcase_create("smtp");
    tcase_add_test(tc, smtp_tls_required_with_credentials);
    suite_add_tcase(s, tc);
    return s;
}
