/* Secrets kept at rest under a server key: AES-256-GCM (OpenSSL EVP), for values the service
 * must read back (a webhook's signing secret), unlike tokens, which are only ever hashed.
 *
 * A box is the base64 (standard alphabet, padded) of nonce (12 bytes) | ciphertext | tag (16
 * bytes). The nonce is fresh from the random source for every seal. Optional associated data
 * (the id of the row that holds the box) is authenticated but not stored, so a box copied onto
 * another row does not open there. */
#ifndef SPP_SECRETBOX_H
#define SPP_SECRETBOX_H

#include <stddef.h>

#define SECRETBOX_KEY_LEN   32
#define SECRETBOX_NONCE_LEN 12
#define SECRETBOX_TAG_LEN   16

/* Parses a key written as 64 hexadecimal characters (either case). Returns 0, or -1 when hex
 * is NULL or not exactly that. */
int secretbox_key_parse(const char *hex, unsigned char key[SECRETBOX_KEY_LEN]);

/* Encrypts len bytes of plain under key, binding aad (NUL-terminated, may be NULL). Writes a
 * fresh heap string to *box, which the caller frees. Returns 0, or -1 when the random source or
 * the cipher fails (*box is then NULL). */
int secretbox_seal(const unsigned char key[SECRETBOX_KEY_LEN], const char *aad,
                   const unsigned char *plain, size_t len, char **box);

/* Decrypts box under key with the same aad it was sealed with. Writes the plaintext, NUL
 * terminated, to a fresh heap buffer *plain (the caller frees it) and its length to *len.
 * Returns 0, or -1 when the box is malformed, was altered, or the key or aad differ (*plain is
 * then NULL). */
int secretbox_open(const unsigned char key[SECRETBOX_KEY_LEN], const char *aad, const char *box,
                   unsigned char **plain, size_t *len);

#endif
