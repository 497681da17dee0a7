/* The job kinds of this product, each implemented in its own file of this folder. The
 * registry (registry.c) lists them; the test build's registry adds test kinds. */
#ifndef SPP_JOB_KINDS_H
#define SPP_JOB_KINDS_H

#include "worker.h"

/* The product's kinds as initialisers of struct job_kind, and their statement tables, shared
 * by both registries. Each kind lives in its own file of this folder. */
enum job_result champion_assign_run(struct job_ctx *ctx);
enum { CA_REVIEW, CA_CANDIDATES, CA_SET, CA_EVENT, CA_NOTIFY };
extern const struct db_stmt champion_assign_statements[];
enum job_result digest_compile_run(struct job_ctx *ctx);
enum { DIGEST_LOCK, DIGEST_BOUNDS, DIGEST_INSERT, DIGEST_NOTIFY, DIGEST_PUBLISH };
extern const struct db_stmt digest_compile_statements[];
enum job_result webhook_deliver_run(struct job_ctx *ctx);
int webhook_deliver_failed(struct job_ctx *ctx, int dead);
enum { WEBHOOK_FANOUT, WEBHOOK_TARGET, WEBHOOK_SUCCEEDED, WEBHOOK_FAILED, WEBHOOK_DISABLED };
extern const struct db_stmt webhook_deliver_statements[];
enum job_result notification_deliver_run(struct job_ctx *ctx);
int notification_deliver_failed(struct job_ctx *ctx, int dead);
enum { ND_LOAD, ND_SKIP, ND_DIGEST, ND_SENT, ND_FAILED };
extern const struct db_stmt notification_deliver_statements[];
enum job_result reminders_scan_run(struct job_ctx *ctx);
enum {
    RS_VISIT,
    RS_WORKSHOP,
    RS_ACTION_DUE,
    RS_ACTION_OVERDUE,
    RS_IMPACT,
    RS_TRAINING,
    RS_PLANNING
};
extern const struct db_stmt reminders_scan_statements[];
enum job_result plan_generate_run(struct job_ctx *ctx);
enum { PG_PLAN, PG_SCHOOLS, PG_REVIEWERS, PG_STORE };
extern const struct db_stmt plan_generate_statements[];

#define JOB_KINDS_PRODUCT                                                                          \
    {"champion.assign", champion_assign_run, NULL, 0},                                             \
        {"digest.compile", digest_compile_run, NULL, 0},                                           \
        {"webhook.deliver", webhook_deliver_run, webhook_deliver_failed, 0},                       \
        {"notification.deliver", notification_deliver_run, notification_deliver_failed, 0},        \
        {"reminders.scan", reminders_scan_run, NULL, 0},                                           \
        {"plan.generate", plan_generate_run, NULL, 0},
#define JOB_STATEMENTS_PRODUCT                                                                     \
    champion_assign_statements, digest_compile_statements, webhook_deliver_statements,             \
        notification_deliver_statements, reminders_scan_statements, plan_generate_statements,

#endif
