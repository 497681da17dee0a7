/* One-click unsubscribe end to end (RFC 8058; DESIGN §2 /unsubscribe/{token}, §4 "Delivery"):
 * a digest reaches the test's SMTP server (SPP_TEST_MAILDIR) with List-Unsubscribe and
 * List-Unsubscribe-Post; GET of its URL without Authorization shows a page and changes nothing;
 * a mail client's POST "List-Unsubscribe=One-Click" switches the digest off (audited), and the
 * next digest goes to the other members but not to that person. A reminder kind's token
 * switches that kind alone off; tokens this server did not make answer 404. */
#include <dirent.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "http.h"
#include "integration.h"
#include "unsub.h"
#include "xalloc.h"

/* Runs the digest compile for partnership on date and waits until its job has succeeded. */
static void compile_wait(const char *partnership, const char *date)
{
    char *path = test_fmt("/v1/partnerships/%s/digests", partnership);
    char *body = test_fmt("{\"date\":\"%s\"}", date);
    struct http_resp *r = http_call("POST", path, test_admin(), body, NULL);
    ck_assert_msg(r->status == 202, "%ld %s", r->status, r->body);
    char *job = xstrdup(http_header(r, "Location"));
    http_free(r);
    for (int i = 0; i < 200; i++) {
        r = http_call("GET", job, test_admin(), NULL, NULL);
        const char *st = json_string_value(json_object_get(r->json, "status"));
        int done = st && !strcmp(st, "succeeded");
        http_free(r);
        if (done)
            break;
        usleep(100000);
    }
    char *st = test_sql_value("SELECT status FROM jobs WHERE id::text = $1", strrchr(job, '/') + 1);
    ck_assert_str_eq(st, "succeeded");
    free(job);
}

/* The raw message of the maildir whose Message-ID is mid, polled up to 20 s; NULL if none. */
static char *mail_by_id(const char *mid)
{
    const char *dir = getenv("SPP_TEST_MAILDIR");
    ck_assert_msg(dir != NULL, "SPP_TEST_MAILDIR is not set (the SMTP server's maildir)");
    char *path = test_fmt("%s/new", dir);
    char *needle = test_fmt("Message-ID: %s", mid);
    char *found = NULL;
    for (int i = 0; i < 200 && !found; i++) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && !found && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char *text = test_file_text(path, e->d_name);
            if (text && strstr(text, needle))
                found = text;
            else
                free(text);
        }
        if (d)
            closedir(d);
        if (!found)
            usleep(100000);
    }
    return found;
}

/* The value of header name in a raw message (its first line only), or NULL. Caller frees. */
static char *header_of(const char *mail, const char *name)
{
    char *needle = test_fmt("\n%s: ", name);
    const char *p = strstr(mail, needle);
    if (!p)
        return NULL;
    p += strlen(name) + 3;
    return xstrndup(p, strcspn(p, "\r\n"));
}

/* The digest notification of digest for person's address (its id), or "". */
static char *digest_notification(const char *digest_date, const char *partnership,
                                 const char *person)
{
    char *sql = test_fmt("SELECT n.id FROM notifications n JOIN digests d ON d.id = n.subject_id "
                         "WHERE n.kind = 'digest' AND d.partnership_id = '%s' "
                         "AND d.digest_date = '%s' AND n.person_id = $1",
                         partnership, digest_date);
    char *id = test_sql_value(sql, person);
    return id;
}

/* A review of school moved to cancelled now (news for a digest); returns the review's id. */
static char *cancelled_review(const char *school)
{
    char *review =
        test_create("/v1/reviews", test_admin(),
                    "{\"school_id\":\"%s\",\"focus\":\"Reading <for> pleasure\"}", school);
    char *path = test_fmt("/v1/reviews/%s/transitions", review);
    struct http_resp *r =
        http_call("POST", path, test_admin(), "{\"to\":\"cancelled\",\"reason\":\"merged\"}", NULL);
    ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
    http_free(r);
    return review;
}

