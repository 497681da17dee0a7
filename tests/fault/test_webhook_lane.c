/* Issue 9 in the worker: webhook deliveries run in a lane of their own and never hold the
 * threads that send email; the SSRF check on a name happens at delivery, after resolving it;
 * SMTP credentials never travel in clear; a bad SPP_REDIS_URL is never logged with its
 * password; a job's database error leaves a stable last_error (the detail goes to the log);
 * a payload the worker cannot read fails without the job's code running.
 *
 * Receivers and relays here are sockets of this test process: a listener that never accepts
 * (a receiver that never answers: curl connects, sends, and waits for its 10 s timeout), and a
 * minimal SMTP server in a thread that offers AUTH but not STARTTLS. */
#include <arpa/inet.h>
#include <libgen.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"
#include "http.h"
#include "secretbox.h"
#include "webhook.h"
#include "xalloc.h"

/* A loopback listener that never accepts; writes its port. */
static int lane_listener(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(s, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(s, 64), 0);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &alen), 0);
    *port = ntohs(a.sin_port);
    return s;
}

/* A subscription to booking.changed at url, its secret sealed under SPP_WEBHOOK_KEY as the API
 * does (the row's id as associated data). Writes its id (37 bytes). */
static void lane_subscription(const char *url, char *id)
{
    unsigned char key[SECRETBOX_KEY_LEN];
    ck_assert_msg(secretbox_key_parse(getenv("SPP_WEBHOOK_KEY"), key) == 0,
                  "SPP_WEBHOOK_KEY is not set (64 hex characters)");
    PGresult *res = fault_sql("SELECT gen_random_uuid()");
    snprintf(id, 37, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *secret = "whsec_fault-suite-secret";
    char *box = NULL;
    ck_assert_int_eq(secretbox_seal(key, id, (const unsigned char *)secret, strlen(secret), &box),
                     0);
    res = fault_sql("INSERT INTO webhooks (id, url, events, secret_enc) "
                    "VALUES ('%s', '%s', ARRAY['booking.changed'], '%s')",
                    id, url, box);
    PQclear(res);
    free(box);
}

/* n deliveries of fresh booking.changed events to subscription wid, tagged run; published on
 * the general stream, as the API publishes a retried one (the worker passes them on). */
static void lane_deliveries(const char *run, const char *wid, int n)
{
    PGresult *res = fault_sql(
        "INSERT INTO jobs (kind, payload) SELECT 'webhook.deliver', jsonb_build_object('run', "
        "'%s', 'webhook_id', '%s', 'event', jsonb_build_object('id', gen_random_uuid(), 'type', "
        "'booking.changed', 'created_at', '2026-12-03T09:00:00Z', 'data', '{}'::jsonb)) "
        "FROM generate_series(1, %d)",
        run, wid, n);
    PQclear(res);
    fault_publish_run(run);
}

/* Removes what a scenario left: its jobs (whatever their state), its notifications and its
 * subscription (the integration suite of the next build runs on the same database). */
static void lane_cleanup(const char *run, const char *wid)
{
    PQclear(fault_sql("DELETE FROM notifications WHERE recipient = 'lane-%s@example.org'", run));
    PQclear(fault_sql("DELETE FROM jobs WHERE payload->>'run' = '%s' OR payload->>'webhook_id' = "
                      "'%s'",
                      run, wid ? wid : "00000000-0000-0000-0000-000000000000"));
    if (wid)
        PQclear(fault_sql("DELETE FROM webhooks WHERE id = '%s'", wid));
}

/* A notification to send by email and its notification.deliver job, tagged run; published.
 * Writes the notification's id. */
static void lane_email(const char *run, char *nid)
{
    /* To a person, as every reminder is (its mail then carries a List-Unsubscribe link, which
     * the test command's mail check asks of every reminder). */
    PGresult *res = fault_sql(
        "WITH s AS (INSERT INTO schools (urn, name, phase_of_education, local_authority) "
        "VALUES (lpad((floor(random() * 9000000) + 1000000)::bigint::text, 7, '0'), "
        "'Lane %s School', 'primary', 'Leeds') RETURNING id), "
        "p AS (INSERT INTO people (school_id, full_name, email) SELECT s.id, 'Lane %s', "
        "'lane-%s@example.org' FROM s RETURNING id, email) "
        "INSERT INTO notifications (kind, subject_id, person_id, recipient, due_on, data) "
        "SELECT 'training_2d', gen_random_uuid(), p.id, p.email, current_date, "
        "'{\"course\":\"peer_reviewer\",\"starts\":\"2026-12-05\",\"location\":\"Leeds\"}' "
        "FROM p RETURNING id",
        run, run, run);
    snprintf(nid, 37, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    PQclear(fault_sql("INSERT INTO jobs (kind, payload) VALUES ('notification.deliver', "
                      "jsonb_build_object('run', '%s', 'notification_id', '%s'))",
                      run, nid));
    fault_publish_run(run);
}

/* Webhook deliveries to a receiver that never answers hold their lane's threads for 10 s each;
 * an email queued behind them is still sent at once, on the general lane, while they hang.
 * Before the lanes, both runner threads sat on deliveries and the email waited for them. */
START_TEST(email_beside_hanging_webhooks)
{
    char run[64], email_run[64], wid[37], nid[37], url[96];
    fault_tag(run, sizeof run, "lane-hang");
    fault_tag(email_run, sizeof email_run, "lane-mail");
    int port = 0;
    int lsock = lane_listener(&port);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/never-answers", port);
    lane_subscription(url, wid);
    const char *env[] = {"SPP_WORKER_CONCURRENCY=2", "SPP_WEBHOOK_CONCURRENCY=2",
                         "SPP_WEBHOOK_ALLOW_PRIVATE=true", NULL};
    struct fault_worker w;
    fault_worker_start(&w, "lane-hang", env);
    lane_deliveries(run, wid, 6);
    ck_assert_msg(fault_wait_run(2, 20, run, "running") == 2,
                  "the deliveries never started (see %s)", w.log);

    /* Sampled every 100 ms for up to 6 s (the deliveries hang for 10): whether the email is
     * sent, and how many deliveries run at once. */
    lane_email(email_run, nid);
    long sent = 0, hanging = 0, lane_max = 0;
    for (int i = 0; i < 60 && !sent; i++) {
        sent = fault_long("SELECT count(*) FROM notifications WHERE id = '%s' AND status = 'sent'",
                          nid);
        hanging = fault_run_count(run, "running");
        lane_max = hanging > lane_max ? hanging : lane_max;
        if (!sent)
            fault_sleep_ms(100);
    }
    fault_worker_stop(&w);
    close(lsock);
    lane_cleanup(run, wid);
    lane_cleanup(email_run, NULL);
    ck_assert_msg(sent == 1, "the email was not sent while the webhooks hung (see %s)", w.log);
    ck_assert_msg(hanging >= 1, "no delivery was still hanging when the email went out");
    ck_assert_msg(lane_max <= 2, "%ld deliveries ran at once, over SPP_WEBHOOK_CONCURRENCY=2",
                  lane_max);
}
END_TEST

/* A host name that only resolution shows to be private: this machine's name when every
 * address it resolves to is private (Debian maps it to 127.0.1.1 in /etc/hosts), else
 * "localhost" (which the worker also refuses before resolving). */
static void lane_private_name(char *out, size_t len)
{
    snprintf(out, len, "localhost");
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0] || strchr(host, ':'))
        return;
    struct addrinfo hints = {0}, *list = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &list) != 0)
        return;
    int private = list != NULL;
    for (struct addrinfo *ai = list; ai; ai = ai->ai_next)
    private = private && webhook_sockaddr_private(ai->ai_addr);
    freeaddrinfo(list);
    if (private)
        snprintf(out, len, "%s", host);
}

