#include "ratelimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "monotime.h"
#include "redis.h"

static int ratelimit_rate = 50, ratelimit_burst = 100, ratelimit_batch = 1;
static atomic_ullong ratelimit_bypass_count;
static atomic_llong ratelimit_last_warn_us;

/* The bucket is refilled from the time elapsed since its last use, on Redis's own clock so
 * that every API process agrees. It hands out up to ARGV[3] whole tokens at once (at least
 * one, or none when it holds less than one). Returns {tokens granted, microseconds until a
 * token}. */
static const char ratelimit_script[] =
    "local rate = tonumber(ARGV[1]) local burst = tonumber(ARGV[2]) "
    "local want = tonumber(ARGV[3]) "
    "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000000 + tonumber(t[2]) "
    "local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts') "
    "local tokens = tonumber(b[1]) or burst local ts = tonumber(b[2]) or now "
    "tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000000) "
    "local granted, wait = 0, 0 "
    "if tokens >= 1 then granted = math.min(want, math.floor(tokens)) tokens = tokens - granted "
    "else wait = math.ceil((1 - tokens) * 1000000 / rate) end "
    "redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now)) "
    "redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000) "
    "return {granted, wait}";

/* The script's SHA-1, so that a request sends EVALSHA and 40 bytes rather than the script. */
static char ratelimit_sha[41];

/* ---- tokens taken ahead ----
 * Each process takes a key's tokens from Redis several at a time and spends them locally for
 * at most RATELIMIT_LEASE_US, so that a busy key costs a Redis round trip per batch rather
 * than per request. The batch a key asks for starts at 1, doubles while every batch is spent
 * within its lease, halves when one was not, and never exceeds ratelimit_batch: at most 50 ms
 * of the key's rate and a tenth of its burst (1 with small limits, which keeps them exact).
 * One thread at a time asks for a batch; the others ask for a single token meanwhile. So
 * across processes a key is never let through more than its bucket gave out, and each
 * process may hold back (and let expire) at most one batch. A table of RATELIMIT_KEY_SETS sets
 * of RATELIMIT_KEY_WAYS entries, fixed memory: a new key takes the entry of its set that
 * expires first (its tokens are dropped, which only makes the limit stricter). */
#define RATELIMIT_KEY_SETS 256
#define RATELIMIT_KEY_WAYS 4
#define RATELIMIT_LEASE_US 100000LL

struct ratelimit_lease {
    char key[64];
    int64_t expires_us;
    int tokens;    /* granted, not spent yet */
    int want;      /* the next batch to ask for */
    int refilling; /* a thread is asking Redis for a batch */
};

static struct ratelimit_lease ratelimit_leases[RATELIMIT_KEY_SETS][RATELIMIT_KEY_WAYS];
static pthread_mutex_t ratelimit_lease_mu = PTHREAD_MUTEX_INITIALIZER;

int ratelimit_batch_size(int per_s, int burst)
{
    int batch = per_s / 20 < burst / 10 ? per_s / 20 : burst / 10;
    return batch > 1 ? batch : 1;
}

void ratelimit_configure(int per_s, int burst)
{
    ratelimit_rate = per_s;
    ratelimit_burst = burst;
    ratelimit_batch = ratelimit_batch_size(per_s, burst);
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
    long long now = monotime_now_us(), last = atomic_load(&ratelimit_last_warn_us);
    if (now - last > 60000000 &&
        atomic_compare_exchange_strong(&ratelimit_last_warn_us, &last, now))
        log_warn("rate limiting is off while Redis is unreachable: requests pass unchecked");
}

/* The lease of key, made in place of the entry of its set that expires first when there is
 * none. Caller holds ratelimit_lease_mu. */
static struct ratelimit_lease *ratelimit_lease_find(const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *c = key; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ULL;
    struct ratelimit_lease *set = ratelimit_leases[h % RATELIMIT_KEY_SETS];
    struct ratelimit_lease *spare = &set[0];
    for (int w = 0; w < RATELIMIT_KEY_WAYS; w++) {
        if (!strcmp(set[w].key, key))
            return &set[w];
        if (set[w].expires_us < spare->expires_us)
            spare = &set[w];
    }
    snprintf(spare->key, sizeof spare->key, "%s", key);
    spare->tokens = 0;
    spare->expires_us = 0;
    spare->want = 1;
    spare->refilling = 0;
    return spare;
}

/* Spends one token of key's lease and returns 0 when there is one; else returns how many to
 * ask Redis for, and sets *batch when this thread is the one asking for the key's batch. */
