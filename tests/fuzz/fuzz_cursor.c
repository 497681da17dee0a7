/* Keyset cursors (common/cursor.c): any text through cursor_decode, and what decodes encoded
 * again; and any (micros, id) pair through cursor_encode and back.
 *
 * Input: the cursor text. Its first 8 bytes also make the micros of the encode round trip and
 * the next 16 the id's hex digits.
 *
 * Beyond crashes and sanitizer reports it aborts when a decoded cursor has negative micros or
 * an id that is no UUID, when encoding it and decoding again gives another cursor, when an
 * encoded cursor is longer than CURSOR_MAX - 1 or not URL-safe, or when a cursor this module
 * wrote does not decode to what was encoded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "validate.h"

static void fuzz_check_text(const char *text)
{
    size_t n = strlen(text);
    if (n == 0 || n >= CURSOR_MAX)
        abort();
    for (size_t i = 0; i < n; i++) {
        char ch = text[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            abort();
    }
}

static void fuzz_round_trip(const struct cursor *c)
{
    char text[CURSOR_MAX];
    cursor_encode(c, text);
    fuzz_check_text(text);
    struct cursor back;
    if (cursor_decode(text, &back) != 0 || back.micros != c->micros || strcmp(back.id, c->id))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct cursor c;
    if (cursor_decode(text, &c) == 0) {
        if (c.micros < 0 || !validate_uuid(c.id))
            abort();
        fuzz_round_trip(&c);
    }
    free(text);

    /* A cursor the service itself writes: micros from 1970 to the end of 9999 (created_at) and
     * a UUID. */
    if (size >= 24) {
        uint64_t u;
        memcpy(&u, data, sizeof u);
        c.micros = (int64_t)((u >> 1) % (uint64_t)(CURSOR_MICROS_MAX + 1));
        static const char hex[] = "0123456789abcdef";
        for (int i = 0, j = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                c.id[i] = '-';
                continue;
            }
            uint8_t b = data[8 + j / 2];
            c.id[i] = hex[j % 2 ? b & 15 : b >> 4];
            j++;
        }
        c.id[36] = '\0';
        fuzz_round_trip(&c);
    }
    return 0;
}
