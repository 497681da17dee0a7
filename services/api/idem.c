#include "idem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "router.h"
#include "token.h"
#include "xalloc.h"

const struct db_stmt idem_statements[] = {
    [IDEM_LOCK] =
        {"idem_lock",
         "SELECT pg_try_advisory_xact_lock(hashtextextended($owner || ':' || $key, 7)) AS locked"},
    [IDEM_GET] =
        {"idem_get",
         "SELECT request_hash, status, location, etag, body FROM idempotency_keys "
         "WHERE owner = $owner AND key = $key AND created_at > now() - interval '24 hours'"},
    [IDEM_PUT] =
        {"idem_put",
         "INSERT INTO idempotency_keys (owner, key, request_hash, status, location, etag, body) "
         "VALUES ($owner, $key, $request_hash, $status, $location, $etag, $body) "
         "ON CONFLICT (owner, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, "
         "status = EXCLUDED.status, location = EXCLUDED.location, etag = EXCLUDED.etag, "
         "body = EXCLUDED.body, created_at = now()"},
    {NULL, NULL},
};

static const char *idem_owner(const struct req *r)
{
    return r->principal.key_id[0] ? r->principal.key_id : "admin-token";
}

int idem_key_check(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n < 1 || n > 255)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (key[i] < ' ' || key[i] >= 0x7F)
            return -1;
    return 0;
}

void idem_request_hash(const char *pattern, const char *path, const char *body, size_t body_len,
                       char *hex)
{
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "%s %s\n", pattern, path);
    buf_append(&b, body, body_len);
    token_hash(b.data, b.len, hex);
    buf_cleanup(&b);
}

int idem_begin(struct req *r)
{
    const char *key = r->idempotency_key;
    if (idem_key_check(key) != 0) {
        req_invalid_field(r, "Idempotency-Key", "format",
                          "must be 1 to 255 printable ASCII characters");
        return -1;
    }
    const char *owner = idem_owner(r);
    /* Both statements take the record's owner and key. */
    const struct db_arg record[] = {{"owner", owner}, {"key", key}};
    PGresult *res = req_db(r, &idem_statements[IDEM_LOCK], sizeof record / sizeof *record, record);
    if (!res)
        return -1;
    if (strcmp(db_value(res, 0, "locked"), "t") != 0) {
        req_header(r, "Retry-After", "1");
        req_problem(r, 409, "conflict",
                    "A request with this Idempotency-Key is still being processed.");
        return -1;
    }
    res = req_db(r, &idem_statements[IDEM_GET], sizeof record / sizeof *record, record);
    if (!res)
        return -1;
    if (PQntuples(res) == 0)
        return 0;
    char hash[TOKEN_HASH_HEX];
    idem_request_hash(r->route->pattern, r->path, r->body, r->body_len, hash);
    if (strcmp(hash, db_value(res, 0, "request_hash")) != 0) {
        req_problem(r, 422, "idempotency_key_reused",
                    "This Idempotency-Key was used with a different request.");
        return -1;
    }
    int status = atoi(db_value(res, 0, "status"));
    const char *location = db_value_or_null(res, 0, "location"),
               *etag = db_value_or_null(res, 0, "etag"), *body = db_value_or_null(res, 0, "body");
    if (location)
        req_header(r, "Location", location);
    if (etag)
        req_header(r, "ETag", etag);
    req_header(r, "Idempotent-Replayed", "true");
    if (body)
        req_reply_text(r, status, body);
    else
        req_reply_empty(r, status);
    r->replayed = 1;
    return -1;
}

static const char *idem_header(const struct req *r, const char *name)
{
    for (int i = 0; i < r->nresp_headers; i++)
        if (!strcmp(r->resp_headers[i][0], name))
            return r->resp_headers[i][1];
    return NULL;
}

void idem_store(struct req *r)
{
    if (r->replayed || r->status < 200 || r->status >= 300)
        return;
    /* A stored answer never holds a token or a secret. */
    char *body = NULL;
    if (r->resp_body) {
        json_t *j = json_loadb(r->resp_body, r->resp_len, 0, NULL);
        if (json_is_object(j)) {
            json_object_del(j, "token");
            json_object_del(j, "secret");
            body = json_dumps(j, JSON_COMPACT);
        }
        json_decref(j);
    }
    char hash[TOKEN_HASH_HEX], status[8];
    idem_request_hash(r->route->pattern, r->path, r->body, r->body_len, hash);
    snprintf(status, sizeof status, "%d", r->status);
    PGresult *res = db_exec(r->hc->db, &idem_statements[IDEM_PUT],
                            DB_ARGS({"owner", idem_owner(r)}, {"key", r->idempotency_key},
                                    {"request_hash", hash}, {"status", status},
                                    {"location", idem_header(r, "Location")},
                                    {"etag", idem_header(r, "ETag")}, {"body", body}));
    if (res)
        PQclear(res);
    free(body);
}
