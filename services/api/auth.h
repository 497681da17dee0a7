/* Bearer-token authentication with a short in-memory cache, so that a token check does not
 * cost a database round trip on every request and a revoked key stops working within
 * SPP_AUTH_CACHE_MS. */
#ifndef SPP_AUTH_H
#define SPP_AUTH_H

#include "db.h"
#include "req.h"

/* Start-up: remembers only the hash of the bootstrap admin token (may be NULL). */
void auth_init(const char *admin_token, int cache_ms);
/* Fills r->principal from the Authorization header; answers 401 and returns -1 otherwise. */
int auth_check(struct req *r);

enum { AUTH_KEY };
extern const struct db_stmt auth_statements[];

#endif
