/* GET and POST /unsubscribe/{token}: one-click unsubscribe (RFC 8058; DESIGN §2, §4 "Delivery")
 * from the digest or one reminder kind, with no Authorization header (ROUTE_SECRET).
 *
 * The token (common/rules/unsub.c) is checked against the database's unsubscribe_key; one that this
 * key did not make answers 404 and counts toward the failed-auth limit of the caller's address,
 * like a bad API key, so that guessing costs what guessing keys costs. GET answers a small page
 * with a button and changes nothing (mail scanners and link previews follow links). POST, the
 * button's form or a mail client's "List-Unsubscribe=One-Click", switches the kind off
 * (digest_opt_in, or notification_preferences.<kind> = false), bumps the person's version and
 * records an audit row (actor "unsubscribe-link", action "change"), and answers a page saying
 * so; a second POST answers the same page and changes nothing. The body is not read: the token
 * is the whole request. A token of an erased or deleted person answers 404 (not counted: it was
 * made by this key). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "log.h"
#include "monotime.h"
#include "ratelimit.h"
#include "resource.h"
#include "unsub.h"

const struct db_stmt unsubscribe_statements[] = {
    [UNSUB_KEY] = {"unsub_key", "SELECT encode(key, 'hex') AS key FROM unsubscribe_key"},
    [UNSUB_PERSON] = {"unsub_person",
                      "SELECT 1 FROM people WHERE id = $id::uuid AND erased_at IS NULL"},
    /* Switches $kind off for $person_id when it is on; audits the change ($request_id).
     * Columns: whether the person exists, whether anything changed. */
    [UNSUB_APPLY] =
        {"unsub_apply",
         "WITH p AS (SELECT id, CASE WHEN $kind::text = 'digest' THEN digest_opt_in "
         "    ELSE COALESCE((notification_preferences ->> $kind::text)::boolean, true) END "
         "    AS on_now "
         "  FROM people WHERE id = $person_id::uuid AND erased_at IS NULL FOR UPDATE), "
         "u AS (UPDATE people pe SET "
         "    digest_opt_in = CASE WHEN $kind::text = 'digest' THEN false "
         "      ELSE pe.digest_opt_in END, "
         "    notification_preferences = CASE WHEN $kind::text = 'digest' "
         "      THEN pe.notification_preferences "
         "      ELSE pe.notification_preferences || jsonb_build_object($kind::text, false) END, "
         "    version = pe.version + 1, updated_at = clock_timestamp() "
         "  FROM p WHERE pe.id = p.id AND p.on_now RETURNING pe.id), "
         "a AS (SELECT spp_audit('unsubscribe-link', 'change', ARRAY(SELECT id FROM u), "
         "  '/unsubscribe/{token}', $request_id) AS done) "
         "SELECT EXISTS (SELECT 1 FROM p) AS found, EXISTS (SELECT 1 FROM u) AS changed, "
         "(SELECT count(*) FROM a) AS audited"},
    {NULL, NULL},
};

/* Checks the path's token: 0 with the person and kind, or -1 having answered (404, counted
 * toward the failed-auth limit; or what req_db answers for a failed query). */
static int unsubscribe_token(struct req *r, char *person, const char **kind)
{
    PGresult *res = req_db(r, &unsubscribe_statements[UNSUB_KEY], DB_NO_ARGS);
    if (!res)
        return -1;
    if (PQntuples(res) != 1) {
        log_error("unsubscribe_key holds no key (sql/0011_unsubscribe.sql)");
        req_problem(r, 500, "internal", "Something went wrong on our side.");
        return -1;
    }
    unsigned char key[UNSUB_KEY_LEN];
    /* Results of req_db belong to the request, which frees them. */
    int ok = unsub_key_parse(db_value(res, 0, "key"), key) == 0;
    if (!ok || unsub_token_check(key, sizeof key, req_param(r, "token"), person, kind) != 0) {
        req_problem(r, 404, "not_found", "This unsubscribe link is not valid."); /* counted */
        return -1;
    }
    return 0;
}

/* Answers page (heap, taken over) as HTML that no cache keeps, no referrer leaks the token
 * from, and that runs nothing. */
static void unsubscribe_reply(struct req *r, char *page)
{
    req_header(r, "Cache-Control", "no-store");
    req_header(r, "Referrer-Policy", "no-referrer");
    req_header(r, "X-Robots-Tag", "noindex");
    req_header(r, "Content-Security-Policy",
               "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
               "frame-ancestors 'none'; base-uri 'none'");
    req_reply_raw(r, 200, "text/html; charset=utf-8", page, strlen(page));
}

static void unsubscribe_gone(struct req *r)
{
    req_problem(r, 404, "not_found", "This unsubscribe link is not valid.");
}

void unsubscribe_show(struct req *r)
{
    char person[37];
    const char *kind;
    if (unsubscribe_token(r, person, &kind) != 0)
        return;
    PGresult *res = req_db(r, &unsubscribe_statements[UNSUB_PERSON], DB_ARGS({"id", person}));
    if (!res)
        return;
    if (PQntuples(res) == 0)
        unsubscribe_gone(r);
    else
        unsubscribe_reply(r, unsub_page(kind, req_param(r, "token"), 0));
}

void unsubscribe_apply(struct req *r)
{
    char person[37];
    const char *kind;
    if (unsubscribe_token(r, person, &kind) != 0)
        return;
    PGresult *res =
        req_db(r, &unsubscribe_statements[UNSUB_APPLY],
               DB_ARGS({"person_id", person}, {"kind", kind}, {"request_id", r->request_id}));
    if (!res)
        return;
    if (strcmp(db_value(res, 0, "found"), "t") != 0)
        unsubscribe_gone(r);
    else
        unsubscribe_reply(r, unsub_page(kind, req_param(r, "token"), 1));
}
