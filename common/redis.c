#include "redis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monotime.h"
#include "validate.h"
#include "xalloc.h"

struct redis {
    struct redis_addr addr;
    int timeout_ms;
    redisContext *ctx;
    /* After a failed connect, further attempts wait a second, so that an unreachable Redis
     * costs callers (every API request publishes and rate-limits) one timeout a second at
     * most rather than one each. */
    int64_t retry_at_us;
};

int redis_parse_url(const char *url, struct redis_addr *out)
{
    memset(out, 0, sizeof *out);
    out->port = 6379;
    if (strncmp(url, "redis://", 8) != 0)
        return -1;
    const char *p = url + 8;
    const char *at = strchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon ? colon + 1 : p;
        size_t n = (size_t)(at - pw);
        if (n >= sizeof out->password)
            return -1;
        memcpy(out->password, pw, n);
        p = at + 1;
    }
    size_t hostlen = strcspn(p, ":/");
    if (hostlen == 0 || hostlen >= sizeof out->host)
        return -1;
    memcpy(out->host, p, hostlen);
    p += hostlen;
    long v;
    if (*p == ':') {
        char num[8];
        size_t n = strcspn(p + 1, "/");
        if (n == 0 || n >= sizeof num)
            return -1;
        memcpy(num, p + 1, n);
        num[n] = '\0';
        if (!validate_long(num, 1, 65535, &v))
            return -1;
        out->port = (int)v;
        p += 1 + n;
    }
    if (*p == '/') {
        if (p[1] != '\0') {
            if (!validate_long(p + 1, 0, 1000, &v))
                return -1;
            out->db = (int)v;
        }
    } else if (*p) {
        return -1;
    }
    return 0;
}

struct redis *redis_new(const struct redis_addr *addr, int timeout_ms)
{
    struct redis *r = xcalloc(1, sizeof *r);
    r->addr = *addr;
    r->timeout_ms = timeout_ms;
    return r;
}

void redis_free(struct redis *r)
{
    if (!r)
        return;
    if (r->ctx)
        redisFree(r->ctx);
    free(r);
}

static void redis_drop(struct redis *r)
{
    if (r->ctx) {
        redisFree(r->ctx);
        r->ctx = NULL;
    }
}

int redis_ensure(struct redis *r, char *err, size_t errlen)
{
    if (r->ctx && !r->ctx->err)
        return 0;
    redis_drop(r);
    if (monotime_now_us() < r->retry_at_us) {
        snprintf(err, errlen, "Redis at %s:%d was unreachable a moment ago", r->addr.host,
                 r->addr.port);
        return -1;
    }
    struct timeval tv = {r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000};
    r->ctx = redisConnectWithTimeout(r->addr.host, r->addr.port, tv);
    if (!r->ctx || r->ctx->err) {
        r->retry_at_us = monotime_now_us() + 1000000;
        snprintf(err, errlen, "connecting to Redis at %s:%d: %s", r->addr.host, r->addr.port,
                 r->ctx ? r->ctx->errstr : "out of memory");
        redis_drop(r);
        return -1;
    }
    redisSetTimeout(r->ctx, tv);
    redisReply *rep = NULL;
    if (r->addr.password[0])
        rep = redisCommand(r->ctx, "AUTH %s", r->addr.password);
    if (r->addr.password[0] && (!rep || rep->type == REDIS_REPLY_ERROR)) {
        snprintf(err, errlen, "Redis refused the password");
        goto fail;
    }
    if (rep)
        freeReplyObject(rep);
    rep = NULL;
    if (r->addr.db) {
        rep = redisCommand(r->ctx, "SELECT %d", r->addr.db);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "Redis refused SELECT %d", r->addr.db);
            goto fail;
        }
        freeReplyObject(rep);
    }
    return 0;
fail:
    if (rep)
        freeReplyObject(rep);
    redis_drop(r);
    return -1;
}

static redisReply *redis_checked(struct redis *r, redisReply *rep)
{
    if (!rep || r->ctx->err) {
        if (rep)
            freeReplyObject(rep);
        redis_drop(r);
        return NULL;
    }
    return rep;
}

redisReply *redis_command(struct redis *r, const char *fmt, ...)
{
    char err[512];
    if (redis_ensure(r, err, sizeof err) != 0)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(r->ctx, fmt, ap);
    va_end(ap);
    return redis_checked(r, rep);
}

redisReply *redis_command_argv(struct redis *r, int argc, const char **argv, const size_t *lens)
{
    char err[512];
    if (redis_ensure(r, err, sizeof err) != 0)
        return NULL;
    return redis_checked(r, redisCommandArgv(r->ctx, argc, argv, lens));
}
