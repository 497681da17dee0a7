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

extern const struct db_stmt idem_statements[];

#endif
