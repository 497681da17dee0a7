#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "xalloc.h"

static int migrate_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len < 10 || strcmp(n + len - 4, ".sql") != 0 || n[4] != '_')
        return 0;
    for (int i = 0; i < 4; i++)
        if (n[i] < '0' || n[i] > '9')
            return 0;
    return 1;
}

static int migrate_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *migrate_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = xmalloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    fclose(f);
    s[got] = '\0';
    return s;
}

/* The ledger of applied migrations. */
enum { MIGRATE_APPLIED, MIGRATE_RECORD };
static const struct db_stmt migrate_statements[] = {
    [MIGRATE_APPLIED] = {"migrate_applied",
                         "SELECT 1 FROM schema_migrations WHERE version = $version::int"},
    [MIGRATE_RECORD] =
        {"migrate_record",
         "INSERT INTO schema_migrations (version, name) VALUES ($version::int, $name)"},
};

/* Runs sql; on failure logs what and returns -1. */
static int migrate_exec(struct db *db, const char *sql, const char *what)
{
    PGresult *res = db_exec_sql(db, sql);
    int ok = db_ok(res);
    if (!ok)
        log_error("migrate: %s: %s", what, res ? PQresultErrorMessage(res) : "no connection");
    if (res)
        PQclear(res);
    return ok ? 0 : -1;
}

int migrate_run(struct db *db, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        log_error("migrate: cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (!migrate_name_ok(e->d_name))
            continue;
        names = xrealloc(names, (n + 1) * sizeof *names);
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, migrate_cmp);

    int rc = -1, applied = 0;
    /* One migrator at a time, however many processes start together. */
    if (migrate_exec(db, "SELECT pg_advisory_lock(7270001)", "lock") != 0)
        goto done;
    if (migrate_exec(db,
                     "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                     "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                     "schema_migrations") != 0)
        goto unlock;
    for (size_t i = 0; i < n; i++) {
        char version[5];
        memcpy(version, names[i], 4);
        version[4] = '\0';
        PGresult *res =
            db_exec(db, &migrate_statements[MIGRATE_APPLIED], DB_ARGS({"version", version}));
        int done_already = db_ok(res) && PQntuples(res) == 1;
        int failed = !db_ok(res);
        if (res)
            PQclear(res);
        if (failed) {
            log_error("migrate: cannot read schema_migrations");
            goto unlock;
        }
        if (done_already)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *sql = migrate_read(path);
        if (!sql) {
            log_error("migrate: cannot read %s", path);
            goto unlock;
        }
        int ok = migrate_exec(db, "BEGIN", "begin") == 0 && migrate_exec(db, sql, names[i]) == 0;
        free(sql);
        if (ok) {
            res = db_exec(db, &migrate_statements[MIGRATE_RECORD],
                          DB_ARGS({"version", version}, {"name", names[i]}));
            ok = db_ok(res);
            if (res)
                PQclear(res);
        }
        if (!ok || migrate_exec(db, "COMMIT", "commit") != 0) {
            migrate_exec(db, "ROLLBACK", "rollback");
            goto unlock;
        }
        log_info("migrate: applied %s", names[i]);
        applied++;
    }
    log_info("migrate: %d applied, %zu known", applied, n);
    rc = 0;
unlock:
    migrate_exec(db, "SELECT pg_advisory_unlock(7270001)", "unlock");
done:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}
