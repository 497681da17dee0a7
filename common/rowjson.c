/* Records as JSON from their columns (rowjson.h). */
#include "rowjson.h"

#include <errno.h>
#include <stdlib.h>
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

int rowjson_object(struct buf *b, const struct rowjson_field *fields, const char *const *values)
{
    buf_putc(b, '{');
    for (size_t i = 0; fields[i].name; i++) {
        const char *v = values[i];
        if (i)
            buf_putc(b, ',');
        buf_putc(b, '"');
        buf_puts(b, fields[i].name);
        buf_append(b, "\":", 2);
        if (!v) {
            buf_append(b, "null", 4);
            continue;
        }
        switch (fields[i].kind) {
        case ROWJSON_STRING:
            buf_json_string(b, v);
            break;
        case ROWJSON_RAW:
            if (!*v)
                return -1;
            buf_puts(b, v);
            break;
        case ROWJSON_BOOL:
            if (strcmp(v, "t") && strcmp(v, "f"))
                return -1;
            buf_puts(b, *v == 't' ? "true" : "false");
            break;
        case ROWJSON_TIME: {
            char *end;
            errno = 0;
            long long micros = strtoll(v, &end, 10);
            if (end == v || *end || errno)
                return -1;
            char text[ROWJSON_TIME_MAX];
            int n = rowjson_time(micros, text);
            buf_putc(b, '"');
            buf_append(b, text, (size_t)n);
            buf_putc(b, '"');
            break;
        }
        }
    }
    buf_putc(b, '}');
    return 0;
}
