/* Idempotency keys (services/api/idem.c), their pure parts: which keys are accepted, and the
 * request hash a stored answer is bound to. */
#include <string.h>

#include "idem.h"
#include "token.h"
#include "unit.h"

START_TEST(idem_key_limits)
{
    char key[300];
    memset(key, 'k', sizeof key);
    key[1] = '\0';
    ck_assert_int_eq(idem_key_check(key), 0);
    key[1] = 'k';
    key[255] = '\0';
    ck_assert_int_eq(idem_key_check(key), 0);
    key[255] = 'k';
    key[256] = '\0';
    ck_assert_int_eq(idem_key_check(key), -1);
    ck_assert_int_eq(idem_key_check(""), -1);
    ck_assert_int_eq(idem_key_check(NULL), -1);
}
END_TEST

START_TEST(idem_key_printable_ascii_only)
{
    static const char *const good[] = {
        "order-2026-12-03",
        " ",
        "a b",
        "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./",
        "0",
        "3f0c1a52-5d5e-4bd1-9d0b-2b8f4d9e6a10",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        ck_assert_msg(idem_key_check(good[i]) == 0, "%s", good[i]);
    static const char *const bad[] = {
        "a\tb", "a\nb", "a\rb", "\x01", "a\x7f", "caf\xc3\xa9", "\xff", "key\x1b[0m",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(idem_key_check(bad[i]) == -1, "bad key %zu", i);
}
END_TEST

START_TEST(idem_hash_binds_route_path_and_body)
{
    char h[TOKEN_HASH_HEX], want[TOKEN_HASH_HEX];
    const char body[] = "{\"name\":\"Oak\"}";
    idem_request_hash("/v1/schools", "/v1/schools", body, strlen(body), h);
    const char text[] = "/v1/schools /v1/schools\n{\"name\":\"Oak\"}";
    token_hash(text, strlen(text), want);
    ck_assert_str_eq(h, want);
    ck_assert_uint_eq(strlen(h), TOKEN_HASH_HEX - 1);

    /* Another body, path or route gives another hash; the same request the same. */
    char other[TOKEN_HASH_HEX];
    idem_request_hash("/v1/schools", "/v1/schools", body, strlen(body), other);
    ck_assert_str_eq(other, h);
    idem_request_hash("/v1/schools", "/v1/schools", body, strlen(body) - 1, other);
    ck_assert_str_ne(other, h);
    idem_request_hash("/v1/hubs", "/v1/schools", body, strlen(body), other);
    ck_assert_str_ne(other, h);
    idem_request_hash("/v1/schools", "/v1/hubs", body, strlen(body), other);
    ck_assert_str_ne(other, h);

    /* An empty body: the hash of the route line alone. */
    idem_request_hash("/v1/jobs/{id}/retry", "/v1/jobs/j1/retry", "", 0, other);
    token_hash("/v1/jobs/{id}/retry /v1/jobs/j1/retry\n", 38, want);
    ck_assert_str_eq(other, want);

    /* The body's bytes count, a NUL among them too. */
    char a[TOKEN_HASH_HEX], b[TOKEN_HASH_HEX];
    idem_request_hash("/v1/schools", "/v1/schools", "x\0y", 3, a);
    idem_request_hash("/v1/schools", "/v1/schools", "x\0z", 3, b);
    ck_assert_str_ne(a, b);
}
END_TEST

Suite *idem_suite(void)
{
    Suite *s = suite_create("idem");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, idem_key_limits);
    tcase_add_test(tc, idem_key_printable_ascii_only);
    tcase_add_test(tc, idem_hash_binds_route_path_and_body);
    suite_add_tcase(s, tc);
    return s;
}
