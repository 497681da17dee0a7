/* Bearer tokens: generated from OpenSSL's random source and stored only as SHA-256. */
#ifndef SPP_TOKEN_H
#define SPP_TOKEN_H

#include <stddef.h>

#define TOKEN_LEN        48 /* "spp_" + 44 URL-safe characters (256 bits) */
#define TOKEN_PREFIX_LEN 12 /* "spp_" + the first 8 characters: shown in listings */
#define TOKEN_HASH_HEX   65

/* Writes a fresh token (TOKEN_LEN + 1 bytes) and its display prefix (TOKEN_PREFIX_LEN + 1).
 * Returns 0, or -1 when the random source fails. */
int token_generate(char *token, char *prefix);
/* Writes the lowercase hex SHA-256 of s (TOKEN_HASH_HEX bytes). */
void token_hash(const char *s, size_t len, char *hex);
/* Writes n random bytes from OpenSSL's source as 2n lowercase hex characters and a NUL (out has
 * room for 2n + 1). Returns 0, or -1 when the random source fails. */
int token_generate_hex(char *out, size_t n);
/* The value of one hex digit (either case), or -1 when c is not one. */
int token_hex_digit(char c);
/* 1 when s is exactly len lowercase hex characters (a secret token_generate_hex wrote). */
int token_is_hex(const char *s, size_t len);
/* Compares two equally long strings in constant time; returns 1 when equal. */
int token_equal(const char *a, const char *b, size_t len);

#endif
