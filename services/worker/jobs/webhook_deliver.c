/* webhook.deliver (DESIGN §4): announces an event to the subscriptions that asked for it.
 *
 * A job without "webhook_id" is an event as its producer wrote it ({"event": {id, type,
 * created_at, data}}): it fans out into one delivery job per active subscription to that type
 * whose owner may see the event (an admin key's subscriptions see everything, a hub key's only
 * events under its hub; a revoked key's get nothing), each under the dedupe key
 * "webhook:<webhook id>:<event id>", in this job's transaction.
 *
 * A job with "webhook_id" is one delivery: a signed POST of the event, sent at least once (a
 * worker that dies between the receiver's 200 and the commit sends it again, under the same
 * X-SPP-Event-Id, for the receiver to drop).
 *
 * Failures go through the ledger's own retries: one job per subscription and event, which
 * fails (JOB_RETRY, "<error> (delivery <attempt> of <max_attempts>)" as its last_error) and is
 * tried again after the ledger's backoff (SPP_RETRY_BASE_S doubling, at most an hour,
 * jittered), and is dead after its attempts (JOBS_DEFAULT_MAX_ATTEMPTS), for an admin to retry
 * (POST /v1/jobs/{id}/retry grants fresh attempts). The attempt's own transaction is rolled back,
 * so the subscription's bookkeeping of a failed delivery (failing_since when it was not failing,
 * last_error) is written by webhook_deliver_failed in the transaction that records the failure
 * (fenced like any completion) and never otherwise. A failure that is not the receiver's (the
 * database, a worker without SPP_WEBHOOK_KEY, a malformed payload) fails the job without that
 * bookkeeping; a POST cut short at the end of the worker's grace period releases the job
 * (JOB_RELEASE), to be sent again.
 *
 * Disabling. A failure when the subscription has been failing (no success in between) for
 * WEBHOOK_DISABLE_AFTER_DAYS disables it and ends the delivery (the job succeeds) in its own
 * transaction: active false, disabled_at,
 * and the event recorded as a job-ledger row of kind "webhook.disabled" (status succeeded,
 * never run; payload {webhook_id, failing_since, disabled_at}, last_error the reason; visible at
 * GET /v1/jobs?kind=webhook.disabled) plus an error log line. A disabled or deleted subscription
 * gets nothing more: the fan-out skips it and its queued deliveries find it gone and end. */
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "jobs.h"
#include "kinds.h"
#include "log.h"
#include "secretbox.h"
#include "validate.h"
#include "webhook.h"
#include "xalloc.h"

#define WEBHOOK_DISABLE_AFTER_DAYS "3"
#define WEBHOOK_TIMEOUT_MS         10000L

const struct db_stmt webhook_deliver_statements[] = {
    /* $event: the event; the hub it falls under is its resource's partnership's, or its
     * person's (a booking). $max_attempts: the deliveries'. Returns the new jobs (job_id, NULL
     * where the delivery existed already), which the runner publishes on the webhook lane once
     * this job's transaction has committed. */
    [WEBHOOK_FANOUT] =
        {"webhook_fanout",
         "WITH ev AS (SELECT $event::jsonb AS e), "
         "scope AS (SELECT COALESCE("
         "(SELECT p.hub_id FROM partnerships p WHERE p.id = (ev.e #>> "
         "'{data,partnership_id}')::uuid), "
         "(SELECT p.hub_id FROM people pe JOIN schools s ON s.id = pe.school_id "
         "JOIN partnerships p ON p.id = s.partnership_id "
         "WHERE pe.id = (ev.e #>> '{data,person_id}')::uuid)) AS hub_id FROM ev) "
         "SELECT spp_enqueue('webhook.deliver', jsonb_build_object('webhook_id', w.id, 'event', "
         "ev.e), 'webhook:' || w.id || ':' || (ev.e ->> 'id'), 0, $max_attempts::int) AS job_id "
         "FROM ev, scope, webhooks w LEFT JOIN api_keys k ON k.id = w.api_key_id "
         "WHERE w.active AND (ev.e ->> 'type') = ANY (w.events) "
         "AND (w.api_key_id IS NULL OR (k.revoked_at IS NULL AND (k.role = 'admin' "
         "OR (k.role = 'hub' AND k.hub_id = scope.hub_id))))"},
    /* Read without a lock: the row is locked only by the bookkeeping after the POST, so that
     * no transaction waits on a receiver. */
    [WEBHOOK_TARGET] = {"webhook_target",
                        "SELECT w.url, w.secret_enc, w.id FROM webhooks w "
                        "LEFT JOIN api_keys k ON k.id = w.api_key_id "
                        "WHERE w.id = $webhook_id AND w.active AND $event_type = ANY (w.events) "
                        "AND k.revoked_at IS NULL"},
    [WEBHOOK_SUCCEEDED] =
        {"webhook_succeeded",
         "UPDATE webhooks SET failing_since = NULL, version = version + 1, "
         "updated_at = clock_timestamp() WHERE id = $webhook_id AND failing_since IS NOT NULL"},
    /* $error: the error; $disable_after_days: the days of failing that disable it. Returns
     * whether it is still active, since when it fails, when it was disabled. */
    [WEBHOOK_FAILED] = {"webhook_failed",
                        "WITH t AS (SELECT clock_timestamp() AS now) "
                        "UPDATE webhooks w SET failing_since = COALESCE(w.failing_since, t.now), "
                        "last_error = $error, "
                        "active = NOT COALESCE(w.failing_since < t.now - make_interval(days => "
                        "$disable_after_days::int), false), "
                        "disabled_at = CASE WHEN w.failing_since < t.now - make_interval(days => "
                        "$disable_after_days::int) "
                        "THEN t.now END, version = w.version + 1, updated_at = t.now "
                        "FROM t WHERE w.id = $webhook_id AND w.active "
                        "RETURNING w.active, spp_ts(w.failing_since) AS failing_since, "
                        "spp_ts(w.disabled_at) AS disabled_at"},
    /* The disable event: a record in the ledger, never run (no worker runs this kind), with
     * its $payload and $reason (last_error). */
    [WEBHOOK_DISABLED] =
        {"webhook_disabled",
         "INSERT INTO jobs (kind, payload, dedupe_key, status, max_attempts, last_error, "
         "finished_at, published_at) VALUES ('webhook.disabled', $payload::jsonb, "
         "'webhook.disabled:' || $webhook_id, 'succeeded', 1, $reason, clock_timestamp(), "
         "clock_timestamp()) "
         "ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING"},
    {NULL, NULL},
};