static const char *const one_click[] = {"Content-Type: application/x-www-form-urlencoded", NULL};

START_TEST(one_click_unsubscribe_from_the_digest)
{
    char *hub = test_hub();
    char *part = test_partnership(hub);
    char *school = test_school(part);
    char *leaver = test_person(school);
    char *stayer = test_person(school);
    const char *tz = "Europe/London";

    /* Yesterday's news (a status change moved back into yesterday) and its digest. */
    char *r1 = cancelled_review(school);
    char *sql = test_fmt("UPDATE review_events SET created_at = "
                         "((now() AT TIME ZONE '%s')::date - 1 + time '12:00') AT TIME ZONE '%s' "
                         "WHERE review_id = $1 RETURNING 1",
                         tz, tz);
    test_sql_value(sql, r1);
    char *yesterday =
        test_sql_value("SELECT ((now() AT TIME ZONE 'Europe/London')::date - 1)::text", NULL);
    char *today = test_sql_value("SELECT (now() AT TIME ZONE 'Europe/London')::date::text", NULL);
    compile_wait(part, yesterday);
    char *nid = digest_notification(yesterday, part, leaver);
    ck_assert_msg(*nid, "no digest notification for the leaver");
    char *mid = test_message_id(nid);
    char *mail = mail_by_id(mid);
    ck_assert_msg(mail != NULL, "no mail with Message-ID %s", mid);

    /* The headers of RFC 8058, and the kind. */
    char *list = header_of(mail, "List-Unsubscribe");
    char *post = header_of(mail, "List-Unsubscribe-Post");
    char *kind = header_of(mail, "X-SPP-Kind");
    ck_assert_ptr_nonnull(list);
    ck_assert_ptr_nonnull(post);
    ck_assert_str_eq(post, "List-Unsubscribe=One-Click");
    ck_assert_str_eq(kind, "digest");
    size_t n = strlen(list);
    ck_assert(n > 2 && list[0] == '<' && list[n - 1] == '>');
    const char *public_url = getenv("SPP_PUBLIC_URL");
    if (public_url && *public_url)
        ck_assert_msg(!strncmp(list + 1, public_url, strlen(public_url)),
                      "%s does not start "
                      "with %s",
                      list, public_url);
    /* The path, asked of the API under test whatever origin the public URL names. */
    const char *at = strstr(list, "/unsubscribe/");
    ck_assert_ptr_nonnull(at);
    char *upath = xstrndup(at, strlen(at) - 1);

    /* GET: a page with a button, no header needed, nothing changed. */
    char *version = test_sql_value("SELECT version::text FROM people WHERE id = $1", leaver);
    struct http_resp *r = http_call("GET", upath, NULL, NULL, NULL);
    ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
    ck_assert_ptr_nonnull(strstr(http_header(r, "Content-Type"), "text/html"));
    ck_assert_str_eq(http_header(r, "Cache-Control"), "no-store");
    ck_assert_str_eq(http_header(r, "Referrer-Policy"), "no-referrer");
    ck_assert_ptr_nonnull(strstr(r->body, "<form method=\"post\""));
    ck_assert_ptr_nonnull(strstr(r->body, "the best practice digest"));
    http_free(r);
    test_expect("GET", upath, NULL, NULL, 200, NULL);
    char *still = test_sql_value(
        "SELECT digest_opt_in::text || ' ' || version FROM people WHERE id = $1", leaver);
    char *want = test_fmt("true %s", version);
    ck_assert_str_eq(still, want);

    /* A token this server did not make: 404 problem, on both methods, nothing changed. */
    char bad[UNSUB_TOKEN_LEN + 16];
    snprintf(bad, sizeof bad, "%s", upath);
    char *last = bad + strlen(bad) - 3;
    *last = *last == 'A' ? 'B' : 'A';
    const char *others[] = {bad, "/unsubscribe/nothing", "/unsubscribe/%2e%2e"};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        r = http_call("GET", others[i], NULL, NULL, NULL);
        ck_assert_msg(r->status == 404, "GET %s -> %ld", others[i], r->status);
        ck_assert_str_eq(test_code(r), "not_found");
        http_free(r);
        r = http_call("POST", others[i], NULL, "List-Unsubscribe=One-Click", one_click);
        ck_assert_msg(r->status == 404, "POST %s -> %ld", others[i], r->status);
        http_free(r);
    }
    still = test_sql_value("SELECT digest_opt_in::text FROM people WHERE id = $1", leaver);
    ck_assert_str_eq(still, "true");

    /* POST as a mail client does it: switched off, the version moves, the change is audited. A
     * second POST answers the same and changes nothing more. */
    r = http_call("POST", upath, NULL, "List-Unsubscribe=One-Click", one_click);
    ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
    ck_assert_ptr_nonnull(strstr(r->body, "You will no longer receive the best practice digest"));
    http_free(r);
    char *after = test_sql_value(
        "SELECT digest_opt_in::text || ' ' || version FROM people WHERE id = $1", leaver);
    char *bumped = test_sql_value("SELECT ($1::int + 1)::text", version);
    want = test_fmt("false %s", bumped);
    ck_assert_str_eq(after, want);
    char *audit =
        test_sql_value("SELECT count(*)::text FROM audit_log WHERE actor = 'unsubscribe-link' "
                       "AND action = 'change' AND person_ids = ARRAY[$1::uuid]",
                       leaver);
    ck_assert_str_eq(audit, "1");
    test_expect("POST", upath, NULL, "", 200, NULL);
    after = test_sql_value("SELECT version::text FROM people WHERE id = $1", leaver);
    ck_assert_str_eq(after, bumped);

    /* Today's news and digest: the other member gets it, the leaver does not. */
    cancelled_review(school);
    compile_wait(part, today);
    char *stay_nid = digest_notification(today, part, stayer);
    ck_assert_msg(*stay_nid, "no digest notification for the member who stayed");
    char *stay_mid = test_message_id(stay_nid);
    char *stay_mail = mail_by_id(stay_mid);
    ck_assert_msg(stay_mail != NULL, "the member who stayed got no digest");
    char *gone = digest_notification(today, part, leaver);
    ck_assert_str_eq(gone, "");
    char *leaver_mails = test_sql_value(
        "SELECT count(*)::text FROM notifications WHERE kind = 'digest' AND person_id = $1",
        leaver);
    ck_assert_str_eq(leaver_mails, "1");

    free(stay_mail);
    free(upath);
    free(kind);
    free(post);
    free(list);
    free(mail);
}
END_TEST

