/* The unit suites, one per module of common/ and of the services' pure parts, listed in one place
 * (main.c). */
#ifndef SPP_UNIT_H
#define SPP_UNIT_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>

struct db_stmt;

/* Checks a NULL-ended list of statement tables (statements.c): every statement named, with SQL,
 * no name twice, parameters by name ($name, well formed: sqlparams.h), none numbered. Returns how
 * many there are. */
size_t unit_statements_check(const struct db_stmt *const *sets);

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
Suite *arena_suite(void);
Suite *buf_suite(void);
Suite *caldate_suite(void);
Suite *db_suite(void);
Suite *html_suite(void);
Suite *log_suite(void);
Suite *monotime_suite(void);
Suite *redis_suite(void);
Suite *secretbox_suite(void);
Suite *xalloc_suite(void);
Suite *plan_suite(void);
Suite *smtp_suite(void); /* services/worker/smtp.c */
Suite *mail_suite(void);
Suite *unsub_suite(void);
Suite *facts_suite(void);
Suite *sqlvariant_suite(void); /* common/sqlvariant.c */
Suite *rowjson_suite(void);    /* common/rowjson.c */
Suite *sqlparams_suite(void);  /* common/sqlparams.c */
Suite *router_suite(void);     /* services/api/router.c and the route table */
Suite *routes_suite(void);     /* services/api/routes.c */
Suite *idem_suite(void);       /* services/api/idem.c */
Suite *ratelimit_suite(void);  /* services/api/ratelimit.c, what needs no Redis */
Suite *metrics_suite(void);    /* services/api/metrics.c, the request counters */
Suite *req_suite(void);        /* services/api/req.c, what needs no connection */
Suite *wmetrics_suite(void);   /* services/worker/wmetrics.c, the text it serves */
Suite *dispatch_suite(void);   /* services/api/dispatch.c, what the loop thread answers */
Suite *http1_suite(void);      /* common/http1.c */
Suite *kinds_suite(void);      /* services/worker/jobs/registry.c and the kinds' lookup */
Suite *worker_suite(void);     /* services/worker/worker.c */
Suite *fiber_suite(void);      /* services/api/fiber.c */

/* A TCase name running tests in order (main.c), and a suite of that one TCase: the suites of one
 * TCase are written UNIT_SUITE("html", UNIT_TCASE("html", test_a, test_b)); a fixture goes on
 * the TCase before it is handed to unit_suite. */
TCase *unit_tcase(const char *name, const TTest *const *tests, size_t ntests);
Suite *unit_suite(const char *name, TCase *tc);
#define UNIT_TCASE(name, ...)                                                                      \
    unit_tcase((name), (const TTest *const[]){__VA_ARGS__},                                        \
               sizeof((const TTest *const[]){__VA_ARGS__}) / sizeof(const TTest *))

/* 1 when a problem's errors array holds one for field with rule (test_validate.c). */
int unit_errors_has(const json_t *errors, const char *field, const char *rule);
/* Asserts that the errors array holds one error for each {field, rule} of want (test_validate.c);
 * UNIT_ASSERT_ERRORS(errors, {"/name", "required"}, {"/id", "read_only"}) lists them inline. */
void unit_assert_errors(const json_t *errors, const char *const (*want)[2], size_t nwant);
#define UNIT_ASSERT_ERRORS(errors, ...)                                                            \
    unit_assert_errors((errors), (const char *const[][2]){__VA_ARGS__},                            \
                       sizeof((const char *const[][2]){__VA_ARGS__}) / sizeof(const char *[2]))
/* Asserts that parse(text, &out), out a T, answers -1 for every string of the array bad. */
#define UNIT_ASSERT_REFUSED(parse, T, bad)                                                         \
    do {                                                                                           \
        for (size_t i_ = 0; i_ < sizeof(bad) / sizeof *(bad); i_++) {                              \
            T out_;                                                                                \
            ck_assert_msg(parse((bad)[i_], &out_) == -1, "accepted \"%s\"", (bad)[i_]);            \
        }                                                                                          \
    } while (0)
/* Asserts that text holds line as a whole line (test_metrics.c; for the /metrics texts). */
void unit_assert_line(const char *text, const char *line);
/* html without its style="…" attributes (the markup the tests compare); the caller frees it. */
char *unit_unstyled(const char *html);
/* Asserts what every HTML message is: one column of at most 600 px, styled inline, nothing
 * fetched from elsewhere, no script (test_mail.c). */
void unit_assert_mail_html(const char *html);

#endif
