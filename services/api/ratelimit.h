/* Per-key rate limiting: a token bucket in Redis (SPP_RATE_LIMIT_PER_S, SPP_RATE_LIMIT_BURST)
 * shared by every API process, which takes its tokens a batch at a time (see ratelimit.c).
 * With Redis down requests go through, and the log and the metrics say so. */
#ifndef SPP_RATELIMIT_H
#define SPP_RATELIMIT_H

#include <stdint.h>

#include "req.h"

void ratelimit_configure(int per_s, int burst);
/* Takes one token for the caller's key; answers 429 + Retry-After and returns -1 when the
 * bucket is empty. */
int ratelimit_take(struct req *r);
/* The most tokens a process takes from a key's bucket at once: at most 50 ms of the rate and a
 * tenth of the burst, and at least 1 (so that small limits stay exact). Pure. */
int ratelimit_batch_size(int per_s, int burst);
/* Requests let through because Redis could not be asked (for /metrics). */
unsigned long long ratelimit_bypassed(void);

/* Before authentication (DESIGN §3): failed authentications per client address, at most
 * failures_per_min (SPP_AUTH_FAIL_PER_MIN) in a minute, counted in this process. */
void ratelimit_auth_configure(int failures_per_min);
/* 1 when peer used up its failures of the current minute; sets the seconds until the window
 * ends. Cheap (no hashing of tokens, no network): for the loop thread. Thread-safe. */
int ratelimit_auth_blocked(const char *peer, int64_t now_us, int *retry_after_s);
/* Counts one request from peer that carried no valid key. Thread-safe. */
void ratelimit_auth_failed(const char *peer, int64_t now_us);
/* Requests refused by ratelimit_auth_blocked (for /metrics). */
unsigned long long ratelimit_auth_refused(void);

#endif
