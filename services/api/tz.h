/* The time zone names PostgreSQL knows, loaded once at start-up and read-only afterwards. */
#ifndef SPP_TZ_H
#define SPP_TZ_H

struct db;

/* Loads the names; returns 0 or -1. Call before the loop threads start. */
int tz_load(struct db *db);
/* 1 when name is a known time zone. */
int tz_known(const char *name);
void tz_cleanup(void);

#endif
