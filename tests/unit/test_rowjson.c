/* rowjson: a record's JSON from its columns, byte for byte what PostgreSQL writes. The expected
 * texts below are PostgreSQL 15's own output (row_to_json, spp_ts, spp_micros) for the same
 * values. */
#include <stdlib.h>
#include <string.h>

#include "rowjson.h"
#include "unit.h"

static void rowjson_time_check(long long micros, const char *want)
{
    char out[ROWJSON_TIME_MAX];
    int n = rowjson_time(micros, out);
    ck_assert_str_eq(out, want);
    ck_assert_int_eq(n, (int)strlen(want));
}

START_TEST(rowjson_time_as_spp_ts)
{
    rowjson_time_check(0, "1970-01-01T00:00:00Z");
    /* Seconds are truncated towards the past, before 1970 too. */
    rowjson_time_check(-1, "1969-12-31T23:59:59Z");
    rowjson_time_check(1727175600000000, "2024-09-24T11:00:00Z");
    rowjson_time_check(1709251199999999, "2024-02-29T23:59:59Z");
    rowjson_time_check(951827696500000, "2000-02-29T12:34:56Z");
    rowjson_time_check(-2203891200000000, "1900-03-01T00:00:00Z");
    rowjson_time_check(253402300799000000, "9999-12-31T23:59:59Z");
    rowjson_time_check(253402300800000000, "10000-01-01T00:00:00Z");
    rowjson_time_check(-62135596800000000, "0001-01-01T00:00:00Z");
    /* Years BC by their number, as to_char's YYYY writes them. */
    rowjson_time_check(-62135596801000000, "0001-12-31T23:59:59Z");
    rowjson_time_check(-210835180800000000, "4713-11-24T00:00:00Z");
}
END_TEST

static const struct rowjson_field rowjson_sample[] = {
    {"s", ROWJSON_STRING, NULL},    {"c", ROWJSON_STRING, NULL},  {"n", ROWJSON_STRING, NULL},
    {"v", ROWJSON_RAW, NULL},       {"t", ROWJSON_BOOL, NULL},    {"f", ROWJSON_BOOL, NULL},
    {"j", ROWJSON_RAW, NULL},       {"u", ROWJSON_STRING, NULL},  {"id", ROWJSON_STRING, NULL},
    {"at", ROWJSON_TIME, "micros"}, {"gone", ROWJSON_TIME, NULL}, {NULL, ROWJSON_RAW, NULL},
};

/* The lengths of values (n of them) as PQgetlength gives them. */
static const size_t *rowjson_lens(const char *const *values, size_t n, size_t *lens)
{
    for (size_t i = 0; i < n; i++)
        lens[i] = values[i] ? strlen(values[i]) : 0;
    return lens;
}

START_TEST(rowjson_object_as_row_to_json)
{
    const char *values[] = {"a\"b\\c",
                            "x\b\f\x01\x1f\n\r\ty",
                            NULL,
                            "3",
                            "t",
                            "f",
                            "{\"a\": [1, 2], \"b\": null}",
                            "caf\xc3\xa9 </b>",
                            "5eed0003-81c6-4564-8bde-0000000003e6",
                            "1727175600000000",
                            NULL};
    size_t lens[11];
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "[");
    ck_assert_int_eq(rowjson_object(&b, rowjson_sample, values, rowjson_lens(values, 11, lens)), 0);
    ck_assert_str_eq(b.data, "[{\"s\":\"a\\\"b\\\\c\",\"c\":\"x\\b\\f\\u0001\\u001f\\n\\r\\ty\","
                             "\"n\":null,\"v\":3,\"t\":true,\"f\":false,"
                             "\"j\":{\"a\": [1, 2], \"b\": null},\"u\":\"caf\xc3\xa9 </b>\","
                             "\"id\":\"5eed0003-81c6-4564-8bde-0000000003e6\","
                             "\"at\":\"2024-09-24T11:00:00Z\",\"gone\":null}");
    buf_cleanup(&b);
}
END_TEST

START_TEST(rowjson_object_rejects)
{
    static const struct rowjson_field f[][2] = {
        {{"t", ROWJSON_BOOL, NULL}, {NULL, ROWJSON_RAW, NULL}},
        {{"at", ROWJSON_TIME, NULL}, {NULL, ROWJSON_RAW, NULL}},
        {{"v", ROWJSON_RAW, NULL}, {NULL, ROWJSON_RAW, NULL}},
    };
    static const char *const bad[][3] = {
        {"true", "", "tt"},
        {"-", "12x", "9223372036854775808"},
        {"", NULL, NULL},
    };
    for (size_t i = 0; i < 3; i++) {
        for (size_t k = 0; k < 3 && bad[i][k]; k++) {
            struct buf b;
            buf_init(&b);
            buf_puts(&b, "[");
            const char *values[] = {bad[i][k]};
            size_t lens[1];
            ck_assert_int_eq(rowjson_object(&b, f[i], values, rowjson_lens(values, 1, lens)), -1);
            ck_assert_str_eq(b.data, "["); /* as it was */
            buf_cleanup(&b);
        }
    }
    /* No field: an empty object. */
    struct buf b;
    buf_init(&b);
    ck_assert_int_eq(rowjson_object(&b, &f[0][1], NULL, NULL), 0);
    ck_assert_str_eq(b.data, "{}");
    buf_cleanup(&b);
}
END_TEST

Suite *rowjson_suite(void)
{
    Suite *s = suite_create("rowjson");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rowjson_time_as_spp_ts);
    tcase_add_test(tc, rowjson_object_as_row_to_json);
    tcase_add_test(tc, rowjson_object_rejects);
    suite_add_tcase(s, tc);
    return s;
}
