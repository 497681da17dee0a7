#include <curl/curl.h>
#include <stdlib.h>

#include "integration.h"

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    SRunner *sr = srunner_create(system_suite());
    srunner_add_suite(sr, conventions_suite());
    srunner_add_suite(sr, schools_suite());
    srunner_add_suite(sr, auth_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
