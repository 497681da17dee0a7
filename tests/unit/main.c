#include <stdlib.h>

#include "unit.h"

TCase *unit_tcase(const char *name, const TTest *const *tests, size_t ntests)
{
    TCase *tc = tcase_create(name);
    for (size_t i = 0; i < ntests; i++)
        tcase_add_test(tc, tests[i]);
    return tc;
}

Suite *unit_suite(const char *name, TCase *tc)
{
    Suite *s = suite_create(name);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(validate_suite());
    srunner_add_suite(sr, cursor_suite());
    srunner_add_suite(sr, config_suite());
    srunner_add_suite(sr, scope_suite());
    srunner_add_suite(sr, token_suite());
    srunner_add_suite(sr, phase_suite());
    srunner_add_suite(sr, cors_suite());
    srunner_add_suite(sr, jobs_suite());
    srunner_add_suite(sr, accreditation_suite());
    srunner_add_suite(sr, booking_suite());
    srunner_add_suite(sr, champion_suite());
    srunner_add_suite(sr, workflow_suite());
    srunner_add_suite(sr, eligibility_suite());
    srunner_add_suite(sr, notify_suite());
    srunner_add_suite(sr, digest_suite());
    srunner_add_suite(sr, webhook_suite());
    srunner_add_suite(sr, ical_suite());
    srunner_add_suite(sr, seed_suite());
    srunner_add_suite(sr, arena_suite());
    srunner_add_suite(sr, buf_suite());
    srunner_add_suite(sr, caldate_suite());
    srunner_add_suite(sr, db_suite());
    srunner_add_suite(sr, html_suite());
    srunner_add_suite(sr, log_suite());
    srunner_add_suite(sr, monotime_suite());
    srunner_add_suite(sr, redis_suite());
    srunner_add_suite(sr, secretbox_suite());
    srunner_add_suite(sr, xalloc_suite());
    srunner_add_suite(sr, plan_suite());
    srunner_add_suite(sr, smtp_suite());
    srunner_add_suite(sr, mail_suite());
    srunner_add_suite(sr, unsub_suite());
    srunner_add_suite(sr, facts_suite());
    srunner_add_suite(sr, router_suite());
    srunner_add_suite(sr, routes_suite());
    srunner_add_suite(sr, idem_suite());
    srunner_add_suite(sr, sqlvariant_suite());
    srunner_add_suite(sr, rowjson_suite());
    srunner_add_suite(sr, sqlparams_suite());
    srunner_add_suite(sr, ratelimit_suite());
    srunner_add_suite(sr, metrics_suite());
    srunner_add_suite(sr, req_suite());
    srunner_add_suite(sr, wmetrics_suite());
    srunner_add_suite(sr, dispatch_suite());
    srunner_add_suite(sr, http1_suite());
    srunner_add_suite(sr, kinds_suite());
    srunner_add_suite(sr, worker_suite());
    srunner_add_suite(sr, fiber_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
