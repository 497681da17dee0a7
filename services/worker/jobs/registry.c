#include "kinds.h"

const struct job_kind job_kinds[] = {JOB_KINDS_PRODUCT{NULL, NULL, NULL, 0}};

const struct db_stmt *const job_statement_sets[] = {JOB_STATEMENTS_PRODUCT NULL};