/* A name is judged at delivery: with SPP_WEBHOOK_ALLOW_PRIVATE=false the worker resolves it,
 * finds a loopback address, and refuses to connect (the receiver here sees no connection); the
 * failure is recorded on the subscription like any other, and the delivery's job fails (the
 * ledger retries it) with that error. */
START_TEST(name_resolving_private_refused_at_delivery)
{
    char run[64], wid[37], url[400], id[37], name[256];
    fault_tag(run, sizeof run, "lane-strict");
    int port = 0;
    int lsock = lane_listener(&port);
    lane_private_name(name, sizeof name);
    snprintf(url, sizeof url, "http://%s:%d/private", name, port);
    lane_subscription(url, wid);
    const char *env[] = {"SPP_WEBHOOK_ALLOW_PRIVATE=false", NULL};
    struct fault_worker w;
    fault_worker_start(&w, "lane-strict", env);
    lane_deliveries(run, wid, 1);
    fault_job_id(run, id);
    long done =
        fault_wait_long(1, 20,
                        "SELECT count(*) FROM jobs WHERE id = '%s' "
                        "AND status IN ('failed', 'dead') AND last_error LIKE 'refused: %%'",
                        id);
    PGresult *res = fault_sql("SELECT COALESCE(last_error, '') FROM webhooks WHERE id = '%s'", wid);
    char *error = xstrdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    struct pollfd p = {lsock, POLLIN, 0};
    int connected = poll(&p, 1, 0);
    fault_worker_stop(&w);
    close(lsock);
    lane_cleanup(run, wid);
    ck_assert_msg(done == 1, "the delivery did not fail with its refusal (see %s)", w.log);
    ck_assert_msg(!strncmp(error, "refused: ", 9), "last_error: %s", error);
    ck_assert_msg(connected == 0, "the worker connected to a loopback target");
    free(error);
}
END_TEST

