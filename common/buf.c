#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_cleanup(struct buf *b)
{
    free(b->data);
    buf_init(b);
}

void buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    buf_append(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    /* Formats straight into the spare room (at least 64 bytes), and once more into exactly
     * enough when the text did not fit. */
    buf_reserve(b, 64);
    size_t room = b->cap - b->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= room) {
        buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* 1 when none of the 8 bytes of x needs an escape: no control character, quote or backslash.
 * Each test is the classic "has a byte less than" on the whole word, exact about whether such a
 * byte exists. */
static int buf_json_plain8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    uint64_t found =
        ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash);
    return (found & highs) == 0;
}

char *buf_json_escape(char *o, const char *s, size_t n)
{
    /* The escapes are PostgreSQL's (escape_json) and jansson's: the two-character ones for the
     * six that have one, \u00xx for the other control characters, everything else as it is.
     * Runs of plain bytes (nearly all of a record's text) are found 8 bytes at a time and
     * copied with one memcpy. */
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        const unsigned char *run = p;
        while (p < end) {
            uint64_t x;
            if (end - p >= 8 && (memcpy(&x, p, 8), buf_json_plain8(x))) {
                p += 8; /* a word at a time through plain text */
                continue;
            }
            if (*p < 0x20 || *p == '"' || *p == '\\')
                break;
            p++;
        }
        memcpy(o, run, (size_t)(p - run));
        o += p - run;
        if (p == end)
            break;
        unsigned char c = *p++;
        *o++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *o++ = (char)c;
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    return o;
}

void buf_json_string(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    buf_reserve(b, BUF_JSON_ESCAPED_MAX(n) + 2);
    char *o = b->data + b->len;
    *o++ = '"';
    o = buf_json_escape(o, s, n);
    *o++ = '"';
    *o = '\0';
    b->len = (size_t)(o - b->data);
}

char *buf_steal(struct buf *b, size_t *len)
{
    if (!b->data)
        buf_append(b, "", 0);
    char *d = b->data;
    if (len)
        *len = b->len;
    buf_init(b);
    return d;
}
