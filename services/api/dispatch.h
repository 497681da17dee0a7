/* What happens to every request around its handler: routing, auth, body checks, the
 * transaction, idempotency, the request id, the log line and the metrics. */
#ifndef SPP_DISPATCH_H
#define SPP_DISPATCH_H

#include "req.h"

struct db_stmt;

enum dispatch_step { DISPATCH_DONE, DISPATCH_QUEUE };

/* Loop thread: routes the request and answers what needs no handler (404, 405, 413, inline
 * routes). DISPATCH_QUEUE: it runs on a fiber with a connection (dispatch_run). */
enum dispatch_step dispatch_prepare(struct req *r);
/* On the request's fiber: authenticates, parses the body, runs the handler inside a transaction for
 * changes, honours Idempotency-Key. */
void dispatch_run(struct req *r);
/* The request's id: the client's X-Request-Id when it is short printable ASCII, else one made
 * here and kept on the request, so that every call answers the same (the access audit records
 * it before dispatch_finish sends it back). Borrowed from the request. */
const char *dispatch_request_id(struct req *r);
/* Loop thread or fiber, once per request, after the answer is set: X-Request-Id, log line,
 * metrics. */
void dispatch_finish(struct req *r);
/* Every prepared statement of the service, for each request connection. */
const struct db_stmt *const *dispatch_statements(void);
struct config;
/* Start-up settings the dispatcher needs (body limit, CORS origins, rate limits). */
void dispatch_configure(const struct config *cfg);

#endif
