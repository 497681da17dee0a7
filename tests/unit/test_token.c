#include <string.h>

#include "token.h"
#include "unit.h"

START_TEST(token_shape_and_hash)
{
    char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1], pa[TOKEN_PREFIX_LEN + 1], pb[TOKEN_PREFIX_LEN + 1];
    ck_assert_int_eq(token_generate(a, pa), 0);
    ck_assert_int_eq(token_generate(b, pb), 0);
    ck_assert_uint_eq(strlen(a), TOKEN_LEN);
    ck_assert(strncmp(a, "spp_", 4) == 0);
    ck_assert(strncmp(a, pa, TOKEN_PREFIX_LEN) == 0);
    ck_assert_str_ne(a, b);
    ck_assert_uint_eq(
        strspn(a + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        TOKEN_LEN - 4);
    char h[TOKEN_HASH_HEX];
    token_hash("abc", 3, h);
    ck_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert(token_equal(h, h, 64));
}
END_TEST

Suite *token_suite(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("token");
    tcase_add_test(tc, token_shape_and_hash);
    suite_add_tcase(s, tc);
    return s;
}
