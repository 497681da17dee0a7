#include "tz.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "xalloc.h"

static char **tz_names;
static size_t tz_count;

static int tz_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int tz_load(struct db *db)
{
    PGresult *res = db_exec_sql(db, "SELECT name FROM pg_timezone_names ORDER BY name");
    if (!db_ok(res)) {
        if (res)
            PQclear(res);
        return -1;
    }
    tz_cleanup();
    tz_count = (size_t)PQntuples(res);
    tz_names = xcalloc(tz_count, sizeof *tz_names);
    int name = db_col(res, "name");
    for (size_t i = 0; i < tz_count; i++)
        tz_names[i] = xstrdup(PQgetvalue(res, (int)i, name));
    PQclear(res);
    qsort(tz_names, tz_count, sizeof *tz_names, tz_cmp);
    return 0;
}

int tz_known(const char *name)
{
    if (!tz_names)
        return 1;
    return bsearch(&name, tz_names, tz_count, sizeof *tz_names, tz_cmp) != NULL;
}

void tz_cleanup(void)
{
    for (size_t i = 0; i < tz_count; i++)
        free(tz_names[i]);
    free(tz_names);
    tz_names = NULL;
    tz_count = 0;
}
