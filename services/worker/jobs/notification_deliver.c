/* notification.deliver {"notification_id"}: sends one notification by email (DESIGN §4).
 *
 * Exactly-once is not possible over SMTP; this is at-least-once with a stable Message-ID:
 *   - The notification row is locked for the attempt; one already sent or skipped is left alone
 *     (JOB_OK), so a job that runs twice after a success sends nothing twice.
 *   - Success is recorded (status sent, sent_at, attempts + 1) in the job's transaction, which
 *     commits with the job's completion. If the worker dies after the relay accepted the
 *     message and before that commit, the lease runs out, the job is run again and the message
 *     goes out a second time with the same Message-ID <notification-id@domain of
 *     SPP_MAIL_FROM>, by which a receiver (or its mail system) can recognise the duplicate.
 *   - A failed attempt is recorded (attempts + 1, last_error, status failed after the job's
 *     last attempt, else pending) by notification_deliver_failed, which the runner calls in
 *     the transaction that records the job's failure, fenced like it; a dead job retried by an
 *     admin sends a failed notification again.
 * Digest notifications carry {"digest_id"}: the digest is loaded and rendered by digest_render;
 * every other kind by notify_render from the data gathered when it was created.
 *
 * Unsubscribing (RFC 8058): a digest or a reminder gets its recipient's one-click link,
 * SPP_PUBLIC_URL/unsubscribe/{token} (common/rules/unsub.c, keyed with the database's
 * unsubscribe_key), in its footer and in the List-Unsubscribe header. One the person switched
 * off after it was queued (the link of an earlier message, a PATCH) is marked skipped and not
 * sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "kinds.h"
#include "mail.h"
#include "notify.h"
#include "smtp.h"
#include "unsub.h"

const struct db_stmt notification_deliver_statements[] = {
    /* The notification, and what its message needs besides: the person (for the unsubscribe
     * token), whether they switched this kind off since, their partnership's name, the review
     * it is about and the unsubscribe key (hex). */
    [ND_LOAD] = {"nd_load",
                 "SELECT n.kind, n.recipient, n.channel, n.status, n.data::text AS data, "
                 "  n.person_id, "
                 "  COALESCE(CASE WHEN n.kind = 'digest' THEN NOT pe.digest_opt_in "
                 "    ELSE (pe.notification_preferences ->> n.kind)::boolean = false END, false) "
                 "  AS opted_out, pa.name AS partnership_name, n.review_id, "
                 "  (SELECT encode(k.key, 'hex') FROM unsubscribe_key k) AS unsubscribe_key "
                 "FROM notifications n LEFT JOIN people pe ON pe.id = n.person_id "
                 "LEFT JOIN schools s ON s.id = pe.school_id "
                 "LEFT JOIN partnerships pa ON pa.id = s.partnership_id "
                 "WHERE n.id = $notification_id FOR UPDATE OF n"},
    [ND_SKIP] = {"nd_skip",
                 "UPDATE notifications SET status = 'skipped', updated_at = clock_timestamp() "
                 "WHERE id = $notification_id"},
    [ND_DIGEST] = {"nd_digest",
                   "SELECT digest_json(d)::text AS json FROM digests d WHERE d.id = $digest_id"},
    [ND_SENT] =
        {"nd_sent",
         "UPDATE notifications SET status = 'sent', sent_at = clock_timestamp(), "
         "attempts = attempts + 1, updated_at = clock_timestamp() WHERE id = $notification_id"},
    /* A failed attempt ($last_attempt: it was the job's last). */
    [ND_FAILED] = {"nd_failed",
                   "UPDATE notifications SET attempts = attempts + 1, last_error = $error, "
                   "status = CASE WHEN $last_attempt::boolean THEN 'failed' ELSE 'pending' END, "
                   "updated_at = clock_timestamp() WHERE id = $notification_id AND status IN "
                   "('pending', 'failed')"},
    {NULL, NULL},
};

static int nd_db_ok(struct job_ctx *ctx, const PGresult *res, const char *what)
{
    if (db_ok(res))
        return 1;
    worker_db_error(ctx, what, res);
    return 0;
}

/* Renders a digest notification from its digest. 0, or -1 with the reason in ctx->err. */
static int nd_render_digest(struct job_ctx *ctx, const json_t *data, const struct mail_context *mc,
                            struct mail_message *out)
{
    const char *digest_id = json_string_value(json_object_get(data, "digest_id"));
    if (!digest_id) {
        snprintf(ctx->err, sizeof ctx->err, "digest notification without a digest_id");
        return -1;
    }
    PGresult *res = db_exec(ctx->db, &notification_deliver_statements[ND_DIGEST],
                            DB_ARGS({"digest_id", digest_id}));
    int rc = -1;
    json_t *digest = NULL;
    if (!nd_db_ok(ctx, res, "loading the digest"))
        goto done;
    if (PQntuples(res) == 0) {
        snprintf(ctx->err, sizeof ctx->err, "digest %s not found", digest_id);
        goto done;
    }
    digest = json_loads(db_value(res, 0, "json"), 0, NULL);
    if (!digest || digest_render(digest, mc, out) != 0) {
        snprintf(ctx->err, sizeof ctx->err, "digest %s could not be rendered", digest_id);
        goto done;
    }
    rc = 0;
done:
    json_decref(digest);
    if (res)
        PQclear(res);
    return rc;
}

static int nd_render(struct job_ctx *ctx, const char *kind, const char *data_text,
                     const char *review_id, const struct mail_context *mc, struct mail_message *out)
{
    json_t *data = json_loads(data_text, 0, NULL);
    int rc = -1;
    if (!strcmp(kind, "digest")) {
        rc = nd_render_digest(ctx, data, mc, out);
    } else {
        /* The review the notification is about, for the message's link. */
        if (json_is_object(data) && *review_id && !json_object_get(data, "review_id"))
            json_object_set_new(data, "review_id", json_string(review_id));
        if (notify_render(kind, data, mc, out) == 0) {
            rc = 0;
        } else {
            snprintf(ctx->err, sizeof ctx->err, "no template for notification kind %s", kind);
        }
    }
    json_decref(data);
    return rc;
}

