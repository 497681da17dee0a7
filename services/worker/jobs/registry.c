#include "kinds.h"

const struct job_kind job_kinds[] = {JOB_KINDS_PRODUCT{NULL, NULL}};
