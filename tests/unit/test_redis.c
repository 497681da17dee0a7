/* The Redis URL parser (common/redis.c, redis_parse_url): the module's one pure function; the
 * connection itself is exercised by the integration and fault suites against a real Redis. */
#include <stdio.h>
#include <string.h>

#include "redis.h"
#include "unit.h"

/* URLs the parser accepts and every field it fills from each. */
static const struct {
    const char *url, *host;
    int port, db;
    const char *password;
} redis_good[] = {
    /* Defaults: port 6379, database 0, no password. */
    {"redis://localhost", "localhost", 6379, 0, ""},
    {"redis://127.0.0.1/", "127.0.0.1", 6379, 0, ""},
    /* Port and database. */
    {"redis://127.0.0.1:16379", "127.0.0.1", 16379, 0, ""},
    {"redis://cache.internal:1/15", "cache.internal", 1, 15, ""},
    {"redis://h:65535/0", "h", 65535, 0, ""},
    {"redis://h/1000", "h", 6379, 1000, ""},
    /* Password. */
    {"redis://:s3cret@10.0.0.5:6380/2", "10.0.0.5", 6380, 2, "s3cret"},
    /* A user name before the colon is not Redis's (AUTH takes the password alone): dropped. */
    {"redis://default:pw@h", "h", 6379, 0, "pw"},
    /* Without a colon the whole user information is the password. */
    {"redis://pw@h", "h", 6379, 0, "pw"},
    /* Only the first colon separates: the password may hold more. */
    {"redis://:a:b@h", "h", 6379, 0, "a:b"},
    {"redis://:@h", "h", 6379, 0, ""},
};

START_TEST(redis_url_parses)
{
    struct redis_addr a;
    const char *url = redis_good[_i].url;
    ck_assert_msg(redis_parse_url(url, &a) == 0, "refused \"%s\"", url);
    ck_assert_msg(!strcmp(a.host, redis_good[_i].host), "%s: host %s", url, a.host);
    ck_assert_msg(a.port == redis_good[_i].port, "%s: port %d", url, a.port);
    ck_assert_msg(a.db == redis_good[_i].db, "%s: db %d", url, a.db);
    ck_assert_msg(!strcmp(a.password, redis_good[_i].password), "%s: password %s", url, a.password);
}
END_TEST

START_TEST(redis_url_fills_every_field_afresh)
{
    struct redis_addr a;
    ck_assert_int_eq(redis_parse_url("redis://:pw@first:1234/7", &a), 0);
    ck_assert_int_eq(redis_parse_url("redis://second", &a), 0);
    ck_assert_str_eq(a.host, "second");
    ck_assert_int_eq(a.port, 6379);
    ck_assert_int_eq(a.db, 0);
    ck_assert_str_eq(a.password, "");
}
END_TEST

START_TEST(redis_url_refuses_bad_urls)
{
    static const char *const bad[] = {
        "",
        "localhost:6379",
        "http://localhost",
        "rediss://localhost", /* TLS is not supported: refused rather than sent in clear */
        "REDIS://localhost",
        "redis://",
        "redis://:6379",
        "redis:///0",
        "redis://:pw@",
        "redis://h:",
        "redis://h:/0",
        "redis://h:0",
        "redis://h:65536",
        "redis://h:-1",
        "redis://h:abc",
        "redis://h:63 79",
        "redis://h:12345678",
        "redis://h:6379x",
        "redis://h/x",
        "redis://h/-1",
        "redis://h/1001",
        "redis://h/1/2",
        "redis://h/ 1",
    };
    UNIT_ASSERT_REFUSED(redis_parse_url, struct redis_addr, bad);
}
END_TEST

START_TEST(redis_url_bounds_host_and_password)
{
    struct redis_addr a;
    char url[1024];
    /* The longest host and password that fit (255 characters each), then one more. */
    char host[257], pw[257];
    memset(host, 'h', 256);
    host[255] = '\0';
    memset(pw, 'p', 256);
    pw[255] = '\0';
    snprintf(url, sizeof url, "redis://:%s@%s:7000", pw, host);
    ck_assert_int_eq(redis_parse_url(url, &a), 0);
    ck_assert_uint_eq(strlen(a.host), 255);
    ck_assert_uint_eq(strlen(a.password), 255);
    ck_assert_int_eq(a.port, 7000);
    host[255] = 'h';
    host[256] = '\0';
    snprintf(url, sizeof url, "redis://%s", host);
    ck_assert_int_eq(redis_parse_url(url, &a), -1);
    pw[255] = 'p';
    pw[256] = '\0';
    snprintf(url, sizeof url, "redis://:%s@h", pw);
    ck_assert_int_eq(redis_parse_url(url, &a), -1);
}
END_TEST

Suite *redis_suite(void)
{
    Suite *s = suite_create("redis");
    TCase *tc = tcase_create("redis");
    tcase_add_loop_test(tc, redis_url_parses, 0, (int)(sizeof redis_good / sizeof *redis_good));
    tcase_add_test(tc, redis_url_fills_every_field_afresh);
    tcase_add_test(tc, redis_url_refuses_bad_urls);
    tcase_add_test(tc, redis_url_bounds_host_and_password);
    suite_add_tcase(s, tc);
    return s;
}
