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

/* Calendar feed secrets: 32 random bytes as 64 lowercase hex characters, and the check that
 * the feed route makes before it hashes anything. */
/* One hex digit's value, either case; anything else is -1 (the one parser the URL decoder, the
 * key parsers and the unsubscribe tokens share). */
START_TEST(token_hex_digits)
{
    const char *digits = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        ck_assert_int_eq(token_hex_digit(digits[i]), i);
        ck_assert_int_eq(token_hex_digit((char)(digits[i] >= 'a' ? digits[i] - 32 : digits[i])), i);
    }
    const char *not_hex = "gG/:@` -x";
    for (const char *c = not_hex; *c; c++)
        ck_assert_int_eq(token_hex_digit(*c), -1);
    ck_assert_int_eq(token_hex_digit('\0'), -1);
    ck_assert_int_eq(token_hex_digit((char)0xc3), -1);
}
END_TEST

START_TEST(token_hex_secrets)
{
    char a[65], b[65];
    ck_assert_int_eq(token_generate_hex(a, 32), 0);
    ck_assert_int_eq(token_generate_hex(b, 32), 0);
    ck_assert_uint_eq(strlen(a), 64);
    ck_assert_uint_eq(strspn(a, "0123456789abcdef"), 64);
    ck_assert_str_ne(a, b);
    ck_assert(token_is_hex(a, 64));
    ck_assert(!token_is_hex(a, 63)); /* longer than asked */
    a[63] = '\0';
    ck_assert(!token_is_hex(a, 64)); /* shorter */
    ck_assert(token_is_hex("0123456789abcdef", 16));
    ck_assert(!token_is_hex("0123456789ABCDEF", 16)); /* we write lower case only */
    ck_assert(!token_is_hex("0123456789abcdeg", 16));
    ck_assert(!token_is_hex("0123456789abcde/", 16));
    ck_assert(!token_is_hex("", 16));
    ck_assert(token_is_hex("", 0));
    char big[200];
    ck_assert_int_eq(token_generate_hex(big, 65), -1); /* more than it generates at once */
}
END_TEST

Suite *token_suite(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("token");
    tcase_add_test(tc, token_shape_and_hash);
    tcase_add_test(tc, token_hex_secrets);
    tcase_add_test(tc, token_hex_digits);
    suite_add_tcase(s, tc);
    return s;
}
