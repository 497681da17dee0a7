#include "validate.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

/* 1 when errors holds as many problems as an answer lists. */
static int validate_full(const json_t *errors)
{
    return json_array_size(errors) >= VALIDATE_ERRORS_MAX;
}

void validate_add(json_t *errors, const char *field, const char *rule, const char *fmt, ...)
{
    if (validate_full(errors)) {
        if (json_array_size(errors) == VALIDATE_ERRORS_MAX) {
            char more[128];
            snprintf(more, sizeof more, "there are more problems: the first %d are listed",
                     VALIDATE_ERRORS_MAX);
            json_array_append_new(
                errors, json_pack("{s:s, s:s}", "rule", "too_many_errors", "message", more));
        }
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *e = json_object();
    if (field)
        json_object_set_new(e, "field", json_string(field));
    if (rule)
        json_object_set_new(e, "rule", json_string(rule));
    json_object_set_new(e, "message", json_string(msg));
    json_array_append_new(errors, e);
}

const struct vcheck *validate_check_constraint(const char *name)
{
    /* The training session's rules, named in sql/0006 so that each is reported as itself. */
    static const struct vcheck checks[] = {
        {"training_sessions_dates_check", "/ends_at", "dates_reversed", "must be after starts_at"},
        {"training_sessions_seats_check", "/capacity", "capacity_below_booked",
         "cannot be lower than the places already taken"},
        {"training_sessions_capacity_check", "/capacity", "range", "must be at least 1"},
        {"training_sessions_course_check", "/course", "enum", "is not a course"},
        {"unavailability_check", "/to_on", "dates_reversed", "must be on or after from_on"},
    };
    for (size_t i = 0; name && i < sizeof checks / sizeof checks[0]; i++)
        if (!strcmp(checks[i].constraint, name))
            return &checks[i];
    return NULL;
}

int validate_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        size_t n;
        unsigned cp;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if ((size_t)(end - p) <= n)
            return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        /* Overlong forms, surrogates and code points past U+10FFFF are not UTF-8. */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return 0;
        p += n + 1;
    }
    return 1;
}

size_t validate_utf8_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

static int validate_hex(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int validate_uuid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    return validate_hex(s, 8) && s[8] == '-' && validate_hex(s + 9, 4) && s[13] == '-' &&
           validate_hex(s + 14, 4) && s[18] == '-' && validate_hex(s + 19, 4) && s[23] == '-' &&
           validate_hex(s + 24, 12);
}

static int validate_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int validate_ymd(const char *s)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (!validate_digits(s, 4, &y) || s[4] != '-' || !validate_digits(s + 5, 2, &m) ||
        s[7] != '-' || !validate_digits(s + 8, 2, &d))
        return 0;
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = mdays[m - 1] + (m == 2 && leap);
    return d <= max;
}

int validate_date(const char *s)
{
    return s && strlen(s) == 10 && validate_ymd(s);
}

int validate_timestamp(const char *s)
{
    /* YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), and only what PostgreSQL's timestamptz input
     * takes too (its error would answer 500): offsets up to 15:59, at most 9 fraction digits
     * (it refuses inputs past 128 characters), and a leap second (60) without a fraction (60.9…
     * rounds to 61). */
    if (!s || strlen(s) < 20 || !validate_ymd(s) || (s[10] != 'T' && s[10] != 't'))
        return 0;
    int hh, mm, ss;
    if (!validate_digits(s + 11, 2, &hh) || s[13] != ':' || !validate_digits(s + 14, 2, &mm) ||
        s[16] != ':' || !validate_digits(s + 17, 2, &ss) || hh > 23 || mm > 59 || ss > 60)
        return 0;
    const char *p = s + 19;
    if (*p == '.') {
        const char *frac = ++p;
        while (isdigit((unsigned char)*p))
            p++;
        size_t digits = (size_t)(p - frac);
        if (digits == 0 || digits > 9 || (ss == 60 && strspn(frac, "0") < digits))
            return 0;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        return 1;
    /* RFC 3339 allows offsets to 23:59, PostgreSQL only to 15:59 (it answers SQLSTATE 22009):
     * no place on Earth is further than 14 hours from UTC, so refuse the rest here. */
    int oh, om;
    return (*p == '+' || *p == '-') && strlen(p) == 6 && validate_digits(p + 1, 2, &oh) &&
           p[3] == ':' && validate_digits(p + 4, 2, &om) && oh <= 15 && om <= 59;
}

int validate_email(const char *s)
{
    size_t len = strlen(s);
    const char *at = strchr(s, '@');
    if (len < 3 || len > 254 || !at || at == s || strchr(at + 1, '@'))
        return 0;
    const char *domain = at + 1;
    if (!*domain || !strchr(domain, '.') || domain[0] == '.' || s[len - 1] == '.')
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == '<' || *p == '>' || *p == ',' || *p == ';' || *p == '"' ||
            *p == '\\' || *p == '(' || *p == ')' || *p == '[' || *p == ']' || *p == 0x7F)
            return 0;
    return 1;
}