/* ---- a relay that offers AUTH without STARTTLS ---- */

struct lane_smtp {
    int listener;
    int port;
    int saw_auth;   /* an AUTH command arrived: credentials in clear */
    int saw_mail;   /* MAIL FROM arrived */
    int sessions;   /* connections served */
    char line[256]; /* the first AUTH line seen, for the message */
    volatile int stop;
};

static void lane_smtp_send(int fd, const char *s)
{
    ssize_t n = write(fd, s, strlen(s));
    (void)n;
}

static void *lane_smtp_main(void *arg)
{
    struct lane_smtp *m = arg;
    while (!m->stop) {
        struct pollfd p = {m->listener, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int fd = accept(m->listener, NULL, NULL);
        if (fd < 0)
            continue;
        m->sessions++;
        lane_smtp_send(fd, "220 fault.example ESMTP\r\n");
        char buf[4096];
        size_t have = 0;
        int data = 0;
        for (;;) {
            struct pollfd q = {fd, POLLIN, 0};
            if (poll(&q, 1, 5000) <= 0)
                break;
            ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
            if (n <= 0)
                break;
            have += (size_t)n;
            buf[have] = '\0';
            char *eol;
            while ((eol = strstr(buf, "\r\n")) != NULL) {
                *eol = '\0';
                if (data) {
                    if (!strcmp(buf, ".")) {
                        data = 0;
                        lane_smtp_send(fd, "250 queued\r\n");
                    }
                } else if (!strncasecmp(buf, "EHLO", 4)) {
                    lane_smtp_send(fd,
                                   "250-fault.example\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
                } else if (!strncasecmp(buf, "AUTH", 4)) {
                    if (!m->saw_auth)
                        snprintf(m->line, sizeof m->line, "%.200s", buf);
                    m->saw_auth = 1;
                    lane_smtp_send(fd, "235 accepted\r\n");
                } else if (!strncasecmp(buf, "MAIL", 4)) {
                    m->saw_mail = 1;
                    lane_smtp_send(fd, "250 ok\r\n");
                } else if (!strncasecmp(buf, "DATA", 4)) {
                    data = 1;
                    lane_smtp_send(fd, "354 go on\r\n");
                } else if (!strncasecmp(buf, "QUIT", 4)) {
                    lane_smtp_send(fd, "221 bye\r\n");
                } else if (!strncasecmp(buf, "STARTTLS", 8)) {
                    lane_smtp_send(fd, "454 TLS not available\r\n");
                } else {
                    lane_smtp_send(fd, "250 ok\r\n");
                }
                size_t used = (size_t)(eol + 2 - buf);
                memmove(buf, eol + 2, have - used + 1);
                have -= used;
            }
        }
        close(fd);
    }
    return NULL;
}

/* SPP_SMTP_URL with credentials and a relay that does not offer STARTTLS (or whose offer an
 * attacker stripped): the worker refuses to go on in clear, so the relay never sees AUTH and no
 * message leaves. Before, libcurl's "TLS if offered" sent AUTH PLAIN in clear. */
START_TEST(smtp_credentials_never_in_clear)
{
    char run[64], nid[37];
    fault_tag(run, sizeof run, "lane-smtp");
    struct lane_smtp m;
    memset(&m, 0, sizeof m);
    m.listener = lane_listener(&m.port);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, lane_smtp_main, &m), 0);
    char smtp[128];
    snprintf(smtp, sizeof smtp, "SPP_SMTP_URL=smtp://spp:hunter2@127.0.0.1:%d", m.port);
    const char *env[] = {smtp, "SPP_WORKER_CONCURRENCY=1", NULL};
    struct fault_worker w;
    fault_worker_start(&w, "lane-smtp", env);
    lane_email(run, nid);
    long failed = fault_wait_long(1, 20,
                                  "SELECT count(*) FROM notifications WHERE id = '%s' "
                                  "AND attempts >= 1 AND status <> 'sent'",
                                  nid);
    PGresult *res =
        fault_sql("SELECT COALESCE(last_error, '') FROM notifications WHERE id = '%s'", nid);
    char *error = xstrdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    fault_worker_stop(&w);
    m.stop = 1;
    pthread_join(t, NULL);
    close(m.listener);
    lane_cleanup(run, NULL);
    ck_assert_msg(m.sessions >= 1, "the worker never reached the relay (see %s)", w.log);
    ck_assert_msg(!m.saw_auth, "credentials sent in clear: \"%s\"", m.line);
    ck_assert_msg(!m.saw_mail, "the message went out without TLS");
    ck_assert_msg(failed == 1, "the delivery was not recorded as failed: %s", error);
    free(error);
}
END_TEST

