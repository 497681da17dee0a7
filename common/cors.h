/* CORS for browser front ends (SPP_CORS_ORIGINS): pure decisions over the configured list. */
#ifndef SPP_CORS_H
#define SPP_CORS_H

/* The request headers a browser may send and the response headers it may read. */
#define CORS_ALLOW_HEADERS  "Authorization, Content-Type, If-Match, Idempotency-Key, X-Request-Id"
#define CORS_EXPOSE_HEADERS "ETag, Location, Link, Retry-After, X-Request-Id, Idempotent-Replayed"

/* 1 when origin may call the API: list is "*" or comma-separated origins compared exactly
 * (scheme://host[:port], case-insensitive, spaces around commas ignored). An empty list allows
 * none. */
int cors_origin_allowed(const char *list, const char *origin);

#endif
