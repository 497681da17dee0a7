/* The JSON helpers: the merge of a PATCH body onto the stored representation and the
 * "does this patch change field" test (handlers/resource.c), the JSON string writer of the log
 * lines (buf_json_string), and the scalar checks of validate.c, each against an oracle:
 * jansson for UTF-8 and JSON strings, caldate for dates.
 *
 * Input: "<current representation>\n<patch body>"; the patch is parsed as dispatch_parse_body
 * parses bodies, and its members (keys and string values) feed the scalar checks.
 *
 * Beyond crashes and sanitizer reports it aborts when validate_utf8 and jansson disagree on
 * the same bytes, when buf_json_string's output does not read back as the same string, when a
 * merged member is not the patch's (or, untouched, the current one's), when resource_changes
 * disagrees with json_equal, when a date passes validate_date but caldate cannot read it back,
 * when a timestamp passes validate_timestamp that PostgreSQL would refuse, or when
 * validate_long stores a number outside its range. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caldate.h"
#include "resource.h"
#include "validate.h"

static void fuzz_string_round_trip(const char *s)
{
    struct buf b;
    buf_init(&b);
    buf_json_string(&b, s);
    json_t *back = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
    if (!json_is_string(back) || strcmp(json_string_value(back), s))
        abort();
    json_decref(back);
    buf_cleanup(&b);
}

/* What PostgreSQL's timestamptz input refuses of a well-formed RFC 3339 text (its error would
 * answer 500): an offset past 15:59, a leap second with a fraction (60.9... rounds to 61), and a
 * text too long for it (it stops at 128 characters; 9 fraction digits is the bound we keep). */
static int fuzz_pg_refuses_timestamp(const char *s)
{
    int sec = 0, off_h = 0;
    size_t len = strlen(s);
    const char *frac = s[19] == '.' ? s + 20 : NULL;
    size_t digits = frac ? strspn(frac, "0123456789") : 0;
    sscanf(s + 17, "%2d", &sec);
    if (s[len - 1] != 'Z' && s[len - 1] != 'z')
        sscanf(s + len - 5, "%2d", &off_h);
    return off_h > 15 || digits > 9 || (sec == 60 && frac && strspn(frac, "0") < digits);
}

static void fuzz_scalars(const char *s)
{
    fuzz_string_round_trip(s);
    if (validate_utf8_chars(s) > strlen(s))
        abort();
    struct caldate d;
    if (validate_date(s)) {
        char again[11];
        if (caldate_parse(s, &d) != 0)
            abort();
        caldate_format(d, again);
        if (strcmp(again, s))
            abort();
    } else if (caldate_parse(s, &d) == 0) {
        abort();
    }
    if (validate_uuid(s) && strlen(s) != 36)
        abort();
    long v;
    if (validate_long(s, -1000, 1000, &v) && (v < -1000 || v > 1000))
        abort();
    if (validate_timestamp(s) && fuzz_pg_refuses_timestamp(s))
        abort();
    validate_email(s);
    validate_urn(s);
    validate_url(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* UTF-8: the body check and jansson must agree on any bytes. */
    json_t *js = json_stringn((const char *)data, size);
    if (!!js != validate_utf8((const char *)data, size))
        abort();
    json_decref(js);

    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl)
        return 0;
    char *current = malloc((size_t)(nl - data) + 1);
    memcpy(current, data, (size_t)(nl - data));
    current[nl - data] = '\0';
    const char *body = (const char *)nl + 1;
    size_t blen = size - (size_t)(nl - data) - 1;
    json_t *cur = json_loads(current, 0, NULL);
    json_t *patch = NULL;
    if (cur && !json_is_object(cur))
        goto done; /* stored representations are objects */
    if (!validate_utf8(body, blen))
        goto done;
    patch = json_loadb(body, blen, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(patch))
        goto done;

    json_t *merged = resource_merge(current, patch);
    if (!json_is_object(merged))
        abort();
    const char *k;
    json_t *v;
    json_object_foreach(patch, k, v)
    {
        if (!json_equal(json_object_get(merged, k), v))
            abort();
        if (resource_changes(current, patch, k) != !json_equal(v, json_object_get(cur, k)))
            abort();
        fuzz_scalars(k);
        if (json_is_string(v))
            fuzz_scalars(json_string_value(v));
    }
    json_object_foreach(cur, k, v)
    {
        if (!json_object_get(patch, k) && !json_equal(json_object_get(merged, k), v))
            abort();
        if (resource_changes(current, patch, k) !=
            (json_object_get(patch, k) != NULL && !json_equal(json_object_get(patch, k), v)))
            abort();
    }
    if (json_object_size(merged) < json_object_size(patch))
        abort();
    json_decref(merged);
done:
    json_decref(patch);
    json_decref(cur);
    free(current);
    return 0;
}
