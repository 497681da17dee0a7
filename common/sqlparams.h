/* Named statement parameters: a statement may write `$name` where PostgreSQL wants `$1`, so that
 * a call passes its values by name and a statement's parameters can be reordered, added or
 * reused without touching the order of anything else. sqlparams_rewrite turns the text into
 * what PostgreSQL prepares (`$1..$n`, numbered in the order the names first occur) and lists the
 * names in that order; db.c matches a call's values against that list. Pure: no I/O, no
 * allocation but the caller's buffers.
 *
 * A name is a letter or `_` followed by letters, digits and `_`. A `$` inside a string literal,
 * a quoted identifier, a comment, an identifier (`a$b`) or a dollar-quoted string (`$tag$...$tag$`)
 * is not a parameter. A statement uses names or numbers, never both. */
#ifndef SPP_SQLPARAMS_H
#define SPP_SQLPARAMS_H

#include <stddef.h>

/* Where a parameter's name is in the statement's text (after the `$`). */
struct sqlparams_name {
    size_t at, len;
};

/* Writes sql to out (outlen bytes; 3 * strlen(sql) + 1 is always enough) with every `$name`
 * replaced by `$k`, k being the name's position among the distinct names in order of first
 * occurrence; fills names[0..k-1] (room entries; strlen(sql) / 2 + 1 is always enough).
 * Returns the number of distinct names: 0 when the statement has none (out is then sql as it
 * is, numbered parameters included). Returns -1 when the statement mixes names and numbers,
 * leaves a string, identifier, comment or dollar quote open, or out or names is too small. */
int sqlparams_rewrite(const char *sql, char *out, size_t outlen, struct sqlparams_name *names,
                      int room);

#endif
