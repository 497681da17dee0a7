/* Named statement parameters: a statement may write `$name` where PostgreSQL wants `$1`, so that
 * a call passes its values by name and a statement's parameters can be reordered, added or
 * reused without touching the order of anything else. sqlparams_rewrite turns the text into
 * what PostgreSQL prepares (`$1..$n`, numbered in the order the names first occur) and lists the
 * names in that order; db.c matches a call's values against that list. Pure: no I/O
 * (sqlparams_rewrite writes only the caller's buffers; sqlparams_parse allocates its own).
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

/* A statement's text as PostgreSQL prepares it and its names in order (what db.c keeps per
 * statement, and what a list variant reads its values by). */
struct sqlparams_parsed {
    char *sql;    /* the numbered text (sql itself, copied, when it names nothing) */
    int nnames;   /* the names' count; -1 when sqlparams_rewrite refused the text */
    char **names; /* nnames names, without their `$` */
};

/* sqlparams_rewrite into buffers of its own (xalloc: aborts when memory runs out): fills p,
 * which sqlparams_parsed_free releases. Returns p->nnames. */
int sqlparams_parse(const char *sql, struct sqlparams_parsed *p);
void sqlparams_parsed_free(struct sqlparams_parsed *p);

#endif
