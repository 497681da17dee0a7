/* Statement variants by the conditions present (sqlvariant.h). */
#include "sqlvariant.h"

#include <stdio.h>
#include <string.h>

/* Reads the number after a `$` at s[0]; returns it (1..99) and its digit count in *len, or -1. */
static int sqlvariant_number(const char *s, int *len)
{
    int n = 0, i = 1;
    while (s[i] >= '0' && s[i] <= '9') {
        if (n < 1000)
            n = n * 10 + (s[i] - '0');
        i++;
    }
    *len = i;
    return i == 1 || n < 1 || n > 99 ? -1 : n;
}

int sqlvariant_params(const char *fragment)
{
    if (!fragment)
        return 0;
    unsigned char used[100] = {0};
    int max = 0;
    for (const char *s = fragment; *s; s++) {
        if (*s != '$')
            continue;
        int len, n = sqlvariant_number(s, &len);
        if (n < 0)
            return -1;
        used[n] = 1;
        if (n > max)
            max = n;
        s += len - 1;
    }
    for (int i = 1; i <= max; i++)
        if (!used[i])
            return -1;
    return max;
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

/* Appends fragment with its local parameters moved past base; returns its count or -1. */
static int sqlvariant_append(struct sqlvariant_out *o, const char *fragment, int base)
{
    int k = sqlvariant_params(fragment);
    if (k <= 0) {
        if (k == 0 && fragment)
            sqlvariant_put(o, fragment, strlen(fragment));
        return k;
    }
    for (const char *s = fragment; *s;) {
        const char *d = strchr(s, '$');
        if (!d) {
            sqlvariant_put(o, s, strlen(s));
            break;
        }
        sqlvariant_put(o, s, (size_t)(d - s));
        int len, n = sqlvariant_number(d, &len);
        char num[8];
        int w = snprintf(num, sizeof num, "$%d", base + n);
        sqlvariant_put(o, num, (size_t)w);
        s = d + len;
    }
    return k;
}

int sqlvariant_inline(const char *fragment, int k, const char *digits, char *out, size_t outlen)
{
    int n = sqlvariant_params(fragment);
    size_t nd = digits ? strlen(digits) : 0;
    if (n < 1 || k < 1 || k > n || nd < 1 || nd > 9 || strspn(digits, "0123456789") != nd || !out ||
        outlen == 0)
        return -1;
    struct sqlvariant_out o = {out, outlen, 0, 0};
    out[0] = '\0';
    for (const char *s = fragment; *s;) {
        const char *d = strchr(s, '$');
        if (!d) {
            sqlvariant_put(&o, s, strlen(s));
            break;
        }
        sqlvariant_put(&o, s, (size_t)(d - s));
        int len, j = sqlvariant_number(d, &len);
        if (j == k) {
            sqlvariant_put(&o, digits, nd);
        } else {
            char num[8];
            int w = snprintf(num, sizeof num, "$%d", j > k ? j - 1 : j);
            sqlvariant_put(&o, num, (size_t)w);
        }
        s = d + len;
    }
    return o.full ? -1 : n - 1;
}

int sqlvariant_build(const char *head, const char *const *conds, size_t nconds, uint32_t present,
                     const char *tail, char *out, size_t outlen)
{
    if (nconds > SQLVARIANT_MAX_CONDS || !out || outlen == 0)
        return -1;
    struct sqlvariant_out o = {out, outlen, 0, 0};
    out[0] = '\0';
    int total = sqlvariant_append(&o, head, 0);
    if (total < 0)
        return -1;
    int first = 1;
    for (size_t i = 0; i < nconds; i++) {
        if (!(present & (UINT32_C(1) << i)))
            continue;
        sqlvariant_put(&o, first ? " WHERE (" : " AND (", first ? 8 : 6);
        first = 0;
        int k = sqlvariant_append(&o, conds[i], total);
        if (k < 0 || !conds[i])
            return -1;
        total += k;
        sqlvariant_put(&o, ")", 1);
    }
    if (tail) {
        sqlvariant_put(&o, " ", 1);
        int k = sqlvariant_append(&o, tail, total);
        if (k < 0)
            return -1;
        total += k;
    }
    return o.full ? -1 : total;
}
