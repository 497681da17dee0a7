/* The JSON log lines (common/log.c): level names, filtering, and the shape of one line, read
 * back with jansson from what the module wrote to stderr. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"

/* Asserts that the JSON line holds member name with the string value want. */
static void log_assert_member(const json_t *line, const char *name, const char *want)
{
    const char *got = json_string_value(json_object_get(line, name));
    ck_assert_msg(got && !strcmp(got, want), "%s is \"%s\", not \"%s\"", name, got ? got : "(none)",
                  want);
}

START_TEST(log_level_names)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        enum log_level l = LOG_ERROR;
        if (i == 3)
            l = LOG_DEBUG;
        ck_assert_int_eq(log_level_parse(names[i], &l), 0);
        ck_assert_int_eq(l, i);
    }
    static const char *const bad[] = {"", "INFO", "warning", "err", "info ", "fatal"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        enum log_level l = LOG_WARN;
        ck_assert_msg(log_level_parse(bad[i], &l) == -1, "accepted \"%s\"", bad[i]);
        ck_assert_int_eq(l, LOG_WARN); /* untouched */
    }
}
END_TEST

/* What the module writes to stderr while it is pointed at a temporary file. Check runs every
 * test in a process of its own, so the redirection ends with the test. */
static FILE *log_capture_file;
static int log_saved_stderr = -1;

static void log_capture_start(void)
{
    log_capture_file = tmpfile();
    ck_assert_ptr_nonnull(log_capture_file);
    log_saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(log_saved_stderr, 0);
    ck_assert_int_ge(dup2(fileno(log_capture_file), STDERR_FILENO), 0);
}

/* Restores stderr and returns what was written (static storage). */
static const char *log_capture_end(void)
{
    static char text[8192];
    dup2(log_saved_stderr, STDERR_FILENO);
    close(log_saved_stderr);
    rewind(log_capture_file);
    size_t n = fread(text, 1, sizeof text - 1, log_capture_file);
    text[n] = '\0';
    fclose(log_capture_file);
    return text;
}

START_TEST(log_line_is_one_json_object)
{
    log_capture_start();
    log_line(LOG_WARN, "quote \" backslash \\ newline \n end",
             "\"route\":\"/v1/x\",\"status\":200");
    const char *out = log_capture_end();
    /* One line, ended by one newline. */
    size_t len = strlen(out);
    ck_assert_uint_gt(len, 1);
    ck_assert_int_eq(out[len - 1], '\n');
    ck_assert_ptr_eq(strchr(out, '\n'), out + len - 1);
    json_error_t err;
    json_t *o = json_loads(out, 0, &err);
    ck_assert_msg(o != NULL, "not JSON: %s (%s)", out, err.text);
    log_assert_member(o, "level", "warn");
    ck_assert_str_eq(json_string_value(json_object_get(o, "msg")),
                     "quote \" backslash \\ newline \n end");
    log_assert_member(o, "route", "/v1/x");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "status")), 200);
    /* UTC with microseconds: 2026-12-03T09:15:44.123456Z */
    const char *ts = json_string_value(json_object_get(o, "ts"));
    ck_assert_ptr_nonnull(ts);
    ck_assert_uint_eq(strlen(ts), 27);
    ck_assert_int_eq(ts[10], 'T');
    ck_assert_int_eq(ts[19], '.');
    ck_assert_int_eq(ts[26], 'Z');
    json_decref(o);
}
END_TEST

/* The two JSON lines of out, each parsed (asserted), hold each {member, value} of their lists
 * (ended by {NULL}) and, unless nmembers is 0, exactly nmembers members each. */
static void log_assert_two_lines(const char *out, size_t nmembers, const char *const first[][2],
                                 const char *const second[][2])
{
    const char *nl = strchr(out, '\n');
    ck_assert_ptr_nonnull(nl);
    json_t *lines[2] = {json_loadb(out, (size_t)(nl + 1 - out), 0, NULL),
                        json_loads(nl + 1, 0, NULL)};
    const char *const(*want[2])[2] = {first, second};
    for (int l = 0; l < 2; l++) {
        ck_assert_ptr_nonnull(lines[l]);
        if (nmembers)
            ck_assert_uint_eq(json_object_size(lines[l]), nmembers);
        for (size_t i = 0; want[l][i][0]; i++)
            log_assert_member(lines[l], want[l][i][0], want[l][i][1]);
    }
    json_decref(lines[0]);
    json_decref(lines[1]);
}

START_TEST(log_line_without_extra)
{
    log_capture_start();
    log_line(LOG_ERROR, "plain", NULL);
    log_line(LOG_INFO, "empty extra", "");
    static const char *const plain[][2] = {{"level", "error"}, {NULL}};
    static const char *const empty[][2] = {{"msg", "empty extra"}, {NULL}};
    log_assert_two_lines(log_capture_end(), 3, plain, empty); /* ts, level, msg */
}
END_TEST

START_TEST(log_level_filters)
{
    log_set_level(LOG_WARN);
    log_capture_start();
    log_info("not shown %d", 1);
    log_line(LOG_DEBUG, "not shown either", NULL);
    log_warn("shown %s", "warn");
    log_error("shown %d", 2);
    const char *out = log_capture_end();
    log_set_level(LOG_INFO);
    ck_assert_ptr_null(strstr(out, "not shown"));
    static const char *const warn[][2] = {{"msg", "shown warn"}, {"level", "warn"}, {NULL}};
    static const char *const error[][2] = {{"msg", "shown 2"}, {"level", "error"}, {NULL}};
    log_assert_two_lines(out, 0, warn, error);
}
END_TEST

START_TEST(log_long_message_is_cut_not_lost)
{
    char word[3001];
    memset(word, 'm', 3000);
    word[3000] = '\0';
    log_capture_start();
    log_info("%s", word);
    const char *out = log_capture_end();
    json_t *o = json_loads(out, 0, NULL);
    ck_assert_ptr_nonnull(o);
    /* The formatted message is kept to 1023 characters; the line stays valid JSON. */
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(o, "msg"))), 1023);
    json_decref(o);
}
END_TEST

Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("log");
    tcase_add_test(tc, log_level_names);
    tcase_add_test(tc, log_line_is_one_json_object);
    tcase_add_test(tc, log_line_without_extra);
    tcase_add_test(tc, log_level_filters);
    tcase_add_test(tc, log_long_message_is_cut_not_lost);
    suite_add_tcase(s, tc);
    return s;
}
