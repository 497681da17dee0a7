#include "token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

int token_generate(char *token, char *prefix)
{
    unsigned char raw[33];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    unsigned char b64[64];
    int n = EVP_EncodeBlock(b64, raw, sizeof raw); /* 33 bytes -> 44 characters, no padding */
    memcpy(token, "spp_", 4);
    for (int i = 0; i < n; i++)
        token[4 + i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
    token[4 + n] = '\0';
    memcpy(prefix, token, TOKEN_PREFIX_LEN);
    prefix[TOKEN_PREFIX_LEN] = '\0';
    return 0;
}

/* SHA-256 fetched once: EVP_sha256() makes EVP_Digest look the algorithm up in the provider
 * on every call, which costs more than hashing a token (OpenSSL 3). */
static EVP_MD *token_md;
static pthread_once_t token_md_once = PTHREAD_ONCE_INIT;

static void token_md_fetch(void)
{
    token_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *token_sha256(void)
{
    pthread_once(&token_md_once, token_md_fetch);
    return token_md ? token_md : EVP_sha256();
}

void token_hash(const char *s, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(s, len, md, &mdlen, token_sha256(), NULL);
    for (unsigned int i = 0; i < mdlen; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[2 * mdlen] = '\0';
}

int token_generate_hex(char *out, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char raw[64];
    if (n > sizeof raw || RAND_bytes(raw, (int)n) != 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[raw[i] >> 4];
        out[2 * i + 1] = digits[raw[i] & 15];
    }
    out[2 * n] = '\0';
    return 0;
}

int token_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int token_is_hex(const char *s, size_t len)
{
    size_t i = 0;
    for (; s[i] && i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return i == len && !s[i];
}

int token_equal(const char *a, const char *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}
