/* The product's kind registry (services/worker/jobs/registry.c, the one spp-worker runs) and
 * its lookup (worker_kind, worker_kinds_array in services/worker/worker.c). A kind missing from
 * the registry leaves its jobs queued for ever (no worker claims them), and a name registered
 * twice would run the first entry's code for both. */
#include <ctype.h>
#include <string.h>

#include "jobs.h"
#include "kinds.h"
#include "unit.h"

/* The kinds that the API, the SQL functions and the scheduler enqueue: every one must be run. */
static const char *const kinds_enqueued[] = {
    "champion.assign",      /* handlers/reviews.c */
    "digest.compile",       /* handlers/digests.c, scheduler.c */
    "webhook.deliver",      /* spp_announce (sql/0013_enqueue.sql) */
    "notification.deliver", /* spp_notify (sql/0013_enqueue.sql) */
    "reminders.scan",       /* handlers/admin.c, scheduler.c */
    "plan.generate",        /* handlers/review_plans.c */
};
#define KINDS_ENQUEUED (sizeof kinds_enqueued / sizeof *kinds_enqueued)

static size_t kinds_count(void)
{
    size_t n = 0;
    while (job_kinds[n].kind)
        n++;
    return n;
}

/* "area.verb": lower-case words of letters and '_', joined by one dot. */
static int kinds_name_shape(const char *s)
{
    int dots = 0;
    size_t word = 0;
    for (; *s; s++) {
        if (*s == '.') {
            if (word == 0)
                return 0;
            dots++;
            word = 0;
        } else if (islower((unsigned char)*s) || *s == '_') {
            word++;
        } else {
            return 0;
        }
    }
    return dots == 1 && word > 0;
}

START_TEST(kinds_names_unique_and_well_formed)
{
    size_t n = kinds_count();
    ck_assert_uint_eq(n, KINDS_ENQUEUED);
    for (size_t i = 0; i < n; i++) {
        const struct job_kind *k = &job_kinds[i];
        ck_assert_msg(kinds_name_shape(k->kind), "kind %zu: \"%s\"", i, k->kind);
        ck_assert_msg(k->run != NULL, "%s has no handler", k->kind);
        /* Every product kind writes to the database: its effect must commit with its own
         * completion, so none of them is batched as effect-free. */
        ck_assert_msg(k->no_effects == 0, "%s", k->kind);
        for (size_t j = i + 1; j < n; j++)
            ck_assert_msg(strcmp(k->kind, job_kinds[j].kind) != 0, "%s is registered twice",
                          k->kind);
    }
}
END_TEST

START_TEST(kinds_found_by_name)
{
    for (const struct job_kind *k = job_kinds; k->kind; k++)
        ck_assert_ptr_eq(worker_kind(k->kind), k);
    for (size_t i = 0; i < KINDS_ENQUEUED; i++) {
        const struct job_kind *k = worker_kind(kinds_enqueued[i]);
        ck_assert_msg(k != NULL, "%s is enqueued but not run", kinds_enqueued[i]);
        ck_assert_str_eq(k->kind, kinds_enqueued[i]);
    }
    /* A name found from a buffer of its own, not only the registry's own pointer. */
    char name[32];
    strcpy(name, "digest.compile");
    ck_assert_ptr_eq(worker_kind(name)->run, digest_compile_run);
    ck_assert_ptr_eq(worker_kind("champion.assign")->run, champion_assign_run);
    ck_assert_ptr_eq(worker_kind("webhook.deliver")->run, webhook_deliver_run);
    ck_assert_ptr_eq(worker_kind("notification.deliver")->run, notification_deliver_run);
    ck_assert_ptr_eq(worker_kind("reminders.scan")->run, reminders_scan_run);
    ck_assert_ptr_eq(worker_kind("plan.generate")->run, plan_generate_run);
}
END_TEST

START_TEST(kinds_unknown_not_found)
{
    static const char *const unknown[] = {
        "",
        "digest",
        "digest.",
        ".compile",
        "digest.compil",
        "digest.compiles",
        "digest.compile ",
        " digest.compile",
        "Digest.Compile",
        "DIGEST.COMPILE",
        "digest_compile",
        "digest.compile.x",
        "test.record", /* only spp-worker-test runs the test kinds */
        "test.fail",
        "bench.noop",
    };
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++)
        ck_assert_msg(worker_kind(unknown[i]) == NULL, "\"%s\" was found", unknown[i]);
}
END_TEST

/* The two deliveries record a failed attempt on their notification or webhook subscription,
 * although the attempt's own transaction rolled back; the other kinds have nothing to record. */
START_TEST(kinds_failure_hooks)
{
    ck_assert_ptr_eq(worker_kind("webhook.deliver")->failed, webhook_deliver_failed);
    ck_assert_ptr_eq(worker_kind("notification.deliver")->failed, notification_deliver_failed);
    ck_assert_ptr_null(worker_kind("champion.assign")->failed);
    ck_assert_ptr_null(worker_kind("digest.compile")->failed);
    ck_assert_ptr_null(worker_kind("reminders.scan")->failed);
    ck_assert_ptr_null(worker_kind("plan.generate")->failed);
}
END_TEST

