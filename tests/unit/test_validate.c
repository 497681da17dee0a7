#include <string.h>

#include "unit.h"
#include "validate.h"

START_TEST(validate_scalars)
{
    ck_assert(validate_uuid("0b6f6a5e-6f1c-4c53-9f2e-4d8a1b2c3d4e"));
    ck_assert(!validate_uuid("0b6f6a5e-6f1c-4c53-9f2e-4d8a1b2c3d4"));
    ck_assert(!validate_uuid("0b6f6a5e_6f1c-4c53-9f2e-4d8a1b2c3d4e"));
    ck_assert(validate_date("2024-02-29"));
    ck_assert(!validate_date("2023-02-29"));
    ck_assert(!validate_date("2023-13-01"));
    ck_assert(!validate_date("2023-1-01"));
    ck_assert(validate_timestamp("2026-11-22T09:00:00Z"));
    ck_assert(validate_timestamp("2026-11-22T09:00:00.123+01:00"));
    ck_assert(!validate_timestamp("2026-11-22 09:00:00"));
    ck_assert(validate_email("a.b@example.org"));
    ck_assert(!validate_email("a b@example.org"));
    ck_assert(!validate_email("nobody"));
    ck_assert(!validate_email("a@b"));
    ck_assert(validate_urn("123456") && validate_urn("1234567"));
    ck_assert(!validate_urn("12345") && !validate_urn("12345678") && !validate_urn("12a456"));
    ck_assert(validate_url("https://example.org/hook"));
    ck_assert(!validate_url("ftp://example.org"));
}
END_TEST

/* Only what PostgreSQL's timestamptz input takes: past it, the INSERT failed and answered 500
 * (a training session starting at "+16:00"). */
START_TEST(validate_timestamp_within_postgresql)
{
    ck_assert(validate_timestamp("2030-03-02T09:00:00+15:59"));
    ck_assert(validate_timestamp("2030-03-02T09:00:00-15:00"));
    ck_assert(!validate_timestamp("2030-03-02T09:00:00+16:00"));
    ck_assert(!validate_timestamp("2030-03-02T09:00:00-23:59"));
    ck_assert(validate_timestamp("2030-03-02T09:00:00.123456789Z"));
    ck_assert(!validate_timestamp("2030-03-02T09:00:00.1234567890Z"));
    ck_assert(validate_timestamp("2030-12-31T23:59:60Z"));
    ck_assert(validate_timestamp("2030-12-31T23:59:60.000Z"));
    ck_assert(!validate_timestamp("2030-12-31T23:59:60.999999999Z"));
    ck_assert(!validate_timestamp("2030-12-31T23:59:60.5Z"));
}
END_TEST

