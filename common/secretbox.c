#include "secretbox.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"
#include "xalloc.h"

int secretbox_key_parse(const char *hex, unsigned char key[SECRETBOX_KEY_LEN])
{
    if (!hex || strlen(hex) != 2 * SECRETBOX_KEY_LEN)
        return -1;
    for (size_t i = 0; i < SECRETBOX_KEY_LEN; i++) {
        int hi = token_hex_digit(hex[2 * i]), lo = token_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        key[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

/* Runs GCM over in (len bytes) into out, in the direction enc says; tag is written when
 * encrypting and checked when decrypting. Returns 0, or -1 on any failure (a wrong tag
 * included). */
static int secretbox_gcm(int enc, const unsigned char *key, const unsigned char *nonce,
                         const char *aad, const unsigned char *in, size_t len, unsigned char *out,
                         unsigned char *tag)
{
    int rc = -1, n = 0, tail = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx || len > (size_t)1 << 30)
        goto done;
    if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SECRETBOX_NONCE_LEN, NULL) != 1 ||
        EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)
        goto done;
    if (aad && *aad &&
        EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) != 1)
        goto done;
    n = 0;
    if (len && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
        goto done;
    if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SECRETBOX_TAG_LEN, tag) != 1)
        goto done;
    if (EVP_CipherFinal_ex(ctx, out + n, &tail) != 1)
        goto done; /* decrypting: the tag did not match */
    if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SECRETBOX_TAG_LEN, tag) != 1)
        goto done;
    rc = 0;
done:
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

int secretbox_seal(const unsigned char key[SECRETBOX_KEY_LEN], const char *aad,
                   const unsigned char *plain, size_t len, char **box)
{
    *box = NULL;
    if (len > (size_t)1 << 30)
        return -1;
    size_t raw_len = SECRETBOX_NONCE_LEN + len + SECRETBOX_TAG_LEN;
    unsigned char *raw = xmalloc(raw_len);
    int rc = -1;
    if (RAND_bytes(raw, SECRETBOX_NONCE_LEN) != 1 ||
        secretbox_gcm(1, key, raw, aad, plain, len, raw + SECRETBOX_NONCE_LEN,
                      raw + SECRETBOX_NONCE_LEN + len) != 0)
        goto done;
    *box = xmalloc(4 * ((raw_len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)*box, raw, (int)raw_len);
    rc = 0;
done:
    OPENSSL_cleanse(raw, raw_len);
    free(raw);
    return rc;
}

/* 1 when box is exactly how raw encodes: no stray bits in the last characters, no whitespace,
 * so that one box has one spelling. */
static int secretbox_canonical(const unsigned char *raw, size_t raw_len, const char *box)
{
    size_t n = 4 * ((raw_len + 2) / 3);
    char *again = xmalloc(n + 1);
    EVP_EncodeBlock((unsigned char *)again, raw, (int)raw_len);
    int same = strcmp(again, box) == 0;
    free(again);
    return same;
}

int secretbox_open(const unsigned char key[SECRETBOX_KEY_LEN], const char *aad, const char *box,
                   unsigned char **plain, size_t *len)
{
    *plain = NULL;
    *len = 0;
    size_t b64_len = box ? strlen(box) : 0;
    if (b64_len == 0 || b64_len % 4 != 0 || b64_len > (size_t)1 << 30)
        return -1;
    unsigned char *raw = xmalloc(b64_len / 4 * 3);
    unsigned char *out = NULL;
    size_t raw_len = 0, text_len = 0;
    int rc = -1;
    int n = EVP_DecodeBlock(raw, (const unsigned char *)box, (int)b64_len);
    if (n < 0)
        goto done;
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    raw_len = (size_t)n - (box[b64_len - 1] == '=') - (box[b64_len - 2] == '=');
    if (raw_len < SECRETBOX_NONCE_LEN + SECRETBOX_TAG_LEN ||
        !secretbox_canonical(raw, raw_len, box))
        goto done;
    text_len = raw_len - SECRETBOX_NONCE_LEN - SECRETBOX_TAG_LEN;
    out = xmalloc(text_len + 1);
    if (secretbox_gcm(0, key, raw, aad, raw + SECRETBOX_NONCE_LEN, text_len, out,
                      raw + SECRETBOX_NONCE_LEN + text_len) != 0)
        goto done;
    out[text_len] = '\0';
    *plain = out;
    *len = text_len;
    out = NULL;
    rc = 0;
done:
    if (out) {
        OPENSSL_cleanse(out, text_len + 1);
        free(out);
    }
    OPENSSL_cleanse(raw, b64_len / 4 * 3);
    free(raw);
    return rc;
}
