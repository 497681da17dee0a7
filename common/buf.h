/* A growable byte buffer, always NUL-terminated. */
#ifndef SPP_BUF_H
#define SPP_BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);
void buf_cleanup(struct buf *b);
/* Makes room for extra more bytes (and the NUL) at once, so that writers that know their size
 * (a list page) grow the buffer once instead of once per doubling. */
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void buf_json_string(struct buf *b, const char *s);
/* The room buf_json_escape may take for n bytes: every byte as \u00xx. */
#define BUF_JSON_ESCAPED_MAX(n) ((n)*6)
/* Writes the n bytes of s at out escaped as in a JSON string (no quotes), the escapes
 * PostgreSQL's escape_json writes; out has room for BUF_JSON_ESCAPED_MAX(n). Returns the end of
 * what it wrote. */
char *buf_json_escape(char *out, const char *s, size_t n);
/* Hands the data over to the caller (who frees it) and leaves the buffer empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
