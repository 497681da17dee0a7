#include "cursor.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

void cursor_encode(const struct cursor *c, char *out)
{
    char plain[80];
    int n = snprintf(plain, sizeof plain, "v1.%" PRId64 ".%s", c->micros, c->id);
    unsigned char b64[CURSOR_MAX + 4];
    int m = EVP_EncodeBlock(b64, (const unsigned char *)plain, n);
    int j = 0;
    for (int i = 0; i < m && j < CURSOR_MAX - 1; i++) {
        char ch = (char)b64[i];
        if (ch == '=')
            break;
        out[j++] = ch == '+' ? '-' : ch == '/' ? '_' : ch;
    }
    out[j] = '\0';
}

int cursor_decode(const char *text, struct cursor *c)
{
    size_t n = strlen(text);
    if (n == 0 || n >= CURSOR_MAX)
        return -1;
    unsigned char b64[CURSOR_MAX + 4];
    size_t i;
    for (i = 0; i < n; i++) {
        char ch = text[i];
        if (ch == '-')
            ch = '+';
        else if (ch == '_')
            ch = '/';
        else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                   (ch >= '0' && ch <= '9')))
            return -1;
        b64[i] = (unsigned char)ch;
    }
    if (n % 4 == 1)
        return -1;
    while (i % 4)
        b64[i++] = '=';
    unsigned char plain[CURSOR_MAX];
    int m = EVP_DecodeBlock(plain, b64, (int)i);
    if (m < 0)
        return -1;
    /* EVP_DecodeBlock counts the padding as zero bytes: drop them. */
    int pad = (int)(i - n);
    m -= pad;
    if (m <= 0 || m >= (int)sizeof plain)
        return -1;
    plain[m] = '\0';
    const char *s = (const char *)plain;
    if (strlen(s) != (size_t)m || strncmp(s, "v1.", 3) != 0)
        return -1;
    const char *dot = strchr(s + 3, '.');
    if (!dot || dot == s + 3 || dot - (s + 3) > 19)
        return -1;
    char num[24];
    memcpy(num, s + 3, (size_t)(dot - (s + 3)));
    num[dot - (s + 3)] = '\0';
    long v;
    if (!validate_long(num, 0, CURSOR_MICROS_MAX, &v))
        return -1;
    if (!validate_uuid(dot + 1))
        return -1;
    c->micros = v;
    memcpy(c->id, dot + 1, 37);
    return 0;
}
