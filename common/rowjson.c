/* Records as JSON from their columns (rowjson.h). */
#include "rowjson.h"

#include <limits.h>
#include <string.h>

/* The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
 * civil_from_days), as PostgreSQL's j2date gives it: year 0 is 1 BC. */
static void rowjson_civil(long long days, long long *y, int *m, int *d)
{
    days += 719468;
    long long era = (days >= 0 ? days : days - 146096) / 146097;
    long long doe = days - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Writes v (0..99) as two digits at p. */
static char *rowjson_2(char *p, long long v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

int rowjson_time(long long micros, char out[ROWJSON_TIME_MAX])
{
    /* Digits by hand: two of these an item, a hundred a page, where snprintf was a tenth of
     * the API's time for a list page. */
    long long secs = micros / 1000000 - (micros % 1000000 < 0);
    long long days = secs / 86400 - (secs % 86400 < 0);
    long long sod = secs - days * 86400;
    long long y;
    int m, d;
    rowjson_civil(days, &y, &m, &d);
    /* to_char's YYYY: a year BC by its number (year 0 is 1 BC), at least four digits. */
    if (y <= 0)
        y = 1 - y;
    char digits[24], *p = out;
    int n = 0;
    do {
        digits[n++] = (char)('0' + y % 10);
        y /= 10;
    } while (y > 0);
    while (n < 4)
        digits[n++] = '0';
    while (n > 0)
        *p++ = digits[--n];
    *p++ = '-';
    p = rowjson_2(p, m);
    *p++ = '-';
    p = rowjson_2(p, d);
    *p++ = 'T';
    p = rowjson_2(p, sod / 3600);
    *p++ = ':';
    p = rowjson_2(p, sod / 60 % 60);
    *p++ = ':';
    p = rowjson_2(p, sod % 60);
    *p++ = 'Z';
    *p = '\0';
    return (int)(p - out);
}

/* Reads the decimal text v of n bytes (an optional '-', then digits) into *out. Returns 0, or
 * -1 when it is not one or does not fit. */
static int rowjson_integer(const char *v, size_t n, long long *out)
{
    size_t i = v[0] == '-';
    if (n == i || n - i > 19)
        return -1; /* 19 digits fit unsigned; LLONG_MAX is checked below */
    unsigned long long x = 0;
    for (; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (unsigned long long)(v[i] - '0');
    }
    if (x > (unsigned long long)LLONG_MAX)
        return -1;
    *out = v[0] == '-' ? -(long long)x : (long long)x;
    return 0;
}

int rowjson_object(struct buf *b, const struct rowjson_field *fields, const char *const *values,
                   const size_t *lens)
{
    /* The most the object can take is known from the lengths: room is made once and the
     * bytes are written in place (a list page is 50 of these). */
    size_t room = 2, names[ROWJSON_FIELDS_MAX];
    for (size_t i = 0; fields[i].name; i++) {
        if (i == ROWJSON_FIELDS_MAX)
            return -1;
        size_t n = values[i] ? lens[i] : 0;
        names[i] = strlen(fields[i].name);
        room += names[i] + 4 + 6; /* ,"name": and null/false */
        if (values[i])
            room += fields[i].kind == ROWJSON_STRING ? BUF_JSON_ESCAPED_MAX(n) + 2
                    : fields[i].kind == ROWJSON_TIME ? ROWJSON_TIME_MAX + 2
                                                     : n;
    }
    buf_reserve(b, room);
    char *o = b->data + b->len;
    *o++ = '{';
    for (size_t i = 0; fields[i].name; i++) {
        const char *v = values[i];
        size_t n = v ? lens[i] : 0, name = names[i];
        if (i)
            *o++ = ',';
        *o++ = '"';
        memcpy(o, fields[i].name, name);
        o += name;
        *o++ = '"';
        *o++ = ':';
        if (!v) {
            memcpy(o, "null", 4);
            o += 4;
            continue;
        }
        switch (fields[i].kind) {
        case ROWJSON_STRING:
            *o++ = '"';
            o = buf_json_escape(o, v, n);
            *o++ = '"';
            break;
        case ROWJSON_RAW:
            if (n == 0)
                goto fail;
            memcpy(o, v, n);
            o += n;
            break;
        case ROWJSON_BOOL:
            if (n != 1 || (*v != 't' && *v != 'f'))
                goto fail;
            memcpy(o, *v == 't' ? "true" : "false", *v == 't' ? 4 : 5);
            o += *v == 't' ? 4 : 5;
            break;
        case ROWJSON_TIME: {
            long long micros;
            if (rowjson_integer(v, n, &micros) != 0)
                goto fail;
            *o++ = '"';
            o += rowjson_time(micros, o);
            *o++ = '"';
            break;
        }
        }
    }
    *o++ = '}';
    *o = '\0';
    b->len = (size_t)(o - b->data);
    return 0;
fail:
    b->data[b->len] = '\0'; /* what was written past the end is not part of b */
    return -1;
}
