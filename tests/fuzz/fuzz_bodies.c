/* Body validation as every handler does it: the body parsed the way dispatch_parse_body does
 * (valid UTF-8, JSON with duplicate members refused, an object), then validate_object against
 * one of the handlers' own field tables (tables.h), on create or on patch, and the 422
 * problem built from the errors as req_check_body builds it.
 *
 * Input: "[create |patch ]<table>\n<body>", e.g. "patch school_fields\n{\"name\":null}"; a
 * table name that names none picks one by a hash of the line.
 *
 * Beyond crashes and sanitizer reports it aborts when a body accepted breaks its table (an
 * unknown, read-only or missing field, a value of another type or out of bounds), when the
 * count returned is not the number of problems added, when a problem is not {field, rule,
 * message} with a JSON pointer, when the problem document is not JSON, or when the errors
 * outgrow the body by more than a constant factor (issue 9: validation whose output grows
 * faster than its input). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tables.h"
#include "req.h"
#include "validate.h"

static int fuzz_starts(const uint8_t **data, size_t *size, const char *word)
{
    size_t n = strlen(word);
    if (*size < n || memcmp(*data, word, n) != 0)
        return 0;
    *data += n;
    *size -= n;
    return 1;
}

static void fuzz_check_problem(const json_t *e)
{
    if (!json_is_object(e) || json_object_size(e) > 3)
        abort();
    const json_t *field = json_object_get(e, "field");
    const json_t *rule = json_object_get(e, "rule");
    const json_t *msg = json_object_get(e, "message");
    if (!json_is_string(msg) || !json_is_string(rule) || !json_is_string(field))
        abort();
    const char *f = json_string_value(field);
    if (f[0] != '\0' && f[0] != '/')
        abort();
}

/* What a body validate_object accepted must be: only writable fields of the table, none null
 * that may not be, each value of its type and within its bounds, and on create every required
 * field present. Aborts otherwise. */
static void fuzz_check_accepted(const struct vfield *fields, const json_t *body, enum vmode mode)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)body, key, v)
    {
        const struct vfield *f = fields;
        while (f->name && strcmp(f->name, key))
            f++;
        if (!f->name || (f->flags & V_READONLY))
            abort();
        if (json_is_null(v)) {
            if (f->flags & (V_REQUIRED | V_NOT_NULL))
                abort();
            continue;
        }
        const char *str = json_string_value(v);
        switch (f->type) {
        case V_BOOL:
            if (!json_is_boolean(v))
                abort();
            break;
        case V_INT:
            if (!json_is_integer(v) || json_integer_value(v) < f->min ||
                json_integer_value(v) > f->max)
                abort();
            break;
        case V_BOOL_MAP:
            if (!json_is_object(v))
                abort();
            break;
        case V_UUID_LIST:
            if (!json_is_array(v) ||
                json_array_size(v) > (f->max_len ? (size_t)f->max_len : VALIDATE_LIST_MAX))
                abort();
            break;
        case V_NAME:
            if (!str || strspn(str, " \t\r\n") == strlen(str))
                abort();
            break;
        case V_UUID:
            if (!validate_uuid(str))
                abort();
            break;
        case V_DATE:
            if (!validate_date(str))
                abort();
            break;
        case V_ENUM:
            if (!str || !validate_enum(str, f->enums))
                abort();
            break;
        default:
            if (!str)
                abort();
        }
    }
    if (mode == VALIDATE_CREATE)
        for (const struct vfield *f = fields; f->name; f++)
            if ((f->flags & V_REQUIRED) && !(f->flags & V_READONLY) &&
                !json_object_get(body, f->name))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum vmode mode = VALIDATE_CREATE;
    if (fuzz_starts(&data, &size, "patch "))
        mode = VALIDATE_PATCH;
    else
        fuzz_starts(&data, &size, "create ");
    const struct fuzz_table *t = fuzz_tables_pick(&data, &size);
    if (!t)
        abort(); /* the wrappers found no table: the generation is broken */

    /* dispatch_parse_body: an empty body is an empty object, else UTF-8 JSON, an object. */
    json_t *body;
    if (size == 0) {
        body = json_object();
    } else {
        if (!validate_utf8((const char *)data, size))
            return 0;
        body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
        if (!body)
            return 0;
        if (!json_is_object(body)) {
            json_decref(body);
            return 0;
        }
    }

    json_t *errors = json_array();
    int bad = validate_object(t->fields, body, mode, req_validate_ctx(), errors);
    if (bad < 0 || (size_t)bad != json_array_size(errors))
        abort();
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) fuzz_check_problem(e);

    if (bad == 0) {
        fuzz_check_accepted(t->fields, body, mode);
    } else {
        /* The answer req_check_body gives, which must be JSON and in proportion to the body. */
        struct req *r = req_new();
        req_problem_errors(r, 422, "validation_failed", "The request body is not valid.", errors);
        errors = NULL;
        if (r->status != 422 || !r->resp_body)
            abort();
        json_t *back = json_loadb(r->resp_body, r->resp_len, 0, NULL);
        if (!json_is_object(back))
            abort();
        json_decref(back);
        if (r->resp_len > 4096 + 256 * size)
            abort();
        req_free(r);
    }
    json_decref(errors);
    json_decref(body);
    return 0;
}