/* The event as it was written by its producer. */
struct webhook_event {
    const json_t *event; /* borrowed from the payload */
    const char *id, *type;
};

static enum job_result webhook_fanout(struct job_ctx *ctx, const struct webhook_event *ev)
{
    char *event = json_dumps(ev->event, JSON_COMPACT);
    char max[16];
    snprintf(max, sizeof max, "%d", JOBS_DEFAULT_MAX_ATTEMPTS);
    PGresult *res = worker_exec(ctx, &webhook_deliver_statements[WEBHOOK_FANOUT],
                                DB_ARGS({"event", event}, {"max_attempts", max}));
    free(event);
    if (!res)
        return JOB_RETRY;
    int n = jobs_outbox_add_column(ctx->outbox, res, db_col(res, "job_id"), JOBS_WEBHOOK_STREAM);
    if (n > 0)
        log_info("webhook event %s (%s): %d deliveries queued", ev->id, ev->type, n);
    PQclear(res);
    return JOB_OK;
}

/* What the socket guard knows: whether private addresses are allowed, and whether it refused
 * one (a name that resolved differently at connect time than when it was checked). */
struct webhook_guard {
    int allow_private;
    int refused;
};

static curl_socket_t webhook_open_socket(void *clientp, curlsocktype purpose,
                                         struct curl_sockaddr *addr)
{
    struct webhook_guard *g = clientp;
    if (purpose != CURLSOCKTYPE_IPCXN ||
        (!g->allow_private && webhook_sockaddr_private(&addr->addr))) {
        g->refused = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

/* Aborts the transfer once the worker must give its jobs back (end of the grace period). */
static int webhook_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                            curl_off_t ulnow)
{
    (void)clientp;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return worker_must_release() ? 1 : 0;
}

static size_t webhook_discard(char *ptr, size_t size, size_t n, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * n;
}

/* POSTs body to url, signed with secret. Returns 0 on a 2xx answer, 1 when it was cut short
 * because the worker is stopping, else -1 with the reason ("HTTP 500", curl's error, or why the
 * target was refused) in err. */
static int webhook_post(const struct config *cfg, const char *url, const char *secret,
                        const char *event_id, const char *body, char *err, size_t errlen)
{
    struct webhook_target t;
    char pin[WEBHOOK_PIN_MAX], why[320];
    if (webhook_url_parse(url, &t, why, sizeof why) != WEBHOOK_OK) {
        snprintf(err, errlen, "refused: the URL %s", why);
        return -1;
    }
    /* Resolved once, checked, and pinned: the connection goes to an address that was checked,
     * whatever the name answers by then (DNS rebinding). The socket guard checks again. */
    if (webhook_resolve(&t, cfg->webhook_allow_private, pin, why, sizeof why) != WEBHOOK_OK) {
        snprintf(err, errlen, "refused: %s", why);
        return -1;
    }
    char sig[WEBHOOK_SIGNATURE_MAX];
    if (webhook_sign(secret, (int64_t)time(NULL), body, strlen(body), sig) != 0) {
        snprintf(err, errlen, "could not sign the body");
        return -1;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "could not start an HTTP client");
        return -1;
    }
    struct curl_slist *headers = NULL, *resolve = NULL;
    char line[WEBHOOK_SIGNATURE_MAX + 64], curl_err[CURL_ERROR_SIZE] = "";
    headers = curl_slist_append(headers, "Content-Type: application/json");
    snprintf(line, sizeof line, "X-SPP-Event-Id: %s", event_id);
    headers = curl_slist_append(headers, line);
    snprintf(line, sizeof line, "X-SPP-Signature: %s", sig);
    headers = curl_slist_append(headers, line);
    headers = curl_slist_append(headers, "Expect:"); /* no 100-continue round trip */
    if (pin[0])
        resolve = curl_slist_append(resolve, pin);
    struct webhook_guard guard = {cfg->webhook_allow_private, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_PROXY, ""); /* never through a proxy from the environment */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, WEBHOOK_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "spp-webhooks/1");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, webhook_discard);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, webhook_open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &guard);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, webhook_progress);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    if (resolve)
        curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    int ok = -1;
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        ok = 1;
    } else if (rc != CURLE_OK) {
        if (guard.refused)
            snprintf(err, errlen, "refused: the host %s answered a private address at connect",
                     t.host);
        else
            snprintf(err, errlen, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300)
            ok = 0;
        else
            snprintf(err, errlen, "HTTP %ld", status);
    }
    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
    curl_easy_cleanup(c);
    return ok;
}

