/* Secrets at rest (common/secretbox.c): the key format, seal/open round trips, and every way a
 * box must refuse to open (altered, cut, re-spelled, another key, another row). */
#include <stdlib.h>
#include <string.h>

#include "secretbox.h"
#include "unit.h"

static const char secretbox_test_hex[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static void secretbox_test_key(unsigned char key[SECRETBOX_KEY_LEN])
{
    ck_assert_int_eq(secretbox_key_parse(secretbox_test_hex, key), 0);
}

START_TEST(secretbox_key_parse_takes_64_hex_digits)
{
    unsigned char key[SECRETBOX_KEY_LEN];
    secretbox_test_key(key);
    for (int i = 0; i < SECRETBOX_KEY_LEN; i++)
        ck_assert_uint_eq(key[i], (unsigned)i);
    unsigned char upper[SECRETBOX_KEY_LEN];
    ck_assert_int_eq(secretbox_key_parse(
                         "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", upper),
                     0);
    ck_assert_mem_eq(upper, key, SECRETBOX_KEY_LEN);
    ck_assert_int_eq(secretbox_key_parse(
                         "ffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFFffFF", upper),
                     0);
    for (int i = 0; i < SECRETBOX_KEY_LEN; i++)
        ck_assert_uint_eq(upper[i], 0xFF);
}
END_TEST

START_TEST(secretbox_key_parse_refuses_the_rest)
{
    unsigned char key[SECRETBOX_KEY_LEN];
    ck_assert_int_eq(secretbox_key_parse(NULL, key), -1);
    ck_assert_int_eq(secretbox_key_parse("", key), -1);
    /* One digit short, one too many. */
    ck_assert_int_eq(
        secretbox_key_parse("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", key),
        -1);
    ck_assert_int_eq(secretbox_key_parse(
                         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0", key),
                     -1);
    /* Not hexadecimal, in either half of a byte. */
    ck_assert_int_eq(secretbox_key_parse(
                         "g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", key),
                     -1);
    ck_assert_int_eq(secretbox_key_parse(
                         "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1 ", key),
                     -1);
    ck_assert_int_eq(secretbox_key_parse(
                         "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", key),
                     -1);
}
END_TEST

/* Seals plain under key and aad, checks the box's size, opens it again and compares. */
static char *secretbox_round_trip(const unsigned char *key, const char *aad,
                                  const unsigned char *plain, size_t len)
{
    char *box = NULL;
    ck_assert_int_eq(secretbox_seal(key, aad, plain, len, &box), 0);
    ck_assert_ptr_nonnull(box);
    size_t raw = SECRETBOX_NONCE_LEN + len + SECRETBOX_TAG_LEN;
    ck_assert_uint_eq(strlen(box), 4 * ((raw + 2) / 3));
    unsigned char *out = NULL;
    size_t out_len = 99;
    ck_assert_int_eq(secretbox_open(key, aad, box, &out, &out_len), 0);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(out_len, len);
    if (len)
        ck_assert_mem_eq(out, plain, len);
    ck_assert_uint_eq(out[len], 0); /* NUL-terminated for the callers that read a string */
    free(out);
    return box;
}

START_TEST(secretbox_round_trips)
{
    unsigned char key[SECRETBOX_KEY_LEN];
    secretbox_test_key(key);
    const char *secret = "whsec_0123456789abcdef";
    free(secretbox_round_trip(key, "7b0e8c1a-5f0e-4c7e-9d5e-0c8b9b3a2f11",
                              (const unsigned char *)secret, strlen(secret)));
    free(secretbox_round_trip(key, NULL, (const unsigned char *)secret, strlen(secret)));
    free(secretbox_round_trip(key, "row", (const unsigned char *)"", 0));
    /* Binary, NUL bytes included, and a size that crosses several cipher blocks. */
    unsigned char bin[1000];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (unsigned char)(i * 7);
    for (size_t len = 1; len <= sizeof bin; len = len * 3 + 1)
        free(secretbox_round_trip(key, "row", bin, len));
}
END_TEST

START_TEST(secretbox_nonce_is_fresh_every_time)
{
    unsigned char key[SECRETBOX_KEY_LEN];
    secretbox_test_key(key);
    const unsigned char plain[] = "same text";
    char *a = secretbox_round_trip(key, "row", plain, sizeof plain - 1);
    char *b = secretbox_round_trip(key, "row", plain, sizeof plain - 1);
    ck_assert_str_ne(a, b);
    /* Not even the nonce (the first 16 base64 characters hold its 12 bytes) repeats. */
    ck_assert_int_ne(strncmp(a, b, 16), 0);
    free(a);
    free(b);
}
END_TEST

/* 1 when box opens under key and aad. */
static int secretbox_opens(const unsigned char *key, const char *aad, const char *box)
{
    unsigned char *out = (unsigned char *)"not reset";
    size_t len = 42;
    int rc = secretbox_open(key, aad, box, &out, &len);
    if (rc == 0) {
        free(out);
        return 1;
    }
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(len, 0);
    return 0;
}

START_TEST(secretbox_wrong_key_or_row_refused)
{
    unsigned char key[SECRETBOX_KEY_LEN], other[SECRETBOX_KEY_LEN];
    secretbox_test_key(key);
    memcpy(other, key, sizeof other);
    other[SECRETBOX_KEY_LEN - 1] ^= 1;
    const unsigned char plain[] = "signing secret";
    char *box = secretbox_round_trip(key, "row-a", plain, sizeof plain - 1);
    ck_assert_int_eq(secretbox_opens(other, "row-a", box), 0);
    ck_assert_int_eq(secretbox_opens(key, "row-b", box), 0);
    ck_assert_int_eq(secretbox_opens(key, "row-a ", box), 0);
    ck_assert_int_eq(secretbox_opens(key, NULL, box), 0);
    ck_assert_int_eq(secretbox_opens(key, "row-a", box), 1);
    free(box);
    /* Without associated data, "" and NULL are the same (nothing bound); a row id is not. */
    box = secretbox_round_trip(key, NULL, plain, sizeof plain - 1);
    ck_assert_int_eq(secretbox_opens(key, "", box), 1);
    ck_assert_int_eq(secretbox_opens(key, "row-a", box), 0);
    free(box);
}
END_TEST

START_TEST(secretbox_tampered_box_refused)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char key[SECRETBOX_KEY_LEN];
    secretbox_test_key(key);
    const unsigned char plain[] = "a secret of some length";
    char *box = secretbox_round_trip(key, "row", plain, sizeof plain - 1);
    size_t n = strlen(box);
    /* Any one character changed, anywhere: nonce, ciphertext, tag or padding. */
    for (size_t i = 0; i < n; i++) {
        char *bad = strdup(box);
        if (bad[i] == '=')
            bad[i] = 'A';
        else
            bad[i] = alphabet[(strchr(alphabet, bad[i]) - alphabet + 1) % 64];
        ck_assert_msg(!secretbox_opens(key, "row", bad), "opened with character %zu changed", i);
        free(bad);
    }
    /* Cut short, or grown by a block. */
    char *cut = strndup(box, n - 4);
    ck_assert_int_eq(secretbox_opens(key, "row", cut), 0);
    free(cut);
    size_t grown_len = n + 4;
    char *grown = malloc(grown_len + 1);
    memcpy(grown, box, n);
    memcpy(grown + n, "AAAA", 5);
    ck_assert_int_eq(secretbox_opens(key, "row", grown), 0);
    free(grown);
    ck_assert_int_eq(secretbox_opens(key, "row", box), 1);
    free(box);
}
END_TEST

START_TEST(secretbox_malformed_box_refused)
{
    unsigned char key[SECRETBOX_KEY_LEN];
    secretbox_test_key(key);
    const unsigned char plain[] = "x";
    char *box = secretbox_round_trip(key, "row", plain, 1); /* 29 bytes: ends in one '=' */
    size_t n = strlen(box);
    ck_assert_int_eq(box[n - 1], '=');
    ck_assert_int_ne(box[n - 2], '=');
    ck_assert_int_eq(secretbox_opens(key, "row", NULL), 0);
    ck_assert_int_eq(secretbox_opens(key, "row", ""), 0);
    ck_assert_int_eq(secretbox_opens(key, "row", "A"), 0);
    ck_assert_int_eq(secretbox_opens(key, "row", "!!!!"), 0);
    /* Well-formed base64, but shorter than a nonce and a tag. */
    ck_assert_int_eq(secretbox_opens(key, "row", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 0);
    /* The same bytes spelled another way: padding left off, whitespace inside, stray bits in
     * the last character before the padding. */
    char *unpadded = strndup(box, n - 1);
    ck_assert_int_eq(secretbox_opens(key, "row", unpadded), 0);
    free(unpadded);
    char *spaced = malloc(n + 2);
    memcpy(spaced, box, 4);
    spaced[4] = '\n';
    memcpy(spaced + 5, box + 4, n - 4 + 1);
    ck_assert_int_eq(secretbox_opens(key, "row", spaced), 0);
    free(spaced);
    /* 29 bytes end with two bytes in the last group: its third character carries 2 bits that
     * decode to nothing. Setting one of them spells the same bytes differently. */
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *stray = strdup(box);
    int v = (int)(strchr(alphabet, stray[n - 2]) - alphabet);
    ck_assert_int_eq(v & 3, 0);
    stray[n - 2] = alphabet[v | 1];
    ck_assert_int_eq(secretbox_opens(key, "row", stray), 0);
    free(stray);
    ck_assert_int_eq(secretbox_opens(key, "row", box), 1);
    free(box);
}
END_TEST

Suite *secretbox_suite(void)
{
    Suite *s = suite_create("secretbox");
    TCase *tc = tcase_create("secretbox");
    tcase_add_test(tc, secretbox_key_parse_takes_64_hex_digits);
    tcase_add_test(tc, secretbox_key_parse_refuses_the_rest);
    tcase_add_test(tc, secretbox_round_trips);
    tcase_add_test(tc, secretbox_nonce_is_fresh_every_time);
    tcase_add_test(tc, secretbox_wrong_key_or_row_refused);
    tcase_add_test(tc, secretbox_tampered_box_refused);
    tcase_add_test(tc, secretbox_malformed_box_refused);
    suite_add_tcase(s, tc);
    return s;
}