int validate_urn(const char *s)
{
    size_t n = strlen(s);
    if (n < 6 || n > 7)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int validate_url(const char *s)
{
    const char *rest;
    if (!strncmp(s, "https://", 8))
        rest = s + 8;
    else if (!strncmp(s, "http://", 7))
        rest = s + 7;
    else
        return 0;
    if (!*rest || *rest == '/' || strlen(s) > 2000)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p >= 0x7F)
            return 0;
    return 1;
}

int validate_enum(const char *s, const char *const *values)
{
    for (; values && *values; values++)
        if (!strcmp(s, *values))
            return 1;
    return 0;
}

int validate_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && !(p == s && *p == '-'))
            return 0;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

static void validate_enum_list(char *out, size_t n, const char *const *values)
{
    out[0] = '\0';
    for (const char *const *v = values; v && *v; v++) {
        size_t used = strlen(out);
        snprintf(out + used, n - used, "%s%s", v == values ? "" : ", ", *v);
    }
}

static const char *validate_type_name(enum vtype t)
{
    switch (t) {
    case V_BOOL:
        return "a boolean";
    case V_INT:
        return "an integer";
    case V_BOOL_MAP:
        return "an object";
    case V_UUID_LIST:
        return "an array";
    default:
        return "a string";
    }
}

/* One item of a UUID list, for finding repeats by sorting. */
struct validate_item {
    const char *s;
    size_t i;
};

static int validate_item_cmp(const void *a, const void *b)
{
    const struct validate_item *x = a, *y = b;
    int c = strcasecmp(x->s, y->s);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* An array of distinct UUID strings; each bad item is reported at its own pointer (ptr/N), in
 * order. Repeats are found by sorting (n log n), never by comparing every pair. */
static int validate_uuid_list(const struct vfield *f, const json_t *v, const char *ptr,
                              json_t *errors)
{
    if (!json_is_array(v)) {
        validate_add(errors, ptr, "type", "must be an array");
        return 1;
    }
    size_t max = f->max_len ? (size_t)f->max_len : VALIDATE_LIST_MAX;
    size_t n = json_array_size(v);
    if (n > max) {
        validate_add(errors, ptr, "max_items", "must have at most %zu items", max);
        return 1;
    }
    if (n == 0)
        return 0;
    struct validate_item *items = xcalloc(n, sizeof *items);
    size_t *first = xcalloc(n, sizeof *first); /* the earlier item i repeats, else i itself */
    size_t valid = 0;
    for (size_t i = 0; i < n; i++) {
        first[i] = i;
        const char *s = json_string_value(json_array_get(v, i));
        if (s && validate_uuid(s))
            items[valid++] = (struct validate_item){s, i};
    }
    qsort(items, valid, sizeof *items, validate_item_cmp);
    for (size_t k = 1; k < valid; k++)
        if (!strcasecmp(items[k].s, items[k - 1].s))
            first[items[k].i] = first[items[k - 1].i];
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char sub[256];
        snprintf(sub, sizeof sub, "%s/%zu", ptr, i);
        const char *s = json_string_value(json_array_get(v, i));
        if (!s || !validate_uuid(s)) {
            validate_add(errors, sub, "format", "must be a UUID");
            bad++;
        } else if (first[i] != i) {
            validate_add(errors, sub, "duplicate", "repeats item %zu", first[i]);
            bad++;
        }
    }
    free(first);
    free(items);
    return bad;
}

