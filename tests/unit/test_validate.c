#include <stdio.h>
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
    /* Offsets PostgreSQL can store (to 15:59); past them a create answered 500. */
    ck_assert(validate_timestamp("2026-11-22T09:00:00+15:59"));
    ck_assert(validate_timestamp("2026-11-22T09:00:00-15:59"));
    ck_assert(!validate_timestamp("2026-11-22T09:00:00+16:00"));
    ck_assert(!validate_timestamp("2026-11-22T09:00:00-23:59"));
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

int unit_errors_has(const json_t *errors, const char *field, const char *rule)
{
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e)
    {
        if (!strcmp(json_string_value(json_object_get(e, "field")), field) &&
            !strcmp(json_string_value(json_object_get(e, "rule")), rule))
            return 1;
    }
    return 0;
}

void unit_assert_errors(const json_t *errors, const char *const (*want)[2], size_t nwant)
{
    for (size_t i = 0; i < nwant; i++)
        ck_assert_msg(unit_errors_has(errors, want[i][0], want[i][1]), "no %s error for %s",
                      want[i][1], want[i][0]);
}

START_TEST(validate_object_lists_every_problem)
{
    json_t *e;
    int n = errors_for("{\"id\":\"x\",\"colour\":\"blue\",\"when\":\"2023-02-30\",\"count\":11,"
                       "\"on\":1,\"prefs\":{\"red\":true,\"blue\":false,\"green\":1},\"grade\":3}",
                       VALIDATE_CREATE, &e);
    ck_assert_int_eq(n, 9);
    UNIT_ASSERT_ERRORS(e, {"/id", "read_only"}, {"/name", "required"}, {"/colour", "enum"},
                       {"/when", "format"}, {"/count", "range"}, {"/on", "type"},
                       {"/prefs/blue", "unknown_field"}, {"/prefs/green", "type"},
                       {"/grade", "unknown_field"});
    json_decref(e);
}
END_TEST

START_TEST(validate_patch_rules)
{
    json_t *e;
    ck_assert_int_eq(errors_for("{\"colour\":null}", VALIDATE_PATCH, &e), 0);
    json_decref(e);
    ck_assert_int_eq(errors_for("{\"name\":null}", VALIDATE_PATCH, &e), 1);
    ck_assert(unit_errors_has(e, "/name", "required"));
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
    ck_assert(unit_errors_has(e, "/name", "max_length"));
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
    UNIT_ASSERT_ERRORS(e, {"/ids/1", "format"}, {"/ids/2", "format"}, {"/ids/3", "duplicate"});
    json_decref(e);
    ck_assert_int_eq(
        list_errors("{\"ids\":\"" U1 "\",\"few\":[\"" U1 "\",\"" U2 "\",\"" U1 "\"]}", &e), 2);
    UNIT_ASSERT_ERRORS(e, {"/ids", "type"}, {"/few", "max_items"});
    json_decref(e);
    ck_assert_int_eq(list_errors("{\"ids\":null,\"few\":null}", &e), 1);
    ck_assert(unit_errors_has(e, "/ids", "required"));
    json_decref(e);
}
END_TEST

/* A body with more problems than an answer lists: the first VALIDATE_ERRORS_MAX, then one item
 * saying there are more, never one per problem (a 1 MiB body of unknown members would otherwise
 * build an answer many times its size). Exactly VALIDATE_ERRORS_MAX problems need no such item. */
START_TEST(validate_errors_are_capped)
{
    static const struct vfield none[] = {{NULL, V_TEXT, 0, 0, NULL, 0, 0}};
    const int counts[] = {VALIDATE_ERRORS_MAX, VALIDATE_ERRORS_MAX + 1, 5000};
    for (int c = 0; c < 3; c++) {
        json_t *body = json_object();
        for (int i = 0; i < counts[c]; i++) {
            char k[16];
            snprintf(k, sizeof k, "k%d", i);
            json_object_set_new(body, k, json_true());
        }
        json_t *errors = json_array();
        ck_assert_int_eq(validate_object(none, body, VALIDATE_CREATE, NULL, errors), counts[c]);
        if (counts[c] == VALIDATE_ERRORS_MAX) {
            ck_assert_int_eq(json_array_size(errors), VALIDATE_ERRORS_MAX);
        } else {
            ck_assert_int_eq(json_array_size(errors), VALIDATE_ERRORS_MAX + 1);
            json_t *last = json_array_get(errors, VALIDATE_ERRORS_MAX);
            ck_assert_str_eq(json_string_value(json_object_get(last, "rule")), "too_many_errors");
        }
        json_decref(errors);
        json_decref(body);
    }
}
END_TEST

/* Repeats are found without comparing every pair: 100,000 distinct ids and one repeat (in a
 * field that allows that many) take n log n, not n² / 2 comparisons, and the repeat is named. */
START_TEST(validate_uuid_list_repeats_in_n_log_n)
{
    static const struct vfield big[] = {{"ids", V_UUID_LIST, 0, 100001, NULL, 0, 0},
                                        {NULL, V_TEXT, 0, 0, NULL, 0, 0}};
    json_t *ids = json_array();
    for (int i = 0; i < 100000; i++) {
        char id[37];
        snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
        json_array_append_new(ids, json_string(id));
    }
    json_array_append_new(ids, json_string("00000000-0000-4000-8000-000000000007"));
    json_t *body = json_pack("{s:o}", "ids", ids);
    json_t *errors = json_array();
    ck_assert_int_eq(validate_object(big, body, VALIDATE_CREATE, NULL, errors), 1);
    ck_assert(unit_errors_has(errors, "/ids/100000", "duplicate"));
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
                     "repeats item 7");
    json_decref(errors);
    json_decref(body);
}
END_TEST

/* Each CHECK of a training session answers as its own rule, not every one as reversed dates;
 * one a request cannot break is not given words (it answers 500). */
START_TEST(validate_check_constraints_name_their_rule)
{
    const struct vcheck *c = validate_check_constraint("training_sessions_dates_check");
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->field, "/ends_at");
    ck_assert_str_eq(c->rule, "dates_reversed");
    c = validate_check_constraint("training_sessions_seats_check");
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->field, "/capacity");
    ck_assert_str_eq(c->rule, "capacity_below_booked");
    c = validate_check_constraint("training_sessions_capacity_check");
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->field, "/capacity");
    c = validate_check_constraint("training_sessions_course_check");
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->field, "/course");
    ck_assert_ptr_null(validate_check_constraint("jobs_status_check"));
    ck_assert_ptr_null(validate_check_constraint(NULL));
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
    tcase_add_test(tc, validate_errors_are_capped);
    tcase_add_test(tc, validate_check_constraints_name_their_rule);
    tcase_add_test(tc, validate_uuid_list_repeats_in_n_log_n);
    suite_add_tcase(s, tc);
    return s;
}
