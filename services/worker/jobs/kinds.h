/* The job kinds of this product, each implemented in its own file of this folder. The
 * registry (registry.c) lists them; the test build's registry adds test kinds. */
#ifndef SPP_JOB_KINDS_H
#define SPP_JOB_KINDS_H

#include "worker.h"

/* The product's kinds as initialisers of struct job_kind, and their statement tables, shared
 * by both registries. Each kind lives in its own file of this folder. */
enum job_result champion_assign_run(struct job_ctx *ctx);
extern const struct db_stmt champion_statements[];

#define JOB_KINDS_PRODUCT      {"champion.assign", champion_assign_run},
#define JOB_STATEMENTS_PRODUCT champion_statements,

#endif
