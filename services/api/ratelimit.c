#include "ratelimit.h"

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "redis.h"

static int ratelimit_rate = 50, ratelimit_burst = 100;
static atomic_ullong ratelimit_bypass_count;
static atomic_llong ratelimit_last_warn_us;

/* The bucket is refilled from the time elapsed since its last use, on Redis's own clock so
 * that every API process agrees. Returns {allowed, microseconds until a token}. */
static const char ratelimit_script[] =
    "local rate = tonumber(ARGV[1]) local burst = tonumber(ARGV[2]) "
    "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000000 + tonumber(t[2]) "
    "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts') "
    "local tokens = tonumber(b[1]) or burst local ts = tonumber(b[2]) or now "
    "tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000000) "
    "local allowed, wait = 0, 0 "
    "if tokens >= 1 then tokens = tokens - 1 allowed = 1 "
    "else wait = math.ceil((1 - tokens) * 1000000 / rate) end "
    "redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now)) "
    "redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000) "
    "return {allowed, wait}";

/* The script's SHA-1, so that a request sends EVALSHA and 40 bytes rather than the script. */
static char ratelimit_sha[41];

void ratelimit_configure(int per_s, int burst)
{
    ratelimit_rate = per_s;
    ratelimit_burst = burst;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(ratelimit_script, sizeof ratelimit_script - 1, md, &n, EVP_sha1(), NULL);
    for (unsigned int i = 0; i < n && i < 20; i++)
        snprintf(ratelimit_sha + 2 * i, 3, "%02x", md[i]);
}

unsigned long long ratelimit_bypassed(void)
{
    return atomic_load(&ratelimit_bypass_count);
}

static void ratelimit_bypass(void)
{
    atomic_fetch_add(&ratelimit_bypass_count, 1);
    /* One warning a minute at most, however many requests pass unchecked. */
    long long now = req_now_us(), last = atomic_load(&ratelimit_last_warn_us);
    if (now - last > 60000000 &&
        atomic_compare_exchange_strong(&ratelimit_last_warn_us, &last, now))
        log_warn("rate limiting is off while Redis is unreachable: requests pass unchecked");
}

int ratelimit_take(struct req *r)
{
    char key[64], rate[16], burst[16];
    snprintf(key, sizeof key, "spp:rl:%s", r->principal.key_id[0] ? r->principal.key_id : "admin");
    snprintf(rate, sizeof rate, "%d", ratelimit_rate);
    snprintf(burst, sizeof burst, "%d", ratelimit_burst);
    const char *argv[] = {"EVALSHA", ratelimit_sha, "1", key, rate, burst};
    size_t lens[] = {7, 40, 1, strlen(key), strlen(rate), strlen(burst)};
    redisReply *rep = redis_command_argv(r->hc->redis, 6, argv, lens);
    if (rep && rep->type == REDIS_REPLY_ERROR && !strncmp(rep->str, "NOSCRIPT", 8)) {
        /* A Redis that has not seen the script yet (or restarted empty): EVAL loads it. */
        freeReplyObject(rep);
        argv[0] = "EVAL";
        argv[1] = ratelimit_script;
        lens[0] = 4;
        lens[1] = sizeof ratelimit_script - 1;
        rep = redis_command_argv(r->hc->redis, 6, argv, lens);
    }
    if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
        if (rep && rep->type == REDIS_REPLY_ERROR)
            log_warn("rate limit script failed: %s", rep->str);
        if (rep)
            freeReplyObject(rep);
        ratelimit_bypass();
        return 0;
    }
    long long allowed = rep->element[0]->integer, wait_us = rep->element[1]->integer;
    freeReplyObject(rep);
    if (allowed)
        return 0;
    char retry[24];
    snprintf(retry, sizeof retry, "%lld", (wait_us + 999999) / 1000000);
    req_header(r, "Retry-After", retry);
    req_problem(r, 429, "rate_limited", "Too many requests for this key; slow down.");
    return -1;
}
