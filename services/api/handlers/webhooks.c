/* /v1/webhooks: an integration's subscriptions to events (DESIGN §2, §4). Admin keys see and
 * delete every subscription; a hub key only those it created (others answer 404); other roles
 * are refused with 403. The signing secret is returned once, by the POST that creates it, and
 * stored encrypted under SPP_WEBHOOK_KEY (common/secretbox.h): the worker needs it back to
 * sign. Without that key the service has no webhooks (503). */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "handlers.h"
#include "list.h"
#include "log.h"
#include "resource.h"
#include "secretbox.h"
#include "webhook.h"

/* "whsec_" + 43 URL-safe base64 characters of 32 random bytes. */
#define WEBHOOKS_SECRET_LEN 49
/* Subscriptions one key may hold (the bootstrap admin token counts as one key): each is a
 * delivery per event, so this bounds the fan-out one key can cause. */
#define WEBHOOKS_PER_KEY_MAX 25

const struct db_stmt webhooks_statements[] = {
    [WEBHOOK_INSERT] = {"webhook_insert",
                        "INSERT INTO webhooks (id, url, events, secret_enc, api_key_id) "
                        "VALUES ($id, $url, $events::text[], $secret_enc, $api_key_id) "
                        "RETURNING webhook_json(webhooks)::text AS json, version"},
    /* The owner column is the key that created it (NULL for the bootstrap admin token). */
    [WEBHOOK_GET] = {"webhook_get", "SELECT webhook_json(w)::text AS json, w.version, w.api_key_id "
                                    "FROM webhooks w WHERE w.id = $id"},
    [WEBHOOK_LOCK] =
        {"webhook_lock",
         "SELECT webhook_json(w)::text AS json, w.version, w.api_key_id FROM webhooks w "
         "WHERE w.id = $id FOR UPDATE"},
    [WEBHOOK_DELETE] = {"webhook_delete", "DELETE FROM webhooks WHERE id = $id RETURNING id"},
    /* Serialises creates by one key ($api_key_id; NULL for the bootstrap admin token) until
     * commit. */
    [WEBHOOK_OWNER_LOCK] = {"webhook_owner_lock",
                            "SELECT pg_advisory_xact_lock(hashtextextended('webhooks:' || "
                            "COALESCE($api_key_id::text, ''), 0))"},
    [WEBHOOK_OWNER_COUNT] = {"webhook_owner_count",
                             "SELECT count(*) AS hooks FROM webhooks "
                             "WHERE api_key_id IS NOT DISTINCT FROM $api_key_id::uuid"},
    {NULL, NULL},
};