/* Logs msg with the members of fields (stolen), escaped by jansson: errors quote what
 * receivers and curl say. */
static void webhook_log(enum log_level lvl, const char *msg, json_t *fields)
{
    char *text = json_dumps(fields, JSON_COMPACT);
    json_decref(fields);
    if (!text)
        return;
    size_t n = strlen(text);
    text[n - 1] = '\0'; /* the members without the braces */
    log_line(lvl, msg, text + 1);
    free(text);
}

/* Records a failed delivery on subscription wid (failing_since, last_error) and, when it has
 * been failing for WEBHOOK_DISABLE_AFTER_DAYS, disables it and records that in the ledger. In
 * the caller's transaction; returns 1 when it is disabled (or gone), 0 when it stays active, -1
 * on a database error (ctx->err set). */
static int webhook_record_failure(struct job_ctx *ctx, const char *wid, const char *error)
{
    PGresult *res = worker_exec(ctx, &webhook_deliver_statements[WEBHOOK_FAILED],
                                DB_ARGS({"webhook_id", wid}, {"error", error},
                                        {"disable_after_days", WEBHOOK_DISABLE_AFTER_DAYS}));
    if (!res)
        return -1;
    int out = 1; /* deleted or disabled meanwhile: nothing more for it */
    if (PQntuples(res) == 1 && db_value(res, 0, "active")[0] == 't') {
        out = 0;
    } else if (PQntuples(res) == 1) {
        json_t *payload = json_pack("{s:s, s:s, s:s}", "webhook_id", wid, "failing_since",
                                    db_value(res, 0, "failing_since"), "disabled_at",
                                    db_value(res, 0, "disabled_at"));
        char *text = json_dumps(payload, JSON_COMPACT);
        json_decref(payload);
        char *reason = xasprintf("disabled after failing since %s; last error: %s",
                                 db_value(res, 0, "failing_since"), error);
        PGresult *rec =
            worker_exec(ctx, &webhook_deliver_statements[WEBHOOK_DISABLED],
                        DB_ARGS({"payload", text}, {"webhook_id", wid}, {"reason", reason}));
        free(text);
        free(reason);
        if (rec) {
            PQclear(rec);
            webhook_log(LOG_ERROR, "webhook disabled after failing for 3 days",
                        json_pack("{s:s, s:s, s:s}", "webhook", wid, "failing_since",
                                  db_value(res, 0, "failing_since"), "error", error));
        } else {
            out = -1;
        }
    }
    PQclear(res);
    return out;
}

/* The suffix that marks a job's error as the receiver's failure of this attempt. */
static void webhook_attempt_suffix(const struct job_ctx *ctx, char *out, size_t len)
{
    snprintf(out, len, " (delivery %d of %d)", ctx->attempt, ctx->max_attempts);
}

