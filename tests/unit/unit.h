/* The unit suites, one per module of common/, listed in one place (main.c). */
#ifndef SPP_UNIT_H
#define SPP_UNIT_H

#include <check.h>

Suite *validate_suite(void);
Suite *cursor_suite(void);
Suite *config_suite(void);
Suite *scope_suite(void);
Suite *token_suite(void);
Suite *phase_suite(void);
Suite *cors_suite(void);
Suite *jobs_suite(void);
Suite *accreditation_suite(void);
Suite *booking_suite(void);
Suite *champion_suite(void);
Suite *workflow_suite(void);
Suite *eligibility_suite(void);
Suite *notify_suite(void);
Suite *digest_suite(void);
Suite *webhook_suite(void);
Suite *ical_suite(void);
Suite *seed_suite(void);
Suite *plan_suite(void);
Suite *smtp_suite(void); /* services/worker/smtp.c */

#endif
