#include <curl/curl.h>
#include <stdlib.h>

#include "integration.h"

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    /* The rate-limit suite needs a server with tiny limits: the test command starts one and
     * runs this binary with SPP_TEST_LIMITS=1 against it, for that suite alone. */
    if (getenv("SPP_TEST_LIMITS")) {
        SRunner *lr = srunner_create(limits_suite());
        srunner_run_all(lr, CK_NORMAL);
        int failed = srunner_ntests_failed(lr);
        srunner_free(lr);
        curl_global_cleanup();
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(system_suite());
    srunner_add_suite(sr, conventions_suite());
    srunner_add_suite(sr, schools_suite());
    srunner_add_suite(sr, auth_suite());
    srunner_add_suite(sr, hubs_suite());
    srunner_add_suite(sr, partnerships_suite());
    srunner_add_suite(sr, people_suite());
    srunner_add_suite(sr, cors_suite());
    srunner_add_suite(sr, jobs_suite());
    srunner_add_suite(sr, training_suite());
    srunner_add_suite(sr, accreditations_suite());
    srunner_add_suite(sr, review_items_suite());
    srunner_add_suite(sr, reviews_suite());
    srunner_add_suite(sr, champion_suite());
    srunner_add_suite(sr, digests_suite());
    srunner_add_suite(sr, review_plans_suite());
    srunner_add_suite(sr, unsubscribe_suite());
    srunner_add_suite(sr, webhooks_suite());
    srunner_add_suite(sr, notifications_suite());
    srunner_add_suite(sr, calendar_suite());
    srunner_add_suite(sr, personal_data_suite());
    srunner_add_suite(sr, edge_suite());
    srunner_add_suite(sr, bounds_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
