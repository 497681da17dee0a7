/* spp-api: `spp-api` (or `spp-api serve`) runs the HTTP API; `spp-api migrate` applies the
 * pending migrations and exits; `spp-api seed [options]` loads demo or scale data (seed_load.c).
 * Configuration is the SPP_* environment (common/config.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "config.h"
#include "db.h"
#include "dispatch.h"
#include "handlers/handlers.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "redis.h"
#include "seed_load.h"
#include "server.h"
#include "tz.h"

static const char *main_getenv(const char *name)
{
    return getenv(name);
}

/* Waits up to timeout_s for PostgreSQL, so that the API and the database may start together. */
static int main_connect(struct db *db, int timeout_s)
{
    char err[512];
    for (int i = 0;; i++) {
        if (db_ensure(db, err, sizeof err) == 0)
            return 0;
        if (i >= timeout_s) {
            log_error("%s", err);
            return -1;
        }
        if (i == 0)
            log_warn("%s; waiting", err);
        sleep(1);
    }
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "serve";
    if (strcmp(cmd, "serve") && strcmp(cmd, "migrate") && strcmp(cmd, "seed")) {
        fprintf(stderr, "usage: spp-api [serve|migrate|seed [options]]\n");
        return 2;
    }
    struct config cfg;
    char err[512];
    if (config_load(&cfg, main_getenv, err, sizeof err) != 0) {
        log_error("configuration: %s", err);
        return 2;
    }
    enum log_level lvl;
    log_level_parse(cfg.log_level, &lvl);
    log_set_level(lvl);

    if (!strcmp(cmd, "seed")) {
        int src = seed_load_main(&cfg, argc - 1, argv + 1);
        config_cleanup(&cfg);
        return src;
    }

    int rc = 1;
    struct db *db = db_new(cfg.database_url, NULL);
    if (main_connect(db, 60) != 0)
        goto done;
    if (!strcmp(cmd, "migrate")) {
        rc = migrate_run(db, cfg.migrations_dir) == 0 ? 0 : 1;
        goto done;
    }
    if (tz_load(db) != 0) {
        log_error("cannot read the time zone names from PostgreSQL");
        goto done;
    }
    if (system_init(&cfg) != 0)
        goto done;
    auth_init(cfg.admin_token, cfg.auth_cache_ms);
    dispatch_configure(&cfg);
    db_free(db);
    db = NULL;
    /* server_run returns once every request was answered and every loop stopped (or
     * does not return): only then is what they read freed. */
    rc = server_run(&cfg);
    metrics_cleanup();
    system_cleanup();
    tz_cleanup();
done:
    db_free(db);
    config_cleanup(&cfg);
    return rc;
}