/* events is checked by webhooks_check_events: validate has no list-of-enum type. */
static const struct vfield webhook_fields[] = {
    {"url", V_URL, V_REQUIRED, WEBHOOK_URL_MAX, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield webhook_filters[] = {
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* Admin and hub keys manage webhooks; everyone else gets 403. */
static int webhooks_role(struct req *r)
{
    if (r->principal.role == ROLE_ADMIN || r->principal.role == ROLE_HUB)
        return 0;
    req_problem(r, 403, "forbidden", "Only admin and hub keys manage webhooks.");
    return -1;
}

/* The owner filter of the caller: NULL for admin (everything), else its key id. */
static const char *webhooks_owner(const struct req *r)
{
    return r->principal.role == ROLE_ADMIN ? NULL : r->principal.key_id;
}

/* Loads the path's subscription (locked for a delete) and answers 404 when there is none or
 * the caller does not own it. Columns: json, version, api_key_id. NULL after answering. */
static PGresult *webhooks_load(struct req *r, int lock)
{
    PGresult *res =
        req_db(r, lock ? &webhooks_statements[WEBHOOK_LOCK] : &webhooks_statements[WEBHOOK_GET],
               DB_ARGS({"id", req_param(r, "id")}));
    if (!res)
        return NULL;
    const char *owner = webhooks_owner(r);
    const char *key = PQntuples(res) ? db_value_or_null(res, 0, "api_key_id") : NULL;
    if (PQntuples(res) == 0 || (owner && (!key || strcmp(owner, key) != 0))) {
        req_problem(r, 404, "not_found", "No such webhook.");
        return NULL;
    }
    return res;
}

/* Checks body.events: a non-empty array of distinct known event types, at most one of each
 * (DESIGN §3 "Bounded work"). A longer array is refused with one problem before any item is
 * looked at; a duplicated type is reported once, at its second place, however often it comes
 * again. Adds problems to errors; returns the PostgreSQL array literal (arena) when all is
 * well, else NULL. */
static const char *webhooks_check_events(struct req *r, json_t *errors)
{
    const json_t *events = json_object_get(r->json, "events");
    if (!events) {
        validate_add(errors, "/events", "required", "is required");
        return NULL;
    }
    if (!json_is_array(events) || json_array_size(events) == 0) {
        validate_add(errors, "/events", "type", "must be a non-empty array of event types");
        return NULL;
    }
    size_t max = webhook_event_count();
    if (json_array_size(events) > max) {
        validate_add(errors, "/events", "max_items",
                     "must have at most %zu items: each event type once", max);
        return NULL;
    }
    struct buf literal;
    buf_init(&literal);
    buf_putc(&literal, '{');
    int bad = 0;
    unsigned seen = 0, reported = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(events, i, e)
    {
        const char *type = json_string_value(e);
        int k = webhook_event_index(type);
        char field[32];
        snprintf(field, sizeof field, "/events/%zu", i);
        if (k < 0) {
            validate_add(errors, field, "enum",
                         "must be one of review.transitioned, champion.assigned, "
                         "champion.unassignable, digest.published, booking.changed, "
                         "review_plan.ready");
            bad = 1;
            continue;
        }
        if (seen & (1u << k)) {
            if (!(reported & (1u << k)))
                validate_add(errors, field, "duplicate", "is listed twice");
            reported |= 1u << k;
            bad = 1;
            continue;
        }
        seen |= 1u << k;
        buf_printf(&literal, "%s%s", literal.len > 1 ? "," : "", type); /* no quoting needed */
    }
    buf_putc(&literal, '}');
    const char *out = bad ? NULL : arena_strdup(&r->arena, literal.data);
    buf_cleanup(&literal);
    return out;
}

/* Checks body.url beyond its form, without waiting on any resolver (DESIGN §3: a handler
 * thread never waits on DNS): a URL a webhook may have, whose host is not a private or
 * loopback address written as such (unless SPP_WEBHOOK_ALLOW_PRIVATE). A name is judged by the
 * worker at each delivery, after resolving it (services/worker/jobs/webhook_deliver.c). Returns
 * 0, or 1 after adding a problem to errors. */
static int webhooks_check_target(const char *url, json_t *errors)
{
    struct webhook_target t;
    char err[320];
    if (webhook_url_parse(url, &t, err, sizeof err) != WEBHOOK_OK) {
        validate_add(errors, "/url", "format", "%s", err);
        return 1;
    }
    switch (webhook_target_check(&t, system_config()->webhook_allow_private, err, sizeof err)) {
    case WEBHOOK_OK:
        return 0;
    case WEBHOOK_ERR_PRIVATE:
        validate_add(errors, "/url", "private_address",
                     "%s: targets on loopback or private networks are not allowed", err);
        return 1;
    default:
        validate_add(errors, "/url", "format", "%s", err);
        return 1;
    }
}

/* Takes the caller's subscription count under a transaction-scoped lock on its key, so that
 * concurrent creates by one key cannot pass the cap together. Returns 0 when one more is
 * allowed, else answers (409, or the database's error) and returns -1. */
static int webhooks_check_cap(struct req *r)
{
    const char *owner = r->principal.key_id[0] ? r->principal.key_id : NULL;
    PGresult *res =
        req_db(r, &webhooks_statements[WEBHOOK_OWNER_LOCK], DB_ARGS({"api_key_id", owner}));
    if (!res)
        return -1;
    res = req_db(r, &webhooks_statements[WEBHOOK_OWNER_COUNT], DB_ARGS({"api_key_id", owner}));
    if (!res)
        return -1;
    if (atol(db_value(res, 0, "hooks")) >= WEBHOOKS_PER_KEY_MAX) {
        req_problem(r, 409, "conflict",
                    arena_printf(&r->arena,
                                 "This key has %d webhook subscriptions, the most one key may "
                                 "have; delete one first.",
                                 WEBHOOKS_PER_KEY_MAX));
        return -1;
    }
    return 0;
}

/* Writes a fresh random UUID (version 4) into out (37 bytes). Returns 0 or -1. */
static int webhooks_uuid(char *out)
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return -1;
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return 0;
}

/* Writes a fresh signing secret (WEBHOOKS_SECRET_LEN + 1 bytes). Returns 0 or -1. */
static int webhooks_secret(char *out)
{
    unsigned char raw[32], b64[48];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return -1;
    int n = EVP_EncodeBlock(b64, raw, sizeof raw); /* 44 characters, the last one "=" */
    memcpy(out, "whsec_", 6);
    int len = 6;
    for (int i = 0; i < n && b64[i] != '='; i++)
        out[len++] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
    out[len] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);
    OPENSSL_cleanse(b64, sizeof b64);
    return len == WEBHOOKS_SECRET_LEN ? 0 : -1;
}

static struct list_variants webhook_list_variants;

/* Admin keys see every subscription, a hub key those it created; other roles never get here. */
static const struct list_desc webhook_list = {
    .name = "webhook_list",
    .select = "SELECT webhook_json(w)::text AS json, spp_micros(w.created_at) AS micros, w.id "
              "FROM webhooks w",
    .scope = {LIST_ALL, "w.api_key_id = $key", LIST_NONE, LIST_NONE, LIST_NONE},
    .query = webhook_filters,
    .after = "(w.created_at, w.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY w.created_at, w.id LIMIT $limit",
    .variants = &webhook_list_variants,
};

void webhooks_list(struct req *r)
{
    if (webhooks_role(r) == 0)
        list_page(r, &webhook_list);
}

void webhooks_create(struct req *r)
{
    if (webhooks_role(r) != 0)
        return;
    json_t *errors = json_array();
    json_t *rest = json_copy(r->json);
    json_object_del(rest, "events");
    validate_object(webhook_fields, rest, VALIDATE_CREATE, req_validate_ctx(), errors);
    json_decref(rest);
    const char *events = webhooks_check_events(r, errors);
    const char *url = json_string_value(json_object_get(r->json, "url"));
    if (json_array_size(errors) == 0)
        webhooks_check_target(url, errors);
    if (resource_errors(r, errors) != 0)
        return;
    /* A request that could never succeed is told so first; a good one waits for the key. */
    unsigned char key[SECRETBOX_KEY_LEN];
    if (secretbox_key_parse(system_config()->webhook_key, key) != 0) {
        if (system_config()->webhook_key)
            log_error("SPP_WEBHOOK_KEY is not 64 hexadecimal characters: webhooks are off");
        req_problem(r, 503, "unavailable", "Webhooks are not enabled on this server.");
        return;
    }

    char id[37], secret[WEBHOOKS_SECRET_LEN + 1] = "";
    char *box = NULL;
    if (webhooks_check_cap(r) != 0)
        goto done;
    if (webhooks_uuid(id) != 0 || webhooks_secret(secret) != 0 ||
        secretbox_seal(key, id, (const unsigned char *)secret, strlen(secret), &box) != 0) {
        req_problem(r, 500, "internal", "Something went wrong on our side.");
        goto done;
    }
    PGresult *res =
        req_db(r, &webhooks_statements[WEBHOOK_INSERT],
               DB_ARGS({"id", id}, {"url", url}, {"events", events}, {"secret_enc", box},
                       {"api_key_id", r->principal.key_id[0] ? r->principal.key_id : NULL}));
    if (res) {
        json_t *hook = json_loads(db_value(res, 0, "json"), 0, NULL);
        json_object_set_new(hook, "secret", json_string(secret));
        req_header(r, "Location", arena_printf(&r->arena, "/v1/webhooks/%s", id));
        req_etag(r, db_value(res, 0, "version"));
        req_reply_json(r, 201, hook);
    }
done:
    free(box);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(key, sizeof key);
}

void webhooks_get(struct req *r)
{
    if (webhooks_role(r) != 0)
        return;
    PGresult *res = webhooks_load(r, 0);
    if (res)
        resource_reply(r, 200, res, 0, NULL);
}

/* Deleting stops deliveries: jobs still queued for it find no subscription and do nothing. */
void webhooks_delete(struct req *r)
{
    if (webhooks_role(r) != 0)
        return;
    PGresult *cur = webhooks_load(r, 1);
    if (!cur || req_if_match(r, db_value(cur, 0, "version")) != 0)
        return;
    if (req_db(r, &webhooks_statements[WEBHOOK_DELETE], DB_ARGS({"id", req_param(r, "id")})))
        req_reply_empty(r, 204);
}
