/* Idempotency-Key on POST: the first successful answer is stored (without tokens or secrets)
 * and replayed for 24 hours to the same API key. Runs inside the request's transaction. */
#ifndef SPP_IDEM_H
#define SPP_IDEM_H

#include "db.h"
#include "req.h"

/* Before the handler. Returns 0 to run the handler; -1 when the request was answered: a
 * replay (r->replayed), 422 idempotency_key_reused, or 409 while the first is still running. */
int idem_begin(struct req *r);
/* After a successful handler, before COMMIT: records the answer. */
void idem_store(struct req *r);

enum { IDEM_LOCK, IDEM_GET, IDEM_PUT };
extern const struct db_stmt idem_statements[];

/* The pure parts. 0 when key is a usable Idempotency-Key (1 to 255 printable ASCII characters,
 * space included), -1 otherwise (NULL too). */
int idem_key_check(const char *key);
/* What a stored answer is bound to: the lowercase hex SHA-256 (TOKEN_HASH_HEX bytes into hex)
 * of "<route pattern> <path>\n" followed by the body's bytes, so that the same key sent with
 * another route, path or body is told apart. */
void idem_request_hash(const char *pattern, const char *path, const char *body, size_t body_len,
                       char *hex);

#endif
