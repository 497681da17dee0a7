/* spp-fault-tests: the fault suites (fault.h), each scenario in a process of its own (Check's
 * fork mode) so that a failed scenario takes its workers with it. */
#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>

#include "fault.h"

static void fault_teardown(void)
{
    fault_restore_dependencies();
}

TCase *fault_tcase(const char *name, const TTest *test, int timeout_s)
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, NULL, fault_teardown);
    tcase_set_timeout(tc, timeout_s);
    tcase_add_test(tc, test);
    return tc;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_ALL);
    if (fault_ledger_setup() != 0)
        return EXIT_FAILURE;
    SRunner *sr = srunner_create(fault_worker_suite());
    srunner_add_suite(sr, fault_ledger_suite());
    srunner_add_suite(sr, fault_schedule_suite());
    srunner_add_suite(sr, fault_dependencies_suite());
    srunner_add_suite(sr, fault_webhook_lane_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
