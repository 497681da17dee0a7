/* Per-key rate limiting: a token bucket in Redis (SPP_RATE_LIMIT_PER_S, SPP_RATE_LIMIT_BURST)
 * shared by every API process. With Redis down requests go through, and the log and the
 * metrics say so. */
#ifndef SPP_RATELIMIT_H
#define SPP_RATELIMIT_H

#include "req.h"

void ratelimit_configure(int per_s, int burst);
/* Takes one token for the caller's key; answers 429 + Retry-After and returns -1 when the
 * bucket is empty. */
int ratelimit_take(struct req *r);
/* Requests let through because Redis could not be asked (for /metrics). */
unsigned long long ratelimit_bypassed(void);

#endif