/* The webhook lane (JOBS_WEBHOOK_LANE_SQL) names a kind: it must be one this worker runs, or
 * the lane's runner threads would wait on a stream nothing is published to. */
START_TEST(kinds_webhook_lane_registered)
{
    const char *q = strchr(JOBS_WEBHOOK_LANE_SQL, '\'');
    ck_assert_ptr_nonnull(q);
    const char *end = strchr(q + 1, '\'');
    ck_assert_ptr_nonnull(end);
    char kind[64];
    ck_assert_uint_lt((size_t)(end - q - 1), sizeof kind);
    memcpy(kind, q + 1, (size_t)(end - q - 1));
    kind[end - q - 1] = '\0';
    ck_assert_str_eq(kind, "webhook.deliver");
    ck_assert_ptr_nonnull(worker_kind(kind));
}
END_TEST

/* What the runners claim with (kind = ANY($n::text[])): every kind, quoted, in order, whole. */
START_TEST(kinds_array_literal)
{
    ck_assert_str_eq(worker_kinds_array(),
                     "{\"champion.assign\",\"digest.compile\",\"webhook.deliver\","
                     "\"notification.deliver\",\"reminders.scan\",\"plan.generate\"}");
    /* Built once: the same text on every call. */
    ck_assert_ptr_eq(worker_kinds_array(), worker_kinds_array());
}
END_TEST

/* Every kind refuses a payload without what it works on before it touches the database (db,
 * redis and cfg are NULL here): the job goes dead after its attempts with a message naming what
 * is missing, instead of running statements with NULL parameters. */
START_TEST(kinds_refuse_bad_payload)
{
    static const char *const bad[] = {
        "{}",
        "{\"review_id\": 5, \"partnership_id\": 5, \"as_of\": 5, \"review_plan_id\": 5, "
        "\"notification_id\": 5, \"event\": 5}",
        "{\"partnership_id\": \"not-a-uuid\", \"event\": {\"id\": \"not-a-uuid\", "
        "\"type\": \"review.completed\"}}",
    };
    atomic_int lost = 0;
    for (const struct job_kind *k = job_kinds; k->kind; k++)
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            json_t *payload = json_loads(bad[i], 0, NULL);
            ck_assert_ptr_nonnull(payload);
            struct job_ctx ctx = {0};
            ctx.id = "00000000-0000-4000-8000-000000000001";
            ctx.kind = k->kind;
            ctx.payload = payload;
            ctx.attempt = 1;
            ctx.max_attempts = 8;
            ctx.worker = "unit";
            ctx.lost = &lost;
            ck_assert_msg(k->run(&ctx) == JOB_RETRY, "%s ran %s", k->kind, bad[i]);
            ck_assert_msg(ctx.err[0] != '\0', "%s gave no reason for %s", k->kind, bad[i]);
            /* Nothing to record on a notification or a subscription it cannot name. */
            if (k->failed) {
                ck_assert_int_eq(k->failed(&ctx, 0), 0);
                ck_assert_int_eq(k->failed(&ctx, 1), 0);
            }
            json_decref(payload);
        }
}
END_TEST

static void kinds_collect(void)
{
    worker_collect_statements();
}

/* One statement table per kind, and every statement a worker connection prepares (the job
 * system's, the sweeper's, the scheduler's, the runner's, the facts' and every kind's) named
 * once, with SQL and parameters without a gap: PREPARE would refuse a second name at start-up. */
START_TEST(kinds_statements_well_formed)
{
    size_t tables = 0;
    while (job_statement_sets[tables])
        tables++;
    ck_assert_uint_eq(tables, kinds_count());
    size_t kinds_only = unit_statements_check(job_statement_sets);
    ck_assert_uint_gt(kinds_only, tables);
    size_t all = unit_statements_check(worker_statement_sets);
    ck_assert_uint_gt(all, kinds_only);
    /* The kinds' tables were appended once each. */
    size_t sets = 0;
    while (worker_statement_sets[sets])
        sets++;
    for (size_t i = 0; i < tables; i++)
        ck_assert_ptr_eq(worker_statement_sets[sets - tables + i], job_statement_sets[i]);
}
END_TEST

Suite *kinds_suite(void)
{
    TCase *tc =
        UNIT_TCASE("core", kinds_names_unique_and_well_formed, kinds_found_by_name,
                   kinds_unknown_not_found, kinds_failure_hooks, kinds_webhook_lane_registered,
                   kinds_array_literal, kinds_refuse_bad_payload, kinds_statements_well_formed);
    /* Once per run, as main.c does before any thread starts (it appends, so not per test). */
    tcase_add_unchecked_fixture(tc, kinds_collect, NULL);
    return unit_suite("kinds", tc);
}
