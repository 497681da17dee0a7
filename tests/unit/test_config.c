#include <string.h>

#include "config.h"
#include "unit.h"

static const char *fake_env[16][2];

static const char *fake_lookup(const char *name)
{
    for (int i = 0; fake_env[i][0]; i++)
        if (!strcmp(fake_env[i][0], name))
            return fake_env[i][1];
    return NULL;
}

static void fake_set(int i, const char *name, const char *value)
{
    fake_env[i][0] = name;
    fake_env[i][1] = value;
    fake_env[i + 1][0] = NULL;
}

START_TEST(config_defaults)
{
    fake_env[0][0] = NULL;
    struct config c;
    char err[256];
    ck_assert_int_eq(config_load(&c, fake_lookup, err, sizeof err), 0);
    ck_assert_str_eq(c.listen, "127.0.0.1:8080");
    ck_assert_int_eq(c.job_lease_s, 60);
    ck_assert_int_eq(c.job_batch, 100);
    ck_assert_int_eq(c.job_flush_ms, 50);
    ck_assert_int_eq(c.rate_limit_burst, 100);
    ck_assert_str_eq(c.digest_at, "02:00");
    ck_assert_str_eq(c.tz, "Europe/London");
    ck_assert_ptr_null(c.admin_token);
    ck_assert_int_eq(c.webhook_allow_private, 0);
    config_cleanup(&c);
}
END_TEST

START_TEST(config_bad_values_name_the_variable)
{
    struct {
        const char *name, *value;
    } bad[] = {
        {"SPP_API_THREADS", "many"},
        {"SPP_API_THREADS", "1000"},
        {"SPP_LISTEN", "localhost"},
        {"SPP_LISTEN", "x:70000"},
        {"SPP_DIGEST_AT", "25:00"},
        {"SPP_DIGEST_AT", "2:00"},
        {"SPP_LOG_LEVEL", "loud"},
        {"SPP_ADMIN_TOKEN", "short"},
        {"SPP_WEBHOOK_ALLOW_PRIVATE", "maybe"},
        {"SPP_WEBHOOK_KEY", "0123"},
        {"SPP_WEBHOOK_KEY", "zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fake_set(0, bad[i].name, bad[i].value);
        struct config c;
        char err[256] = "";
        ck_assert_int_eq(config_load(&c, fake_lookup, err, sizeof err), -1);
        ck_assert_msg(strstr(err, bad[i].name) != NULL, "%s", err);
    }
}
END_TEST

/* Issue 9: an unparsable SPP_REDIS_URL stopped start-up with a log line quoting it, password
 * and all. It is refused by the configuration now, with a message that never holds the value. */
START_TEST(config_redis_url_checked_without_echo)
{
    static const char *const bad[] = {
        "redis://:hunter2-secret@cache.example.org:notaport/0",
        "redis://user:hunter2-secret@:6379/0",
        "rediss://:hunter2-secret@cache.example.org/0",
        "redis://:hunter2-secret@cache.example.org:6379/x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fake_set(0, "SPP_REDIS_URL", bad[i]);
        struct config c;
        char err[256] = "";
        ck_assert_msg(config_load(&c, fake_lookup, err, sizeof err) == -1, "%s accepted", bad[i]);
        ck_assert_msg(strstr(err, "SPP_REDIS_URL") != NULL, "%s", err);
        ck_assert_msg(strstr(err, "hunter2") == NULL, "the message shows the password: %s", err);
    }
    fake_set(0, "SPP_REDIS_URL", "redis://:hunter2-secret@cache.example.org:6380/2");
    struct config c;
    char err[256] = "";
    ck_assert_int_eq(config_load(&c, fake_lookup, err, sizeof err), 0);
    ck_assert_str_eq(c.redis_url, "redis://:hunter2-secret@cache.example.org:6380/2");
    config_cleanup(&c);
}
END_TEST

START_TEST(config_values_parsed)
{
    fake_set(0, "SPP_API_THREADS", "8");
    fake_set(1, "SPP_WEBHOOK_ALLOW_PRIVATE", "true");
    fake_set(2, "SPP_LISTEN", "0.0.0.0:9000");
    fake_set(3, "SPP_ADMIN_TOKEN", "a-long-enough-admin-token");
    struct config c;
    char err[256];
    ck_assert_int_eq(config_load(&c, fake_lookup, err, sizeof err), 0);
    ck_assert_int_eq(c.api_threads, 8);
    ck_assert_int_eq(c.webhook_allow_private, 1);
    ck_assert_str_eq(c.admin_token, "a-long-enough-admin-token");
    char host[64];
    int port;
    ck_assert_int_eq(config_split_listen(c.listen, host, sizeof host, &port), 0);
    ck_assert_str_eq(host, "0.0.0.0");
    ck_assert_int_eq(port, 9000);
    config_cleanup(&c);
}
END_TEST

START_TEST(config_edge_settings)
{
    fake_env[0][0] = NULL;
    struct config c;
    char err[256];
    ck_assert_int_eq(config_load(&c, fake_lookup, err, sizeof err), 0);
    ck_assert_int_eq(c.auth_fail_per_min, 60);
    ck_assert_ptr_null(c.metrics_listen);
    config_cleanup(&c);
    /* Set empty, the optional metrics address stays unset; set, it must be host:port. */
    fake_set(0, "SPP_METRICS_LISTEN", "");
    ck_assert_int_eq(config_load(&c, fake_lookup, err, sizeof err), 0);
    ck_assert_ptr_null(c.metrics_listen);
    config_cleanup(&c);
    fake_set(0, "SPP_METRICS_LISTEN", "127.0.0.1:9100");
    fake_set(1, "SPP_AUTH_FAIL_PER_MIN", "5");
    ck_assert_int_eq(config_load(&c, fake_lookup, err, sizeof err), 0);
    ck_assert_str_eq(c.metrics_listen, "127.0.0.1:9100");
    ck_assert_int_eq(c.auth_fail_per_min, 5);
    config_cleanup(&c);
    fake_set(0, "SPP_METRICS_LISTEN", "metrics");
    ck_assert_int_eq(config_load(&c, fake_lookup, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "SPP_METRICS_LISTEN"));
    fake_set(0, "SPP_AUTH_FAIL_PER_MIN", "0");
    ck_assert_int_eq(config_load(&c, fake_lookup, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "SPP_AUTH_FAIL_PER_MIN"));
}
END_TEST

Suite *config_suite(void)
{
    return unit_suite("config",
                      UNIT_TCASE("config", config_defaults, config_bad_values_name_the_variable,
                                 config_values_parsed, config_redis_url_checked_without_echo,
                                 config_edge_settings));
}