/* ---- what a job leaves for keys to read, and what the log may hold ---- */

/* Starts a worker labelled label on the one job of run that the caller inserted unpublished (its
 * id into id), then publishes it. */
static void lane_start(struct fault_worker *w, const char *label, const char *run, char *id)
{
    fault_job_id(run, id);
    fault_worker_start(w, label, NULL);
    fault_publish_run(run);
}

/* A statement failing inside a job (here a notification id that is not a UUID) leaves a stable
 * last_error naming the step and the SQLSTATE; PostgreSQL's own text goes to the log only. */
START_TEST(database_error_text_stays_in_the_log)
{
    char run[64], id[37];
    fault_tag(run, sizeof run, "lane-pgerr");
    PQclear(fault_sql("INSERT INTO jobs (kind, payload, max_attempts) VALUES "
                      "('notification.deliver', jsonb_build_object('run', '%s', "
                      "'notification_id', 'not-a-uuid-%s'), 1)",
                      run, run));
    struct fault_worker w;
    lane_start(&w, "lane-pgerr", run, id);
    long dead = fault_wait_job(id, "dead", 20);
    PGresult *res = fault_sql("SELECT COALESCE(last_error, '') FROM jobs WHERE id = '%s'", id);
    char *error = xstrdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    /* What a key reads, when the API under test is there. */
    char *shown = NULL;
    if (getenv("SPP_TEST_URL") && getenv("SPP_TEST_ADMIN_TOKEN")) {
        char *path = xasprintf("/v1/jobs/%s", id);
        struct http_resp *r = test_call("GET", path, test_admin(), NULL, 200, NULL);
        shown = xstrdup(json_string_value(json_object_get(r->json, "last_error")));
        http_free(r);
        free(path);
    }
    fault_worker_stop(&w);
    lane_cleanup(run, NULL);
    ck_assert_msg(dead == 1, "the job did not end (see %s)", w.log);
    ck_assert_str_eq(error, "loading the notification: database error (SQLSTATE 22P02)");
    if (shown)
        ck_assert_str_eq(shown, error);
    free(shown);
    ck_assert_msg(fault_worker_logged(&w, "invalid input syntax for type uuid"),
                  "the detail is not in the log (%s)", w.log);
    free(error);
}
END_TEST

