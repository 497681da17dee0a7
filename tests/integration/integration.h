/* The integration suites (real HTTP against spp-api on a real PostgreSQL and Redis), one per
 * resource, listed in one place (main.c). */
#ifndef SPP_INTEGRATION_H
#define SPP_INTEGRATION_H

#include <check.h>

#include "http.h"

Suite *system_suite(void);
Suite *conventions_suite(void);
Suite *schools_suite(void);
Suite *auth_suite(void);
Suite *hubs_suite(void);
Suite *partnerships_suite(void);
Suite *people_suite(void);
Suite *cors_suite(void);
Suite *jobs_suite(void);
Suite *training_suite(void);
Suite *accreditations_suite(void);
Suite *limits_suite(void);
Suite *review_items_suite(void);
Suite *reviews_suite(void);
Suite *champion_suite(void);
Suite *digests_suite(void);
Suite *webhooks_suite(void);
Suite *notifications_suite(void);
Suite *calendar_suite(void);
Suite *edge_suite(void);
Suite *bounds_suite(void);
Suite *review_plans_suite(void);
Suite *personal_data_suite(void);
Suite *unsubscribe_suite(void);

#endif
