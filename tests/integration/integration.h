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

#endif