/* The one-click unsubscribe URL for person and kind into out, or "" when kind has none (not a
 * digest or reminder), there is no person or public URL, or the key is unreadable. */
static void nd_unsubscribe_url(const struct job_ctx *ctx, const char *person, const char *kind,
                               const char *key_hex, char *out, size_t outlen)
{
    unsigned char key[UNSUB_KEY_LEN];
    char token[UNSUB_TOKEN_LEN + 1];
    out[0] = '\0';
    if (!*person || unsub_key_parse(key_hex, key) != 0 ||
        unsub_token_make(key, sizeof key, person, kind, token) != 0)
        return;
    char path[16 + UNSUB_TOKEN_LEN];
    snprintf(path, sizeof path, "/unsubscribe/%s", token);
    char *url = mail_url(ctx->cfg->public_url, path);
    /* A URL that does not fit is left out rather than sent cut short. */
    if (url && strlen(url) < outlen)
        snprintf(out, outlen, "%s", url);
    free(url);
}

int notification_deliver_failed(struct job_ctx *ctx, int dead)
{
    const char *id = json_string_value(json_object_get(ctx->payload, "notification_id"));
    if (!id)
        return 0;
    PGresult *res = db_exec(ctx->db, &notification_deliver_statements[ND_FAILED],
                            DB_ARGS({"notification_id", id}, {"error", ctx->err},
                                    {"last_attempt", dead ? "true" : "false"}));
    int ok = db_ok(res);
    if (res)
        PQclear(res);
    return ok ? 0 : -1;
}

enum job_result notification_deliver_run(struct job_ctx *ctx)
{
    const char *id = json_string_value(json_object_get(ctx->payload, "notification_id"));
    if (!id) {
        snprintf(ctx->err, sizeof ctx->err, "payload without a notification_id");
        return JOB_RETRY;
    }
    PGresult *res = db_exec(ctx->db, &notification_deliver_statements[ND_LOAD],
                            DB_ARGS({"notification_id", id}));
    if (!nd_db_ok(ctx, res, "loading the notification")) {
        if (res)
            PQclear(res);
        return JOB_RETRY;
    }
    if (PQntuples(res) == 0) {
        /* Nothing to send (it never committed, or it was removed): nothing to retry either. */
        PQclear(res);
        return JOB_OK;
    }
    const char *kind = db_value(res, 0, "kind");
    const char *recipient = db_value(res, 0, "recipient");
    const char *channel = db_value(res, 0, "channel");
    const char *status = db_value(res, 0, "status");
    enum job_result result = JOB_RETRY;
    struct mail_message m = {NULL, NULL, NULL};
    if (!strcmp(status, "sent") || !strcmp(status, "skipped")) {
        result = JOB_OK; /* nothing twice */
        goto done;
    }
    if (strcmp(channel, "email") != 0) {
        snprintf(ctx->err, sizeof ctx->err, "channel %s is not delivered by this worker", channel);
        result = JOB_RETRY;
        goto done;
    }
    if (!strcmp(db_value(res, 0, "opted_out"), "t")) {
        /* Switched off since it was queued: not sent, and nothing to retry. */
        PGresult *skip = db_exec(ctx->db, &notification_deliver_statements[ND_SKIP],
                                 DB_ARGS({"notification_id", id}));
        result = nd_db_ok(ctx, skip, "skipping the notification") ? JOB_OK : JOB_RETRY;
        if (skip)
            PQclear(skip);
        goto done;
    }
    char unsubscribe[1024];
    nd_unsubscribe_url(ctx, db_value(res, 0, "person_id"), kind,
                       db_value(res, 0, "unsubscribe_key"), unsubscribe, sizeof unsubscribe);
    struct mail_context mc = {ctx->cfg->public_url, unsubscribe,
                              db_value(res, 0, "partnership_name")};
    if (nd_render(ctx, kind, db_value(res, 0, "data"), db_value(res, 0, "review_id"), &mc, &m) !=
        0) {
        result = JOB_RETRY;
        goto done;
    }
    /* Last chances not to send: the worker is giving its jobs back, or another attempt owns
     * this one now (it will send). */
    if (worker_must_release()) {
        result = JOB_RELEASE;
        goto done;
    }
    if (atomic_load(ctx->lost)) {
        snprintf(ctx->err, sizeof ctx->err, "lease lost before sending");
        result = JOB_RETRY;
        goto done;
    }
    struct smtp_message mail = {ctx->cfg->smtp_url,
                                ctx->cfg->mail_from,
                                recipient,
                                id,
                                time(NULL),
                                m.subject,
                                m.text,
                                m.html,
                                kind,
                                *unsubscribe ? unsubscribe : NULL};
    char err[sizeof ctx->err];
    if (smtp_send(&mail, err, sizeof err) != 0) {
        snprintf(ctx->err, sizeof ctx->err, "%s", err);
        result = JOB_RETRY;
        goto done;
    }
    PGresult *sent = db_exec(ctx->db, &notification_deliver_statements[ND_SENT],
                             DB_ARGS({"notification_id", id}));
    /* Sent but not recorded (PostgreSQL went away): the retry sends again, same Message-ID. */
    result = nd_db_ok(ctx, sent, "recording the delivery") ? JOB_OK : JOB_RETRY;
    if (sent)
        PQclear(sent);
done:
    mail_message_cleanup(&m);
    PQclear(res);
    return result;
}
