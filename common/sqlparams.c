/* Named statement parameters: the rewrite to PostgreSQL's numbered ones (see sqlparams.h). */
#include "sqlparams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static int sqlparams_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int sqlparams_ident_char(char c)
{
    return sqlparams_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* The output so far; ok drops to 0 when it would overflow. */
struct sqlparams_out {
    char *p;
    size_t len, cap;
    int ok;
};

static void sqlparams_put(struct sqlparams_out *o, const char *s, size_t n)
{
    if (!o->ok || o->len + n + 1 > o->cap) {
        o->ok = 0;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

/* The end of the quoted run that starts at sql[i] (a quote character q): the index just past
 * its closing quote, a doubled quote standing for one; backslash escapes one character when
 * escapes is set (E'...'). 0 when it is never closed. */
static size_t sqlparams_quoted(const char *sql, size_t i, char q, int escapes)
{
    for (i++; sql[i]; i++) {
        if (escapes && sql[i] == '\\' && sql[i + 1]) {
            i++;
        } else if (sql[i] == q) {
            if (sql[i + 1] != q)
                return i + 1;
            i++;
        }
    }
    return 0;
}

/* The end of the comment that starts at sql[i] ("--" or "/" "*", nested): the index just past
 * it, or 0 when a block comment is never closed. */
static size_t sqlparams_comment(const char *sql, size_t i)
{
    if (sql[i] == '-') {
        const char *nl = strchr(sql + i, '\n');
        return nl ? (size_t)(nl - sql) + 1 : strlen(sql);
    }
    int depth = 0;
    while (sql[i]) {
        if (sql[i] == '/' && sql[i + 1] == '*') {
            depth++;
            i += 2;
        } else if (sql[i] == '*' && sql[i + 1] == '/') {
            i += 2;
            if (--depth == 0)
                return i;
        } else {
            i++;
        }
    }
    return 0;
}

/* The index of name (len bytes) among the names found so far, or -1. */
static int sqlparams_find(const char *sql, const struct sqlparams_name *names, int n,
                          const char *name, size_t len)
{
    for (int k = 0; k < n; k++)
        if (names[k].len == len && !memcmp(sql + names[k].at, name, len))
            return k;
    return -1;
}

int sqlparams_rewrite(const char *sql, char *out, size_t outlen, struct sqlparams_name *names,
                      int room)
{
    struct sqlparams_out o = {out, 0, outlen, outlen > 0};
    if (o.ok)
        out[0] = '\0';
    int n = 0, numbered = 0;
    size_t i = 0;
    while (sql[i]) {
        char c = sql[i];
        size_t end = 0;
        if (c == '\'' || c == '"') {
            int escapes = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                          (i == 1 || !sqlparams_ident_char(sql[i - 2]));
            end = sqlparams_quoted(sql, i, c, escapes);
        } else if ((c == '-' && sql[i + 1] == '-') || (c == '/' && sql[i + 1] == '*')) {
            end = sqlparams_comment(sql, i);
        } else if (c == '$' && (i == 0 || !sqlparams_ident_char(sql[i - 1]))) {
            size_t j = i + 1;
            if (sql[j] >= '0' && sql[j] <= '9') {
                while (sql[j] >= '0' && sql[j] <= '9')
                    j++;
                numbered = 1;
                end = j;
            } else if (sql[j] == '$' || sqlparams_ident_start(sql[j])) {
                while (sqlparams_ident_start(sql[j]) || (sql[j] >= '0' && sql[j] <= '9'))
                    j++;
                if (sql[j] == '$') {
                    /* A dollar-quoted string: it ends at the same tag. */
                    size_t tag = j + 1 - i;
                    const char *close = sql + j + 1;
                    while ((close = strchr(close, '$')) != NULL && strncmp(close, sql + i, tag))
                        close++;
                    end = close ? (size_t)(close - sql) + tag : 0;
                } else {
                    int k = sqlparams_find(sql, names, n, sql + i + 1, j - i - 1);
                    if (k < 0) {
                        if (n == room)
                            return -1;
                        names[n] = (struct sqlparams_name){i + 1, j - i - 1};
                        k = n++;
                    }
                    char num[16];
                    int w = snprintf(num, sizeof num, "$%d", k + 1);
                    sqlparams_put(&o, num, (size_t)w);
                    i = j;
                    continue;
                }
            } else {
                end = j;
            }
        } else {
            /* A run of ordinary characters, up to the next one that may start something. */
            end = i + 1 + strcspn(sql + i + 1, "'\"-/$");
        }
        if (end == 0)
            return -1;
        sqlparams_put(&o, sql + i, end - i);
        i = end;
    }
    if (!o.ok || (n > 0 && numbered))
        return -1;
    return n;
}

int sqlparams_parse(const char *sql, struct sqlparams_parsed *p)
{
    size_t len = strlen(sql);
    int room = (int)(len / 2 + 1);
    struct sqlparams_name *found = xcalloc((size_t)room, sizeof *found);
    p->sql = xmalloc(3 * len + 1);
    p->nnames = sqlparams_rewrite(sql, p->sql, 3 * len + 1, found, room);
    p->names = NULL;
    if (p->nnames > 0) {
        p->names = xcalloc((size_t)p->nnames, sizeof *p->names);
        for (int k = 0; k < p->nnames; k++)
            p->names[k] = xstrndup(sql + found[k].at, found[k].len);
    } else {
        memcpy(p->sql, sql, len + 1);
    }
    free(found);
    return p->nnames;
}

void sqlparams_parsed_free(struct sqlparams_parsed *p)
{
    for (int k = 0; k < p->nnames; k++)
        free(p->names[k]);
    free(p->names);
    free(p->sql);
    p->names = NULL;
    p->sql = NULL;
    p->nnames = 0;
}
