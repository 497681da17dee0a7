/* `spp-api migrate`: applies the pending sql/NNNN_name.sql files in order, each in its own
 * transaction, recorded in schema_migrations; running it twice changes nothing. */
#ifndef SPP_MIGRATE_H
#define SPP_MIGRATE_H

struct db;

/* Returns 0, or -1 after logging which file failed and why. */
int migrate_run(struct db *db, const char *dir);

#endif