/* A reminder kind's token switches that kind off and nothing else; a token made with another
 * key, or for someone who does not exist, answers 404. The test makes tokens with
 * common/rules/unsub.c and the key the server holds. */
START_TEST(reminder_kind_token_switches_that_kind_off)
{
    struct test_chain t;
    test_chain_setup(&t);
    char *hex = test_sql_value("SELECT encode(key, 'hex') FROM unsubscribe_key", NULL);
    ck_assert_uint_eq(strlen(hex), 2 * UNSUB_KEY_LEN);
    unsigned char key[UNSUB_KEY_LEN];
    ck_assert_int_eq(unsub_key_parse(hex, key), 0);
    char token[UNSUB_TOKEN_LEN + 1];
    ck_assert_int_eq(unsub_token_make(key, sizeof key, t.person, "action_overdue", token), 0);
    char *path = test_fmt("/unsubscribe/%s", token);
    struct http_resp *r = test_call("GET", path, NULL, NULL, 200, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, "the weekly reminders of overdue actions"));
    http_free(r);
    /* The page's own button: a browser's form post. */
    test_expect_headers("POST", path, NULL, "List-Unsubscribe=One-Click", one_click, 200, NULL);
    /* That kind off; the digest and every other kind as they were. */
    char *state =
        test_sql_value("SELECT digest_opt_in::text || ' ' || "
                       "(notification_preferences ->> 'action_overdue') || ' ' || "
                       "(SELECT count(*) FROM jsonb_each_text(notification_preferences) e "
                       " WHERE e.key <> 'action_overdue' AND e.value = 'false') "
                       "FROM people WHERE id = $1",
                       t.person);
    ck_assert_str_eq(state, "true false 0");
    /* The API shows it as a PATCH would have set it. */
    char *ppath = test_fmt("/v1/people/%s", t.person);
    r = http_call("GET", ppath, test_admin(), NULL, NULL);
    ck_assert(json_is_false(
        json_object_get(json_object_get(r->json, "notification_preferences"), "action_overdue")));
    http_free(r);

    /* A message queued before its kind was switched off is not sent: queued and switched off
     * in one statement (spp_notify sees the kind still on), the worker then marks it skipped. */
    char *queued =
        test_sql_value("WITH n AS (SELECT spp_notify('training_2d', gen_random_uuid(), pe.id, "
                       "  pe.email, current_date, NULL, jsonb_build_object('course', "
                       "  'peer reviewer', 'starts', 'Monday', 'location', 'Leeds', 'days', 2)) "
                       "  AS job FROM people pe WHERE pe.id = $1::uuid), "
                       "u AS (UPDATE people SET notification_preferences = "
                       "  notification_preferences || '{\"training_2d\": false}' "
                       "  WHERE id = $1::uuid RETURNING 1) "
                       "SELECT (n.job IS NOT NULL)::text FROM n, u",
                       t.person);
    ck_assert_str_eq(queued, "true");
    char *nid = test_sql_value("SELECT id::text FROM notifications WHERE kind = 'training_2d' "
                               "AND person_id = $1",
                               t.person);
    ck_assert_msg(*nid, "no training_2d notification queued");
    /* Queued from SQL here, with no caller to publish it after commit (jobs_outbox): left to the
     * sweeper, as a lost publish is. */
    test_sql_value(
        "WITH j AS (UPDATE jobs SET published_at = NULL WHERE kind = 'notification.deliver' "
        "AND payload ->> 'notification_id' = $1 RETURNING 1) SELECT count(*)::text FROM j",
        nid);
    char *status = NULL;
    for (int i = 0; i < 200; i++) {
        status = test_sql_value("SELECT status FROM notifications WHERE id::text = $1", nid);
        if (strcmp(status, "pending") != 0)
            break;
        usleep(100000);
    }
    ck_assert_str_eq(status, "skipped");

    /* Another key's token, and a token for nobody. */
    unsigned char other[UNSUB_KEY_LEN];
    memcpy(other, key, sizeof other);
    other[0] ^= 1;
    char forged[UNSUB_TOKEN_LEN + 1];
    unsub_token_make(other, sizeof other, t.person, "digest", forged);
    char *fpath = test_fmt("/unsubscribe/%s", forged);
    test_expect_headers("POST", fpath, NULL, "List-Unsubscribe=One-Click", one_click, 404, NULL);
    unsub_token_make(key, sizeof key, "00000000-0000-4000-8000-000000000000", "digest", forged);
    char *npath = test_fmt("/unsubscribe/%s", forged);
    test_expect("GET", npath, NULL, NULL, 404, NULL);
    test_expect_headers("POST", npath, NULL, "List-Unsubscribe=One-Click", one_click, 404, NULL);
    state = test_sql_value("SELECT digest_opt_in::text FROM people WHERE id = $1", t.person);
    ck_assert_str_eq(state, "true");
}
END_TEST

Suite *unsubscribe_suite(void)
{
    Suite *s = suite_create("unsubscribe");
    TCase *tc = tcase_create("one-click");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, one_click_unsubscribe_from_the_digest);
    tcase_add_test(tc, reminder_kind_token_switches_that_kind_off);
    suite_add_tcase(s, tc);
    return s;
}
