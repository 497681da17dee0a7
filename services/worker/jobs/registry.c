#include "kinds.h"

const struct job_kind job_kinds[] = {JOB_KINDS_PRODUCT{NULL, NULL, NULL}};

const struct db_stmt *const job_statement_sets[] = {JOB_STATEMENTS_PRODUCT NULL};