START_TEST(validate_utf8_rules)
{
    ck_assert(validate_utf8("caf\xc3\xa9", 5));
    ck_assert(!validate_utf8("caf\xc3", 4));
    ck_assert(!validate_utf8("\xc0\xaf", 2));         /* overlong */
    ck_assert(!validate_utf8("\xed\xa0\x80", 3));     /* surrogate */
    ck_assert(!validate_utf8("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    ck_assert_uint_eq(validate_utf8_chars("caf\xc3\xa9"), 4);
}
END_TEST

static const char *const colours[] = {"red", "green", NULL};
static const struct vfield fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},  {"name", V_NAME, V_REQUIRED, 0, NULL, 0, 0},
    {"colour", V_ENUM, 0, 0, colours, 0, 0},    {"when", V_DATE, 0, 0, NULL, 0, 0},
    {"count", V_INT, 0, 0, NULL, 1, 10},        {"on", V_BOOL, 0, 0, NULL, 0, 0},
    {"prefs", V_BOOL_MAP, 0, 0, colours, 0, 0}, {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static int errors_for(const char *json, enum vmode mode, json_t **out)
{
    json_t *body = json_loads(json, 0, NULL);
    ck_assert_ptr_nonnull(body);
    json_t *errors = json_array();
    int n = validate_object(fields, body, mode, NULL, errors);
    ck_assert_int_eq(n, (int)json_array_size(errors));
    json_decref(body);
    *out = errors;
    return n;
}

static int has_field(json_t *errors, const char *field, const char *rule)
{
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        if (!strcmp(json_string_value(json_object_get(e, "field")), field) &&
            !strcmp(json_string_value(json_object_get(e, "rule")), rule))
            return 1;
    }
    return 0;
}

START_TEST(validate_object_lists_every_problem)
{
    json_t *e;
    int n = errors_for("{\"id\":\"x\",\"colour\":\"blue\",\"when\":\"2023-02-30\",\"count\":11,"
                       "\"on\":1,\"prefs\":{\"red\":true,\"blue\":false,\"green\":1},\"grade\":3}",
                       VALIDATE_CREATE, &e);
    ck_assert_int_eq(n, 9);
    ck_assert(has_field(e, "/id", "read_only"));
    ck_assert(has_field(e, "/name", "required"));
    ck_assert(has_field(e, "/colour", "enum"));
    ck_assert(has_field(e, "/when", "format"));
    ck_assert(has_field(e, "/count", "range"));
    ck_assert(has_field(e, "/on", "type"));
    ck_assert(has_field(e, "/prefs/blue", "unknown_field"));
    ck_assert(has_field(e, "/prefs/green", "type"));
    ck_assert(has_field(e, "/grade", "unknown_field"));
    json_decref(e);
}
END_TEST

START_TEST(validate_patch_rules)
{
    json_t *e;
    ck_assert_int_eq(errors_for("{\"colour\":null}", VALIDATE_PATCH, &e), 0);
    json_decref(e);
    ck_assert_int_eq(errors_for("{\"name\":null}", VALIDATE_PATCH, &e), 1);
    ck_assert(has_field(e, "/name", "required"));
    json_decref(e);
    ck_assert_int_eq(errors_for("{\"name\":\"   \"}", VALIDATE_PATCH, &e), 1);
    json_decref(e);
}
END_TEST

START_TEST(validate_lengths_count_characters)
{
    char name[2 * 200 + 16] = "{\"name\":\"";
    size_t off = strlen(name);
    for (int i = 0; i < 200; i++) { /* 200 two-byte characters: allowed */
        name[off++] = '\xc3';
        name[off++] = '\xa9';
    }
    strcpy(name + off, "\"}");
    json_t *e;
    ck_assert_int_eq(errors_for(name, VALIDATE_CREATE, &e), 0);
    json_decref(e);
    char longer[256] = "{\"name\":\"";
    off = strlen(longer);
    memset(longer + off, 'a', 201);
    strcpy(longer + off + 201, "\"}");
    ck_assert_int_eq(errors_for(longer, VALIDATE_CREATE, &e), 1);
    ck_assert(has_field(e, "/name", "max_length"));
    json_decref(e);
}
END_TEST

static const struct vfield list_fields[] = {
    {"ids", V_UUID_LIST, V_NOT_NULL, 0, NULL, 0, 0},
    {"few", V_UUID_LIST, 0, 2, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static int list_errors(const char *json, json_t **out)
{
    json_t *body = json_loads(json, 0, NULL);
    ck_assert_ptr_nonnull(body);
    *out = json_array();
    int n = validate_object(list_fields, body, VALIDATE_PATCH, NULL, *out);
    ck_assert_int_eq(n, (int)json_array_size(*out));
    json_decref(body);
    return n;
}

#define U1 "0b7e6a52-3f0c-4a59-9d7e-1c2b3a4d5e6f"
#define U2 "1b7e6a52-3f0c-4a59-9d7e-1c2b3a4d5e6f"

START_TEST(validate_uuid_lists)
{
    json_t *e;
    ck_assert_int_eq(list_errors("{\"ids\":[],\"few\":[\"" U1 "\",\"" U2 "\"]}", &e), 0);
    json_decref(e);
    /* Every bad item at its own pointer: not a string, not a UUID, a repeat (any case). */
    ck_assert_int_eq(list_errors("{\"ids\":[\"" U1
                                 "\",7,\"nope\",\"0B7E6A52-3F0C-4A59-9D7E-1C2B3A4D5E6F\"]}",
                                 &e),
                     3);
    ck_assert(has_field(e, "/ids/1", "format"));
    ck_assert(has_field(e, "/ids/2", "format"));
    ck_assert(has_field(e, "/ids/3", "duplicate"));
    json_decref(e);
    ck_assert_int_eq(
        list_errors("{\"ids\":\"" U1 "\",\"few\":[\"" U1 "\",\"" U2 "\",\"" U1 "\"]}", &e), 2);
    ck_assert(has_field(e, "/ids", "type"));
    ck_assert(has_field(e, "/few", "max_items"));
    json_decref(e);
    ck_assert_int_eq(list_errors("{\"ids\":null,\"few\":null}", &e), 1);
    ck_assert(has_field(e, "/ids", "required"));
    json_decref(e);
}
END_TEST

Suite *validate_suite(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("validate");
    tcase_add_test(tc, validate_scalars);
    tcase_add_test(tc, validate_timestamp_within_postgresql);
    tcase_add_test(tc, validate_utf8_rules);
    tcase_add_test(tc, validate_object_lists_every_problem);
    tcase_add_test(tc, validate_patch_rules);
    tcase_add_test(tc, validate_lengths_count_characters);
    tcase_add_test(tc, validate_uuid_lists);
    suite_add_tcase(s, tc);
    return s;
}
