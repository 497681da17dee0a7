/* The API's rate limits without Redis (services/api/ratelimit.c): the size of the batches a
 * process takes from a key's bucket, and the per-address limit on failed authentications, which
 * lives in the process. */
#include <stdint.h>
#include <stdio.h>

#include "ratelimit.h"
#include "unit.h"

START_TEST(ratelimit_batch_bounds)
{
    /* 50 ms of the rate, when that is below a tenth of the burst. */
    ck_assert_int_eq(ratelimit_batch_size(1000, 2000), 50);
    ck_assert_int_eq(ratelimit_batch_size(100000, 1000000), 5000);
    /* A tenth of the burst, when that is smaller. */
    ck_assert_int_eq(ratelimit_batch_size(1000, 200), 20);
    ck_assert_int_eq(ratelimit_batch_size(1000, 500), 50);
    /* Small limits take one token at a time, so that they stay exact. */
    ck_assert_int_eq(ratelimit_batch_size(50, 100), 2);
    ck_assert_int_eq(ratelimit_batch_size(39, 100000), 1);
    ck_assert_int_eq(ratelimit_batch_size(100000, 19), 1);
    ck_assert_int_eq(ratelimit_batch_size(1, 3), 1);
    ck_assert_int_eq(ratelimit_batch_size(1, 1), 1);
    for (int rate = 1; rate <= 4096; rate *= 2)
        for (int burst = 1; burst <= 4096; burst *= 2) {
            int b = ratelimit_batch_size(rate, burst);
            ck_assert_int_ge(b, 1);
            if (b > 1) {
                ck_assert_int_le(b * 20, rate);
                ck_assert_int_le(b * 10, burst);
            }
        }
}
END_TEST

#define T0     1000000000000LL /* any instant; 0 would read as an unused entry */
#define SECOND 1000000LL

/* At most N failures a minute per address: the N+1st request of the minute is refused until
 * the window that the first failure opened ends, and the wait is rounded up to whole seconds. */
START_TEST(ratelimit_auth_window)
{
    ratelimit_auth_configure(3);
    int retry = -1;
    unsigned long long refused = ratelimit_auth_refused();
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(ratelimit_auth_blocked("192.0.2.1", T0 + i * SECOND, &retry), 0);
        ratelimit_auth_failed("192.0.2.1", T0 + i * SECOND);
    }
    ck_assert_int_eq(retry, -1);
    ck_assert_int_eq(ratelimit_auth_blocked("192.0.2.1", T0 + 3 * SECOND, &retry), 1);
    ck_assert_int_eq(retry, 57);
    ck_assert_int_eq(ratelimit_auth_blocked("192.0.2.1", T0 + 59 * SECOND + 1, &retry), 1);
    ck_assert_int_eq(retry, 1);
    ck_assert_uint_eq(ratelimit_auth_refused(), refused + 2);
    /* Another address has its own count. */
    ck_assert_int_eq(ratelimit_auth_blocked("192.0.2.2", T0 + 3 * SECOND, &retry), 0);
    /* The window is over: the address starts again from no failures. */
    ck_assert_int_eq(ratelimit_auth_blocked("192.0.2.1", T0 + 60 * SECOND, &retry), 0);
    ratelimit_auth_failed("192.0.2.1", T0 + 60 * SECOND);
    ratelimit_auth_failed("192.0.2.1", T0 + 61 * SECOND);
    ck_assert_int_eq(ratelimit_auth_blocked("192.0.2.1", T0 + 62 * SECOND, &retry), 0);
    ratelimit_auth_failed("192.0.2.1", T0 + 62 * SECOND);
    ck_assert_int_eq(ratelimit_auth_blocked("192.0.2.1", T0 + 63 * SECOND, &retry), 1);
    ck_assert_int_eq(retry, 57);
    ck_assert_uint_eq(ratelimit_auth_refused(), refused + 3);
}
END_TEST

/* An IPv4 client seen through an IPv6 socket is the same client; an IPv6 host is counted by its
 * /64, which one host usually holds whole. */
START_TEST(ratelimit_auth_address_forms)
{
    ratelimit_auth_configure(2);
    int retry = 0;
    ratelimit_auth_failed("198.51.100.7", T0);
    ratelimit_auth_failed("::ffff:198.51.100.7", T0);
    ck_assert_int_eq(ratelimit_auth_blocked("198.51.100.7", T0 + SECOND, &retry), 1);
    ck_assert_int_eq(ratelimit_auth_blocked("::ffff:198.51.100.7", T0 + SECOND, &retry), 1);
    ck_assert_int_eq(ratelimit_auth_blocked("198.51.100.8", T0 + SECOND, &retry), 0);

    ratelimit_auth_failed("2001:db8:1:2::1", T0);
    ratelimit_auth_failed("2001:db8:1:2:ffff::9", T0);
    ck_assert_int_eq(ratelimit_auth_blocked("2001:db8:1:2::abcd", T0 + SECOND, &retry), 1);
    ck_assert_int_eq(ratelimit_auth_blocked("2001:db8:1:3::1", T0 + SECOND, &retry), 0);

    /* A peer that is no address (a Unix socket's name) is counted by its text. */
    ratelimit_auth_failed("unix-peer", T0);
    ratelimit_auth_failed("unix-peer", T0);
    ck_assert_int_eq(ratelimit_auth_blocked("unix-peer", T0 + SECOND, &retry), 1);
    ck_assert_int_eq(ratelimit_auth_blocked("unix-peer2", T0 + SECOND, &retry), 0);

    /* No peer known: never counted, never refused. */
    ratelimit_auth_failed(NULL, T0);
    ck_assert_int_eq(ratelimit_auth_blocked(NULL, T0 + SECOND, &retry), 0);
}
END_TEST

/* The table has a fixed size: many addresses failing once push nobody's count up, and an
 * address that used up its failures is still refused among them when its set keeps it. */
START_TEST(ratelimit_auth_many_addresses)
{
    ratelimit_auth_configure(5);
    int retry = 0;
    char peer[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(peer, sizeof peer, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        ratelimit_auth_failed(peer, T0);
    }
    for (int i = 0; i < 20000; i++) {
        snprintf(peer, sizeof peer, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        ck_assert_int_eq(ratelimit_auth_blocked(peer, T0 + SECOND, &retry), 0);
    }
    for (int i = 0; i < 5; i++)
        ratelimit_auth_failed("203.0.113.5", T0 + 2 * SECOND);
    ck_assert_int_eq(ratelimit_auth_blocked("203.0.113.5", T0 + 3 * SECOND, &retry), 1);
}
END_TEST

Suite *ratelimit_suite(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, ratelimit_batch_bounds);
    tcase_add_test(tc, ratelimit_auth_window);
    tcase_add_test(tc, ratelimit_auth_address_forms);
    tcase_add_test(tc, ratelimit_auth_many_addresses);
    suite_add_tcase(s, tc);
    return s;
}
