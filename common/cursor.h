/* Keyset pagination cursors: an opaque, URL-safe encoding of the last item's (created_at, id).
 * Pure functions. */
#ifndef SPP_CURSOR_H
#define SPP_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#define CURSOR_MAX 96
/* The latest position a row can have: 9999-12-31T23:59:59.999999Z in microseconds since the
 * epoch. A cursor past it names no row, and PostgreSQL cannot turn it into a timestamp. */
#define CURSOR_MICROS_MAX 253402300799999999LL

struct cursor {
    int64_t micros; /* created_at as microseconds since the Unix epoch */
    char id[37];    /* the item's UUID */
};

/* Writes the cursor's text into out (at least CURSOR_MAX bytes). */
void cursor_encode(const struct cursor *c, char *out);
/* Returns 0 and fills c when text is a cursor this module wrote (its position between the
 * epoch and CURSOR_MICROS_MAX), else -1. */
int cursor_decode(const char *text, struct cursor *c);

#endif