static int ratelimit_lease_take(const char *key, int64_t now, int *batch)
{
    int want = 0;
    *batch = 0;
    pthread_mutex_lock(&ratelimit_lease_mu);
    struct ratelimit_lease *e = ratelimit_lease_find(key);
    if (e->tokens > 0 && now < e->expires_us) {
        e->tokens--;
    } else if (e->refilling) {
        want = 1;
    } else {
        if (e->tokens > 0 && e->want > 1)
            e->want /= 2; /* the last batch outlived its lease */
        e->tokens = 0;
        e->refilling = 1;
        *batch = 1;
        want = e->want;
    }
    pthread_mutex_unlock(&ratelimit_lease_mu);
    return want;
}

/* Keeps what Redis granted beyond the token this request spends. */
static void ratelimit_lease_keep(const char *key, int batch, int want, long long granted,
                                 int64_t now)
{
    pthread_mutex_lock(&ratelimit_lease_mu);
    struct ratelimit_lease *e = ratelimit_lease_find(key);
    if (batch) {
        e->refilling = 0;
        if (granted == want && want < ratelimit_batch)
            e->want = want * 2 < ratelimit_batch ? want * 2 : ratelimit_batch;
    }
    if (granted > 1) {
        if (now >= e->expires_us)
            e->tokens = 0;
        long long t = e->tokens + granted - 1;
        e->tokens = t < ratelimit_batch ? (int)t : ratelimit_batch;
        e->expires_us = now + RATELIMIT_LEASE_US;
    }
    pthread_mutex_unlock(&ratelimit_lease_mu);
}

int ratelimit_take(struct req *r)
{
    char key[64], rate[16], burst[16], want[16];
    /* snprintf(key, 64, "spp:rl:%s", ...) without its cost on every request. */
    const char *id = r->principal.key_id[0] ? r->principal.key_id : "admin";
    size_t n = strnlen(id, sizeof key - 8);
    memcpy(key, "spp:rl:", 7);
    memcpy(key + 7, id, n);
    key[7 + n] = '\0';
    int64_t now = monotime_now_us();
    int batch;
    int wanted = ratelimit_lease_take(key, now, &batch);
    if (!wanted)
        return 0;
    snprintf(rate, sizeof rate, "%d", ratelimit_rate);
    snprintf(burst, sizeof burst, "%d", ratelimit_burst);
    snprintf(want, sizeof want, "%d", wanted);
    const char *argv[] = {"EVALSHA", ratelimit_sha, "1", key, rate, burst, want};
    size_t lens[] = {7, 40, 1, strlen(key), strlen(rate), strlen(burst), strlen(want)};
    redisReply *rep = redis_command_argv(r->hc->redis, 7, argv, lens);
    if (rep && rep->type == REDIS_REPLY_ERROR && !strncmp(rep->str, "NOSCRIPT", 8)) {
        /* A Redis that has not seen the script yet (or restarted empty): EVAL loads it. */
        freeReplyObject(rep);
        argv[0] = "EVAL";
        argv[1] = ratelimit_script;
        lens[0] = 4;
        lens[1] = sizeof ratelimit_script - 1;
        rep = redis_command_argv(r->hc->redis, 7, argv, lens);
    }
    if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
        if (rep && rep->type == REDIS_REPLY_ERROR)
            log_warn("rate limit script failed: %s", rep->str);
        if (rep)
            freeReplyObject(rep);
        ratelimit_lease_keep(key, batch, wanted, 0, now);
        ratelimit_bypass();
        return 0;
    }
    long long granted = rep->element[0]->integer, wait_us = rep->element[1]->integer;
    freeReplyObject(rep);
    ratelimit_lease_keep(key, batch, wanted, granted, now);
    if (granted > 0)
        return 0;
    char retry[24];
    snprintf(retry, sizeof retry, "%lld", (wait_us + 999999) / 1000000);
    req_header(r, "Retry-After", retry);
    req_problem(r, 429, "rate_limited", "Too many requests for this key; slow down.");
    return -1;
}

/* ---- before authentication ----
 * Failed authentications per client address, in this process: a table of RATELIMIT_SETS
 * sets of RATELIMIT_WAYS entries, each a fixed one-minute window that starts at an address's
 * first failure. It needs no Redis round trip, so the loop thread checks it before a request
 * reaches its handler, and it keeps working while Redis is down. Memory is fixed: a new
 * address takes an expired entry of its set or the one with the fewest failures. */
#define RATELIMIT_SETS   1024
#define RATELIMIT_WAYS   4
#define RATELIMIT_WINDOW 60000000LL /* microseconds */

struct ratelimit_addr {
    unsigned char key[17]; /* family byte, then the address (an IPv6 address by its /64) */
    int64_t window_start_us;
    int failures;
};