int webhook_deliver_failed(struct job_ctx *ctx, int dead)
{
    const char *wid = json_string_value(json_object_get(ctx->payload, "webhook_id"));
    char suffix[64], error[sizeof ctx->err];
    webhook_attempt_suffix(ctx, suffix, sizeof suffix);
    size_t n = strlen(ctx->err), k = strlen(suffix);
    if (!wid || n <= k || strcmp(ctx->err + n - k, suffix) != 0)
        return 0; /* not the receiver's failure: nothing to record on the subscription */
    snprintf(error, sizeof error, "%.*s", (int)(n - k), ctx->err);
    int rc = webhook_record_failure(ctx, wid, error);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        const char *event =
            json_string_value(json_object_get(json_object_get(ctx->payload, "event"), "id"));
        json_t *fields = json_pack("{s:s, s:s?, s:i, s:s, s:b}", "webhook", wid, "event", event,
                                   "delivery", ctx->attempt, "error", error, "given_up", dead);
        webhook_log(dead ? LOG_ERROR : LOG_WARN, "webhook delivery failed", fields);
    }
    return 0;
}

static enum job_result webhook_deliver(struct job_ctx *ctx, const char *wid,
                                       const struct webhook_event *ev)
{
    PGresult *target = worker_exec(ctx, &webhook_deliver_statements[WEBHOOK_TARGET],
                                   DB_ARGS({"webhook_id", wid}, {"event_type", ev->type}));
    if (!target)
        return JOB_RETRY;
    enum job_result out = JOB_RETRY;
    unsigned char key[SECRETBOX_KEY_LEN];
    unsigned char *secret = NULL;
    size_t secret_len = 0;
    char *body = NULL;
    if (PQntuples(target) == 0) {
        out = JOB_OK; /* deleted, disabled, or its key revoked: it gets nothing more */
        goto done;
    }
    if (secretbox_key_parse(ctx->cfg->webhook_key, key) != 0) {
        snprintf(ctx->err, sizeof ctx->err,
                 "SPP_WEBHOOK_KEY is not set (64 hex characters) on this worker");
        goto done;
    }
    /* Sealed with the row's id as associated data (services/api/handlers/webhooks.c). */
    if (secretbox_open(key, db_value(target, 0, "id"), db_value(target, 0, "secret_enc"), &secret,
                       &secret_len) != 0) {
        snprintf(ctx->err, sizeof ctx->err,
                 "the signing secret does not decrypt: is SPP_WEBHOOK_KEY the API's?");
        goto done;
    }
    /* Exactly the four members of DESIGN §4, whatever else a producer put in the event. */
    json_t *event = json_object();
    static const char *const members[] = {"id", "type", "created_at", "data"};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_object_get(ev->event, members[i]);
        json_object_set(event, members[i], v ? v : json_null());
    }
    body = json_dumps(event, JSON_COMPACT);
    json_decref(event);
    char error[400];
    int sent = webhook_post(ctx->cfg, db_value(target, 0, "url"), (const char *)secret, ev->id,
                            body, error, sizeof error);
    if (sent == 1) {
        out = JOB_RELEASE; /* sent again by whoever takes it next: at least once */
        goto done;
    }
    if (sent == 0) {
        PGresult *res = worker_exec(ctx, &webhook_deliver_statements[WEBHOOK_SUCCEEDED],
                                    DB_ARGS({"webhook_id", wid}));
        if (res) {
            PQclear(res);
            out = JOB_OK;
        }
        goto done;
    }
    /* Disabled by this failure: the delivery ends here, with the bookkeeping. Else the job
     * fails and the ledger tries again; webhook_deliver_failed then records the failure. */
    int rc = webhook_record_failure(ctx, wid, error);
    if (rc == 1) {
        out = JOB_OK;
    } else if (rc == 0) {
        char suffix[64];
        webhook_attempt_suffix(ctx, suffix, sizeof suffix);
        snprintf(ctx->err, sizeof ctx->err, "%.*s%s", (int)(sizeof ctx->err - strlen(suffix) - 1),
                 error, suffix);
    }
done:
    free(body);
    if (secret) {
        OPENSSL_cleanse(secret, secret_len);
        free(secret);
    }
    OPENSSL_cleanse(key, sizeof key);
    PQclear(target);
    return out;
}

enum job_result webhook_deliver_run(struct job_ctx *ctx)
{
    struct webhook_event ev;
    ev.event = json_object_get(ctx->payload, "event");
    ev.id = json_string_value(json_object_get(ev.event, "id"));
    ev.type = json_string_value(json_object_get(ev.event, "type"));
    /* The id goes into a header: a UUID, nothing else. */
    if (!json_is_object(ev.event) || !ev.id || !validate_uuid(ev.id) || !ev.type) {
        snprintf(ctx->err, sizeof ctx->err, "malformed payload: no event with a UUID and a type");
        return JOB_RETRY;
    }
    const char *wid = json_string_value(json_object_get(ctx->payload, "webhook_id"));
    return wid ? webhook_deliver(ctx, wid, &ev) : webhook_fanout(ctx, &ev);
}