int validate_value(const struct vfield *f, const json_t *v, const char *ptr,
                   const struct validate_ctx *ctx, json_t *errors)
{
    if (f->type == V_BOOL) {
        if (!json_is_boolean(v)) {
            validate_add(errors, ptr, "type", "must be a boolean");
            return 1;
        }
        return 0;
    }
    if (f->type == V_INT) {
        if (!json_is_integer(v)) {
            validate_add(errors, ptr, "type", "must be an integer");
            return 1;
        }
        json_int_t n = json_integer_value(v);
        if (n < f->min || n > f->max) {
            validate_add(errors, ptr, "range", "must be between %ld and %ld", f->min, f->max);
            return 1;
        }
        return 0;
    }
    if (f->type == V_BOOL_MAP) {
        if (!json_is_object(v)) {
            validate_add(errors, ptr, "type", "must be an object");
            return 1;
        }
        int bad = 0;
        const char *k;
        json_t *item;
        json_object_foreach((json_t *)v, k, item)
        {
            char sub[256];
            snprintf(sub, sizeof sub, "%s/%s", ptr, k);
            if (!validate_enum(k, f->enums)) {
                char list[512];
                validate_enum_list(list, sizeof list, f->enums);
                validate_add(errors, sub, "unknown_field", "is not one of: %s", list);
                bad++;
            } else if (!json_is_boolean(item)) {
                validate_add(errors, sub, "type", "must be a boolean");
                bad++;
            }
        }
        return bad;
    }
    if (f->type == V_UUID_LIST)
        return validate_uuid_list(f, v, ptr, errors);
    if (!json_is_string(v)) {
        validate_add(errors, ptr, "type", "must be %s", validate_type_name(f->type));
        return 1;
    }
    const char *s = json_string_value(v);
    size_t chars = validate_utf8_chars(s);
    switch (f->type) {
    case V_NAME:
    case V_TEXT: {
        size_t max = f->max_len ? (size_t)f->max_len
                                : (f->type == V_NAME ? VALIDATE_NAME_MAX : VALIDATE_TEXT_MAX);
        if (f->type == V_NAME && strspn(s, " \t\r\n") == strlen(s)) {
            validate_add(errors, ptr, "required", "must not be empty");
            return 1;
        }
        if (chars > max) {
            validate_add(errors, ptr, "max_length", "must be at most %zu characters", max);
            return 1;
        }
        return 0;
    }
    case V_EMAIL:
        if (!validate_email(s)) {
            validate_add(errors, ptr, "format", "must be an email address");
            return 1;
        }
        return 0;
    case V_URN:
        if (!validate_urn(s)) {
            validate_add(errors, ptr, "format", "must be a URN of 6 or 7 digits");
            return 1;
        }
        return 0;
    case V_UUID:
        if (!validate_uuid(s)) {
            validate_add(errors, ptr, "format", "must be a UUID");
            return 1;
        }
        return 0;
    case V_DATE:
        if (!validate_date(s)) {
            validate_add(errors, ptr, "format", "must be a date YYYY-MM-DD");
            return 1;
        }
        return 0;
    case V_TIMESTAMP:
        if (!validate_timestamp(s)) {
            validate_add(errors, ptr, "format", "must be an RFC 3339 timestamp");
            return 1;
        }
        return 0;
    case V_ENUM:
        if (!validate_enum(s, f->enums)) {
            char list[512];
            validate_enum_list(list, sizeof list, f->enums);
            validate_add(errors, ptr, "enum", "must be one of: %s", list);
            return 1;
        }
        return 0;
    case V_TIMEZONE:
        if (chars > 64 || !*s || (ctx && ctx->timezone_known && !ctx->timezone_known(s))) {
            validate_add(errors, ptr, "format", "must be an IANA time zone such as Europe/London");
            return 1;
        }
        return 0;
    case V_URL:
        if (!validate_url(s)) {
            validate_add(errors, ptr, "format", "must be an http or https URL");
            return 1;
        }
        return 0;
    default:
        return 0;
    }
}

static const struct vfield *validate_find(const struct vfield *fields, const char *name)
{
    for (const struct vfield *f = fields; f->name; f++)
        if (!strcmp(f->name, name))
            return f;
    return NULL;
}

int validate_object(const struct vfield *fields, const json_t *body, enum vmode mode,
                    const struct validate_ctx *ctx, json_t *errors)
{
    int bad = 0;
    if (!json_is_object(body)) {
        validate_add(errors, "", "type", "the body must be a JSON object");
        return 1;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)body, key, v)
    {
        char ptr[256];
        snprintf(ptr, sizeof ptr, "/%s", key);
        const struct vfield *f = validate_find(fields, key);
        if (!f) {
            validate_add(errors, ptr, "unknown_field", "is not a field of this resource");
            bad++;
            continue;
        }
        if (f->flags & V_READONLY) {
            validate_add(errors, ptr, "read_only", "is read-only");
            bad++;
            continue;
        }
        if (json_is_null(v)) {
            if (f->flags & (V_REQUIRED | V_NOT_NULL)) {
                validate_add(errors, ptr, "required", "always has a value and cannot be null");
                bad++;
            }
            continue;
        }
        bad += validate_value(f, v, ptr, ctx, errors);
    }
    if (mode == VALIDATE_CREATE) {
        for (const struct vfield *f = fields; f->name; f++) {
            if ((f->flags & V_REQUIRED) && !(f->flags & V_READONLY) &&
                !json_object_get(body, f->name)) {
                char ptr[256];
                snprintf(ptr, sizeof ptr, "/%s", f->name);
                validate_add(errors, ptr, "required", "is required");
                bad++;
            }
        }
    }
    return bad;
}
