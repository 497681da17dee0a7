/* The SMTP module's pure parts (services/worker/smtp.c): the TLS choice, the Date header and
 * the Subject's RFC 2047 encoding. */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"
#include "unit.h"

/* Issue 9: with CURLUSESSL_TRY a relay that does not offer STARTTLS (or an attacker who strips
 * the offer) got the credentials in clear. A URL with credentials requires TLS now. */
START_TEST(smtp_tls_required_with_credentials)
{
    static const struct {
        const char *url;
        long level;
    } cases[] = {
        {"smtp://user:secret@mail.example.org:587", CURLUSESSL_ALL},
        {"smtp://user@mail.example.org", CURLUSESSL_ALL},
        {"smtp://user:p%40ss@mail.example.org/", CURLUSESSL_ALL},
        {"smtps://user:secret@mail.example.org:465", CURLUSESSL_ALL},
        {"smtp://:secret@mail.example.org", CURLUSESSL_ALL},
        {"SMTP://user:secret@mail.example.org", CURLUSESSL_ALL},
        {"not a url", CURLUSESSL_ALL},
        {"", CURLUSESSL_ALL},
        /* Without credentials STARTTLS is tried. */
        {"smtp://127.0.0.1:1025", CURLUSESSL_TRY},
        {"smtp://mail.example.org:25/", CURLUSESSL_TRY},
        {"smtp://mail.example.org/path@not-userinfo", CURLUSESSL_TRY},
        {"smtp://mail.example.org?x=a@b", CURLUSESSL_TRY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ck_assert_msg(smtp_tls_level(cases[i].url) == cases[i].level, "%s", cases[i].url);
    ck_assert_int_eq(smtp_tls_level(NULL), (long)CURLUSESSL_ALL);
}
END_TEST

START_TEST(smtp_date_header)
{
    static const struct {
        time_t t;
        const char *want;
    } cases[] = {
        {0, "Thu, 01 Jan 1970 00:00:00 +0000"},
        {951782400, "Tue, 29 Feb 2000 00:00:00 +0000"},
        {1709168461, "Thu, 29 Feb 2024 01:01:01 +0000"},
        {2147483647, "Tue, 19 Jan 2038 03:14:07 +0000"},
        {4102444799, "Thu, 31 Dec 2099 23:59:59 +0000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[32];
        smtp_format_date(cases[i].t, out, sizeof out);
        ck_assert_str_eq(out, cases[i].want);
    }
    /* A short buffer is cut, never overrun. */
    char small[8];
    smtp_format_date(0, small, sizeof small);
    ck_assert_str_eq(small, "Thu, 01");
}
END_TEST

START_TEST(smtp_subject_ascii_as_it_is)
{
    char *s = smtp_encode_subject("Review visit on 4 March: please confirm");
    ck_assert_str_eq(s, "Review visit on 4 March: please confirm");
    free(s);
    s = smtp_encode_subject("");
    ck_assert_str_eq(s, "");
    free(s);
    s = smtp_encode_subject(NULL);
    ck_assert_str_eq(s, "");
    free(s);
    /* Control characters cannot start a header of their own: they become spaces. */
    s = smtp_encode_subject("a\r\nBcc: victim@example.org\tb\x7f");
    ck_assert_str_eq(s, "a  Bcc: victim@example.org b ");
    free(s);
}
END_TEST

/* Checks that s is a run of RFC 2047 B encoded-words folded with CRLF SP, each under 76
 * characters and each holding whole UTF-8 characters, and returns their decoded bytes joined
 * (the caller frees it). */
static char *smtp_decode_subject(const char *s)
{
    size_t cap = strlen(s) + 1;
    char *out = calloc(1, cap);
    size_t used = 0;
    const char *p = s;
    for (int first = 1;; first = 0) {
        if (!first) {
            ck_assert_msg(strncmp(p, "\r\n ", 3) == 0, "no fold before \"%s\"", p);
            p += 3;
        }
        ck_assert_msg(strncmp(p, "=?UTF-8?B?", 10) == 0, "not an encoded-word: \"%s\"", p);
        const char *b64 = p + 10;
        const char *end = strstr(b64, "?=");
        ck_assert_ptr_nonnull(end);
        ck_assert_uint_lt((size_t)(end + 2 - p), 76);
        size_t n = (size_t)(end - b64);
        ck_assert_uint_eq(n % 4, 0);
        unsigned char raw[64];
        ck_assert_uint_le(n / 4 * 3, sizeof raw);
        int got = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
        ck_assert_int_ge(got, 0);
        size_t len = (size_t)got - (n && b64[n - 1] == '=') - (n > 1 && b64[n - 2] == '=');
        /* Whole characters: no word starts with a continuation byte or ends inside a
         * sequence. */
        ck_assert_uint_gt(len, 0);
        ck_assert_msg((raw[0] & 0xC0) != 0x80, "word starts inside a character");
        size_t i = 0;
        while (i < len) {
            size_t c = raw[i] >= 0xF0 ? 4 : raw[i] >= 0xE0 ? 3 : raw[i] >= 0xC0 ? 2 : 1;
            ck_assert_msg(i + c <= len, "word ends inside a character");
            i += c;
        }
        memcpy(out + used, raw, len);
        used += len;
        p = end + 2;
        if (!*p)
            break;
    }
    return out;
}

START_TEST(smtp_subject_utf8_encoded_words)
{
    const char *subject = "Caf\xc3\xa9 review \xe2\x80\x93 \xc3\x89"
                          "cole Saint-\xc3\x89"
                          "tienne";
    char *s = smtp_encode_subject(subject);
    ck_assert_str_eq(s, "=?UTF-8?B?Q2Fmw6kgcmV2aWV3IOKAkyDDiWNvbGUgU2FpbnQtw4l0aWVubmU=?=");
    char *back = smtp_decode_subject(s);
    ck_assert_str_eq(back, subject);
    free(back);
    free(s);
}
END_TEST

START_TEST(smtp_subject_long_utf8_folds_between_characters)
{
    /* 2-, 3- and 4-byte characters at every offset against the 45-byte word size. */
    static const char *const units[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "a"};
    for (size_t u = 0; u < 4; u++) {
        for (size_t lead = 0; lead < 4; lead++) {
            char subject[1024] = "";
            for (size_t i = 0; i < lead; i++)
                strcat(subject, "x");
            strcat(subject, "\xc3\xbc"); /* at least one non-ASCII character */
            while (strlen(subject) + strlen(units[u]) < 300)
                strcat(subject, units[u]);
            char *s = smtp_encode_subject(subject);
            ck_assert_ptr_nonnull(strstr(s, "\r\n "));
            char *back = smtp_decode_subject(s);
            ck_assert_str_eq(back, subject);
            free(back);
            free(s);
        }
    }
}
END_TEST

START_TEST(smtp_subject_encoded_word_lookalike)
{
    /* ASCII that a reader would decode as an encoded-word is encoded itself. */
    const char *subject = "=?UTF-8?B?SGk=?= is not what it seems";
    char *s = smtp_encode_subject(subject);
    ck_assert_int_eq(strncmp(s, "=?UTF-8?B?", 10), 0);
    ck_assert_str_ne(s, subject);
    char *back = smtp_decode_subject(s);
    ck_assert_str_eq(back, subject);
    free(back);
    free(s);
    /* Control characters are spaces in the encoded form too. */
    s = smtp_encode_subject("\xc3\xa9\r\nBcc: x");
    back = smtp_decode_subject(s);
    ck_assert_str_eq(back, "\xc3\xa9  Bcc: x");
    free(back);
    free(s);
}
END_TEST

/* Message-IDs are on the domain of SPP_MAIL_FROM, in either form it may take; anything that is
 * not a plain host name falls back to "localhost". */
START_TEST(smtp_message_id_domain_of_the_sender)
{
    static const char *const cases[][2] = {
        {"spp@example.org", "example.org"},
        {"SPP Reminders <noreply@Mail.Example.ORG>", "mail.example.org"},
        {"\"Schools, Partnership\" < spp@schools-partnership.org.uk >",
         "schools-partnership.org.uk"},
        {"spp@localhost", "localhost"},
        {"spp@", "localhost"},
        {"Name <spp@>", "localhost"},
        {"spp", "localhost"},
        {"", "localhost"},
        {"spp@exa mple.org", "localhost"},
        {"spp@[127.0.0.1]", "localhost"},
        {"spp@.example.org", "localhost"},
        {"spp@example..org", "localhost"},
        {"spp@example.org.", "localhost"},
        {"spp@-example.org", "localhost"},
        {"spp@ex>ample.org", "localhost"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[256];
        smtp_message_id_domain(cases[i][0], out, sizeof out);
        ck_assert_msg(!strcmp(out, cases[i][1]), "%s gave %s", cases[i][0], out);
    }
    char out[256];
    smtp_message_id_domain(NULL, out, sizeof out);
    ck_assert_str_eq(out, "localhost");
    char small[11];
    smtp_message_id_domain("spp@example.org", small, sizeof small);
    ck_assert_str_eq(small, "localhost"); /* too long for the buffer: never cut */
}
END_TEST

Suite *smtp_suite(void)
{
    Suite *s = suite_create("smtp");
    TCase *tc = tcase_create("smtp");
    tcase_add_test(tc, smtp_tls_required_with_credentials);
    tcase_add_test(tc, smtp_date_header);
    tcase_add_test(tc, smtp_subject_ascii_as_it_is);
    tcase_add_test(tc, smtp_subject_utf8_encoded_words);
    tcase_add_test(tc, smtp_subject_long_utf8_folds_between_characters);
    tcase_add_test(tc, smtp_subject_encoded_word_lookalike);
    tcase_add_test(tc, smtp_message_id_domain_of_the_sender);
    suite_add_tcase(s, tc);
    return s;
}