static struct ratelimit_addr ratelimit_addrs[RATELIMIT_SETS][RATELIMIT_WAYS];
static pthread_mutex_t ratelimit_addr_mu = PTHREAD_MUTEX_INITIALIZER;
static int ratelimit_auth_per_min = 60;
static uint64_t ratelimit_seed;
static atomic_ullong ratelimit_auth_refused_count;

void ratelimit_auth_configure(int failures_per_min)
{
    ratelimit_auth_per_min = failures_per_min;
    /* A secret seed, so that nobody can pick addresses that share a set. */
    RAND_bytes((unsigned char *)&ratelimit_seed, sizeof ratelimit_seed);
}

static void ratelimit_addr_key(const char *peer, unsigned char key[17])
{
    struct in_addr a4;
    struct in6_addr a6;
    memset(key, 0, 17);
    if (inet_pton(AF_INET, peer, &a4) == 1) {
        key[0] = 4;
        memcpy(key + 1, &a4, 4);
    } else if (inet_pton(AF_INET6, peer, &a6) == 1 && IN6_IS_ADDR_V4MAPPED(&a6)) {
        key[0] = 4;
        memcpy(key + 1, a6.s6_addr + 12, 4);
    } else if (inet_pton(AF_INET6, peer, &a6) == 1) {
        key[0] = 6;
        memcpy(key + 1, a6.s6_addr, 8); /* one host usually holds a whole /64 */
    } else {
        key[0] = 1;
        size_t n = strlen(peer);
        memcpy(key + 1, peer, n < 16 ? n : 16);
    }
}

/* What an entry is worth keeping: an unused or expired one nothing, else its failures. */
static int ratelimit_addr_worth(const struct ratelimit_addr *e, int64_t now)
{
    if (!e->window_start_us || now - e->window_start_us >= RATELIMIT_WINDOW)
        return -1;
    return e->failures;
}

/* The entry of key; when there is none, NULL, or with create a fresh one in place of the
 * entry of its set worth least. Caller holds ratelimit_addr_mu. */
static struct ratelimit_addr *ratelimit_addr_find(const unsigned char key[17], int create,
                                                  int64_t now)
{
    uint64_t h = 1469598103934665603ULL ^ ratelimit_seed;
    for (int i = 0; i < 17; i++)
        h = (h ^ key[i]) * 1099511628211ULL;
    struct ratelimit_addr *set = ratelimit_addrs[h % RATELIMIT_SETS];
    struct ratelimit_addr *spare = NULL;
    for (int w = 0; w < RATELIMIT_WAYS; w++) {
        struct ratelimit_addr *e = &set[w];
        if (e->window_start_us && !memcmp(e->key, key, 17))
            return e;
        if (!spare || ratelimit_addr_worth(e, now) < ratelimit_addr_worth(spare, now))
            spare = e;
    }
    if (!create)
        return NULL;
    memcpy(spare->key, key, 17);
    spare->window_start_us = now;
    spare->failures = 0;
    return spare;
}

int ratelimit_auth_blocked(const char *peer, int64_t now_us, int *retry_after_s)
{
    if (!peer)
        return 0;
    unsigned char key[17];
    ratelimit_addr_key(peer, key);
    int blocked = 0;
    pthread_mutex_lock(&ratelimit_addr_mu);
    struct ratelimit_addr *e = ratelimit_addr_find(key, 0, now_us);
    if (e && now_us - e->window_start_us < RATELIMIT_WINDOW &&
        e->failures >= ratelimit_auth_per_min) {
        blocked = 1;
        int64_t left = e->window_start_us + RATELIMIT_WINDOW - now_us;
        *retry_after_s = (int)((left + 999999) / 1000000);
    }
    pthread_mutex_unlock(&ratelimit_addr_mu);
    if (blocked)
        atomic_fetch_add(&ratelimit_auth_refused_count, 1);
    return blocked;
}

void ratelimit_auth_failed(const char *peer, int64_t now_us)
{
    if (!peer)
        return;
    unsigned char key[17];
    ratelimit_addr_key(peer, key);
    pthread_mutex_lock(&ratelimit_addr_mu);
    struct ratelimit_addr *e = ratelimit_addr_find(key, 1, now_us);
    if (now_us - e->window_start_us >= RATELIMIT_WINDOW) {
        e->window_start_us = now_us;
        e->failures = 0;
    }
    e->failures++;
    pthread_mutex_unlock(&ratelimit_addr_mu);
}

unsigned long long ratelimit_auth_refused(void)
{
    return atomic_load(&ratelimit_auth_refused_count);
}
