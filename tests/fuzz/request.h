/* What the server does to a request before a handler sees it, as the API harnesses
 * (fuzz_handlers, fuzz_query, fuzz_router) redo it: the method's name read, the query string
 * split and copied into the request. */
#ifndef SPP_FUZZ_REQUEST_H
#define SPP_FUZZ_REQUEST_H

#include <stddef.h>

#include "req.h"

/* The method named by the n bytes at s; HTTP_OTHER for any other name. */
enum http_method fuzz_method(const char *s, size_t n);

/* The query copied into the request as server_read_request copies it (services/api/server.c):
 * 0, or -1 when libevent refuses the query string (the server answers 400 then). */
int fuzz_read_query(struct req *r, const char *query);

#endif