/* A payload PostgreSQL stores but jansson cannot read (nested past its 2,048 levels) fails
 * without the kind's code running: no effect, a stable last_error. Before, test.record ran
 * with no payload and succeeded. */
START_TEST(unreadable_payload_fails_unrun)
{
    char run[64], id[37];
    fault_tag(run, sizeof run, "lane-deep");
    PQclear(fault_sql("INSERT INTO jobs (kind, payload, max_attempts) VALUES ('test.record', "
                      "('{\"run\":\"%s\",\"deep\":' || repeat('[', 3000) || repeat(']', 3000) || "
                      "'}')::jsonb, 1)",
                      run));
    struct fault_worker w;
    lane_start(&w, "lane-deep", run, id);
    long ended = fault_wait_long(
        1, 20, "SELECT count(*) FROM jobs WHERE id = '%s' AND status IN ('dead', 'succeeded')", id);
    PGresult *res =
        fault_sql("SELECT status, COALESCE(last_error, '') FROM jobs WHERE id = '%s'", id);
    char *status = xstrdup(PQgetvalue(res, 0, 0)), *error = xstrdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    long effects = fault_long("SELECT count(*) FROM test_job_effects WHERE job_id = '%s'", id);
    fault_worker_stop(&w);
    lane_cleanup(run, NULL);
    ck_assert_msg(ended == 1, "the job did not end (see %s)", w.log);
    ck_assert_str_eq(status, "dead");
    ck_assert_str_eq(error, "the payload is not a JSON object this worker can read");
    ck_assert_int_eq(effects, 0);
    free(status);
    free(error);
}
END_TEST

/* Runs program with SPP_REDIS_URL holding a password in a URL it cannot parse: it must stop
 * with status 2, name the variable, and never write the password. */
static void lane_bad_redis_url(const char *program, const char *label)
{
    char log[512];
    snprintf(log, sizeof log, "%s/fault-%d-%s-redis-url.log", getenv("SPP_TEST_TMP"), (int)getpid(),
             label);
    char *cmd = xasprintf("SPP_REDIS_URL='redis://:hunter2-secret@127.0.0.1:notaport/0' "
                          "SPP_WORKER_METRICS_LISTEN=127.0.0.1:1 timeout 20 '%s' >'%s' 2>&1",
                          program, log);
    int st = system(cmd);
    free(cmd);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 2, "%s exited with %d (see %s)", label,
                  WEXITSTATUS(st), log);
    FILE *f = fopen(log, "r");
    ck_assert_ptr_nonnull(f);
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    ck_assert_msg(strstr(text, "SPP_REDIS_URL") != NULL, "%s: %s", label, text);
    ck_assert_msg(strstr(text, "hunter2") == NULL, "%s logged the password: %s", label, text);
}

START_TEST(bad_redis_url_never_logged)
{
    const char *worker = getenv("SPP_TEST_WORKER");
    ck_assert_ptr_nonnull(worker);
    lane_bad_redis_url(worker, "worker");
    char *copy = xstrdup(worker);
    char *api = xasprintf("%s/spp-api", dirname(copy));
    if (access(api, X_OK) == 0)
        lane_bad_redis_url(api, "api");
    free(api);
    free(copy);
}
END_TEST

Suite *fault_webhook_lane_suite(void)
{
    Suite *s = suite_create("webhook lane and delivery hardening");
    suite_add_tcase(
        s, fault_tcase("email beside hanging webhooks", email_beside_hanging_webhooks, 60));
    suite_add_tcase(s, fault_tcase("name resolving to loopback refused at delivery",
                                   name_resolving_private_refused_at_delivery, 60));
    suite_add_tcase(
        s, fault_tcase("SMTP credentials never in clear", smtp_credentials_never_in_clear, 60));
    suite_add_tcase(s, fault_tcase("database error text stays in the log",
                                   database_error_text_stays_in_the_log, 60));
    suite_add_tcase(
        s, fault_tcase("unreadable payload fails unrun", unreadable_payload_fails_unrun, 60));
    suite_add_tcase(s,
                    fault_tcase("bad SPP_REDIS_URL never logged", bad_redis_url_never_logged, 60));
    return s;
}
