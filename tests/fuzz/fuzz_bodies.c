/* Body validation as every handler does it: the body parsed the way dispatch_parse_body does
 * (valid UTF-8, JSON with duplicate members refused, an object), then validate_object against
 * one of the handlers' own field tables (tables.h), on create or on patch, and the 422
 * problem built from the errors as req_check_body builds it.
 *
 * Input: "[create |patch ]<table>\n<body>", e.g. "patch school_fields\n{\"name\":null}"; a
 * table name that names none picks one by a hash of the line.
 *
 * Beyond crashes and sanitizer reports it aborts when the count returned is not the number of
 * problems added, when a problem is not {field, rule, message} with a JSON pointer, when the
 * problem document is not JSON, or when the errors outgrow the body by more than a constant
 * factor (issue 9: validation whose output grows faster than its input). */
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

    if (bad > 0) {
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
