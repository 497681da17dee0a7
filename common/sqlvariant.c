/* Statement variants by the conditions present (sqlvariant.h). */
#include "sqlvariant.h"

#include <string.h>

/* The length of the parameter name that starts at s (just after a `$`), 0 when none does. */
static size_t sqlvariant_name(const char *s)
{
    size_t n = 0;
    while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || s[n] == '_' ||
           (n > 0 && s[n] >= '0' && s[n] <= '9'))
        n++;
    return n;
}

/* 1 when every `$` of fragment starts a parameter name (NULL is well formed). */
static int sqlvariant_well_formed(const char *fragment)
{
    for (const char *s = fragment ? strchr(fragment, '$') : NULL; s; s = strchr(s + 1, '$'))
        if (sqlvariant_name(s + 1) == 0)
            return 0;
    return 1;
}

int sqlvariant_first(const char *fragment, char *name, size_t size)
{
    if (!sqlvariant_well_formed(fragment))
        return -1;
    const char *s = fragment ? strchr(fragment, '$') : NULL;
    if (!s)
        return 0;
    size_t n = sqlvariant_name(s + 1);
    if (n >= size)
        return -1;
    memcpy(name, s + 1, n);
    name[n] = '\0';
    return (int)n;
}

/* The output so far: out, its size, the bytes written; full once a piece did not fit. */
struct sqlvariant_out {
    char *p;
    size_t size, len;
    int full;
};

static void sqlvariant_put(struct sqlvariant_out *o, const char *s, size_t n)
{
    if (o->full || o->len + n >= o->size) {
        o->full = 1;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

int sqlvariant_inline(const char *fragment, const char *name, const char *digits, char *out,
                      size_t outlen)
{
    size_t nd = digits ? strlen(digits) : 0;
    size_t nn = name ? strlen(name) : 0;
    if (!fragment || !sqlvariant_well_formed(fragment) || nn == 0 || sqlvariant_name(name) != nn ||
        nd < 1 || nd > 9 || strspn(digits, "0123456789") != nd || !out || outlen == 0)
        return -1;
    struct sqlvariant_out o = {out, outlen, 0, 0};
    out[0] = '\0';
    int found = 0;
    for (const char *s = fragment; *s;) {
        const char *d = strchr(s, '$');
        if (!d) {
            sqlvariant_put(&o, s, strlen(s));
            break;
        }
        size_t len = sqlvariant_name(d + 1);
        if (len == nn && !memcmp(d + 1, name, nn)) {
            sqlvariant_put(&o, s, (size_t)(d - s));
            sqlvariant_put(&o, digits, nd);
            found++;
        } else {
            sqlvariant_put(&o, s, (size_t)(d - s) + 1 + len);
        }
        s = d + 1 + len;
    }
    return o.full || found == 0 ? -1 : found;
}

int sqlvariant_build(const char *head, const char *const *conds, size_t nconds, uint32_t present,
                     const char *tail, char *out, size_t outlen)
{
    if (nconds > SQLVARIANT_MAX_CONDS || !out || outlen == 0 || !head ||
        !sqlvariant_well_formed(head) || !sqlvariant_well_formed(tail))
        return -1;
    struct sqlvariant_out o = {out, outlen, 0, 0};
    out[0] = '\0';
    sqlvariant_put(&o, head, strlen(head));
    int first = 1;
    for (size_t i = 0; i < nconds; i++) {
        if (!(present & (UINT32_C(1) << i)))
            continue;
        if (!conds[i] || !sqlvariant_well_formed(conds[i]))
            return -1;
        sqlvariant_put(&o, first ? " WHERE (" : " AND (", first ? 8 : 6);
        first = 0;
        sqlvariant_put(&o, conds[i], strlen(conds[i]));
        sqlvariant_put(&o, ")", 1);
    }
    if (tail) {
        sqlvariant_put(&o, " ", 1);
        sqlvariant_put(&o, tail, strlen(tail));
    }
    return o.full ? -1 : (int)o.len;
}
