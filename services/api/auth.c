#include "auth.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "monotime.h"
#include "token.h"

#define AUTH_SLOTS 4096

struct auth_slot {
    char hash[TOKEN_HASH_HEX];
    int known; /* 0: no such live key (a cached refusal) */
    struct principal principal;
    int64_t expires_us;
};

static char auth_admin_hash[TOKEN_HASH_HEX];
static int64_t auth_ttl_us = 2000000;
static struct auth_slot auth_cache[AUTH_SLOTS];
static pthread_mutex_t auth_mu = PTHREAD_MUTEX_INITIALIZER;

const struct db_stmt auth_statements[] = {
    /* The key and the hub above what it is bound to (training sessions are shown by hub). */
    [AUTH_KEY] = {"auth_key",
                  "SELECT k.id, k.role, k.scope_id, COALESCE(k.hub_id, p1.hub_id, p2.hub_id, "
                  "p3.hub_id) AS hub_id "
                  "FROM api_keys k LEFT JOIN partnerships p1 ON p1.id = k.partnership_id "
                  "LEFT JOIN schools s2 ON s2.id = k.school_id "
                  "LEFT JOIN partnerships p2 ON p2.id = s2.partnership_id "
                  "LEFT JOIN people pe3 ON pe3.id = k.person_id "
                  "LEFT JOIN schools s3 ON s3.id = pe3.school_id "
                  "LEFT JOIN partnerships p3 ON p3.id = s3.partnership_id "
                  "WHERE k.token_hash = $token_hash AND k.revoked_at IS NULL"},
    {NULL, NULL},
};

void auth_init(const char *admin_token, int cache_ms)
{
    auth_admin_hash[0] = '\0';
    if (admin_token && *admin_token)
        token_hash(admin_token, strlen(admin_token), auth_admin_hash);
    auth_ttl_us = (int64_t)cache_ms * 1000;
}

static void auth_unauthorized(struct req *r, const char *detail)
{
    req_header(r, "WWW-Authenticate", "Bearer realm=\"spp\"");
    req_problem(r, 401, "unauthorized", detail);
}

/* The cache is direct-mapped on the first hex digits of the hash: a collision only evicts. */
static struct auth_slot *auth_slot_for(const char *hash)
{
    unsigned idx = 0;
    for (int i = 0; i < 3; i++) {
        char c = hash[i];
        idx = idx * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return &auth_cache[idx % AUTH_SLOTS];
}

int auth_check(struct req *r)
{
    const char *h = r->authorization;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        auth_unauthorized(r, "Send Authorization: Bearer <token>.");
        return -1;
    }
    const char *token = h + 7;
    while (*token == ' ')
        token++;
    size_t len = strlen(token);
    if (len == 0 || len > 512) {
        auth_unauthorized(r, "The bearer token is not valid.");
        return -1;
    }
    char hash[TOKEN_HASH_HEX];
    token_hash(token, len, hash);
    if (auth_admin_hash[0] && token_equal(hash, auth_admin_hash, TOKEN_HASH_HEX - 1)) {
        memset(&r->principal, 0, sizeof r->principal);
        r->principal.role = ROLE_ADMIN;
        return 0;
    }

    int64_t now = monotime_now_us();
    struct auth_slot *slot = auth_slot_for(hash);
    pthread_mutex_lock(&auth_mu);
    int hit = slot->expires_us > now && !strcmp(slot->hash, hash);
    int known = slot->known;
    if (hit && known)
        r->principal = slot->principal;
    pthread_mutex_unlock(&auth_mu);
    if (hit) {
        if (!known) {
            auth_unauthorized(r, "The bearer token is not valid.");
            return -1;
        }
        return 0;
    }

    PGresult *res = req_db(r, &auth_statements[AUTH_KEY], DB_ARGS({"token_hash", hash}));
    if (!res)
        return -1;
    struct auth_slot fresh;
    memset(&fresh, 0, sizeof fresh);
    memcpy(fresh.hash, hash, sizeof fresh.hash);
    fresh.expires_us = now + auth_ttl_us;
    if (PQntuples(res) == 1) {
        fresh.known = 1;
        snprintf(fresh.principal.key_id, sizeof fresh.principal.key_id, "%s",
                 db_value(res, 0, "id"));
        scope_role_parse(db_value(res, 0, "role"), &fresh.principal.role);
        const char *scope = db_value_or_null(res, 0, "scope_id"),
                   *hub = db_value_or_null(res, 0, "hub_id");
        snprintf(fresh.principal.scope_id, sizeof fresh.principal.scope_id, "%s",
                 scope ? scope : "");
        snprintf(fresh.principal.hub_id, sizeof fresh.principal.hub_id, "%s", hub ? hub : "");
    }
    if (auth_ttl_us > 0) {
        pthread_mutex_lock(&auth_mu);
        *slot = fresh;
        pthread_mutex_unlock(&auth_mu);
    }
    if (!fresh.known) {
        auth_unauthorized(r, "The bearer token is not valid.");
        return -1;
    }
    r->principal = fresh.principal;
    return 0;
}
