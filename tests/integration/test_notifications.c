/* Reminders by email against a real SMTP server (aiosmtpd writing a maildir, SPP_TEST_MAILDIR)
 * and the running production worker: every reminder kind of DESIGN §4 is made due for one
 * instant, the scan runs twice (and once more two days later in the same week), and each kind
 * arrives exactly once per recipient, in the partnership's time zone, as multipart text + HTML
 * with Date, a stable Message-ID and an encoded UTF-8 subject; an opted-out person gets nothing
 * (the notification is skipped); a notification that cannot be sent records its attempts and
 * error and ends failed; GET /v1/notifications by scope, newest first. */
#include <dirent.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixtures.h"
#include "integration.h"
#include "xalloc.h"

/* How long the worker may take to deliver what a scan created (its sweeper publishes the jobs
 * that the scan made, then each is sent). */
#define DELIVERY_WAIT_S 30

static const char *str(const struct http_resp *r, const char *k)
{
    const char *v = json_string_value(json_object_get(r->json, k));
    return v ? v : "";
}

static void call_ok(const char *method, const char *path, const char *body, long want)
{
    struct http_resp *r = http_call(method, path, test_admin(), body, NULL);
    ck_assert_msg(r->status == want, "%s %s %s -> %ld %s", method, path, body ? body : "",
                  r->status, r->body);
    http_free(r);
}

static void callf(const char *method, const char *path, long want, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void callf(const char *method, const char *path, long want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = test_vformat(fmt, ap);
    va_end(ap);
    call_ok(method, path, body, want);
    free(body);
}

static PGconn *db_open(void)
{
    PGconn *db = PQconnectdb(getenv("SPP_TEST_DATABASE_URL"));
    ck_assert_int_eq(PQstatus(db), CONNECTION_OK);
    return db;
}

/* One value of a one-row query with up to three text parameters (caller frees). */
static char *db_value(const char *sql, const char *a, const char *b, const char *c)
{
    PGconn *db = db_open();
    const char *p[] = {a, b, c};
    int n = c ? 3 : b ? 2 : a ? 1 : 0;
    PGresult *res = PQexecParams(db, sql, n, NULL, p, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
    char *v = PQntuples(res) && !PQgetisnull(res, 0, 0) ? xstrdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    PQfinish(db);
    return v;
}

/* ---- dates: everything is placed around one instant half a year ahead, so that the scans the
 * scheduler runs meanwhile (as of now) never find these reviews due. ---- */

struct when {
    time_t t;       /* 13:xxZ on a Monday about six months ahead: as_of */
    char as_of[32]; /* its RFC 3339 text */
    char later[32]; /* two days later, the same week in Auckland */
    char award[16]; /* a few days ago: accreditations valid throughout */
};

static void when_init(struct when *w)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    /* 13:MM:SS with this moment's minutes and seconds: each run scans its own instant (a
     * scan of an instant that was asked before answers the earlier job). */
    tm.tm_hour = 13;
    time_t t = timegm(&tm) + 180L * 86400;
    gmtime_r(&t, &tm);
    t += (long)((8 - tm.tm_wday) % 7) * 86400; /* the next Monday (or this one) */
    w->t = t;
    gmtime_r(&t, &tm);
    strftime(w->as_of, sizeof w->as_of, "%Y-%m-%dT%H:%M:%SZ", &tm);
    time_t later = t + 2L * 86400;
    gmtime_r(&later, &tm);
    strftime(w->later, sizeof w->later, "%Y-%m-%dT%H:%M:%SZ", &tm);
    time_t award = now - 3L * 86400;
    gmtime_r(&award, &tm);
    strftime(w->award, sizeof w->award, "%Y-%m-%d", &tm);
}

/* The date offset days from the partnership's "today" at as_of. The partnership is in
 * Pacific/Auckland (UTC+12 or +13), where 13:00Z Monday is already Tuesday: today there is
 * as_of's UTC date + 1. A scan that counted in UTC would be a day out on every reminder. */
static const char *day(const struct when *w, int offset)
{
    static char bufs[16][16];
    static int next;
    char *out = bufs[next++ % 16];
    time_t t = w->t + (long)(1 + offset) * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
    return out;
}

/* ---- the world of the test ---- */

struct world {
    struct when w;
    char *hub, *partnership, *host, *school_a, *school_b;
    char *host_lead, *partnership_lead, *r1, *r2, *r3, *champion, *owner1, *owner2, *trainee;
    char *rv7, *rv1, *rw, *ri, *rp, *session;
    char *school_name;
};

static void accredit(const struct world *w, const char *person, const char *role)
{
    char *path = test_fmt("/v1/people/%s/accreditations", person);
    callf("POST", path, 201, "{\"role\":\"%s\",\"awarded_on\":\"%s\"}", role, w->w.award);
}

static char *review_new(const struct world *w, const char *starts, const char *ends)
{
    return test_create("/v1/reviews", test_admin(),
                       "{\"school_id\":\"%s\",\"focus\":\"How well do pupils read for "
                       "pleasure?\",\"focus_area\":\"our_impact\",\"self_review_summary\":"
                       "\"Phonics strong.\",\"review_starts_on\":\"%s\",\"review_ends_on\":\"%s\"}",
                       w->host, starts, ends);
}

static void review_team(const char *review, const char *person, const char *role)
{
    char *path = test_fmt("/v1/reviews/%s/team", review);
    callf("POST", path, 201, "{\"person_id\":\"%s\",\"role\":\"%s\"}", person, role);
}

static void review_move(const char *review, const char *to)
{
    char *path = test_fmt("/v1/reviews/%s/transitions", review);
    callf("POST", path, 200, "{\"to\":\"%s\"}", to);
}

static void review_patch(const char *review, const char *body)
{
    char *path = test_fmt("/v1/reviews/%s", review);
    call_ok("PATCH", path, body, 200);
}

static void review_champion(const char *review, const char *person)
{
    char *path = test_fmt("/v1/reviews/%s/champion", review);
    callf("PUT", path, 200, "{\"person_id\":\"%s\"}", person);
}

static char *review_item(const char *review, const char *sub, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *review_item(const char *review, const char *sub, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = test_vformat(fmt, ap);
    va_end(ap);
    char *path = test_fmt("/v1/reviews/%s/%s", review, sub);
    char *id = test_create(path, test_admin(), "%s", body);
    free(body);
    return id;
}

/* Builds every situation in which a reminder is due at as_of (dates relative to the
 * partnership's today, L):
 *   rv7  scheduled, visit L+7..L+8, team r1 (lead), r2, r3 (r3 opted out of review_visit_7d)
 *   rv1  scheduled, visit L+1, team r1 (lead), r2
 *   rw   in review (visit L-10), champion, workshop L+3
 *   ri   implementing (visit L-40, workshop L-30), implementation due L-1; actions of owner1
 *        due L+7 and of owner2 due L-3 (overdue)
 *   rp   planning, visit L+30
 *   a peer reviewer course at L+2 with the trainee booked. */
static void world_setup(struct world *w)
{
    memset(w, 0, sizeof *w);
    when_init(&w->w);
    w->hub = test_hub();
    w->partnership = test_partnership(w->hub);
    char *path = test_fmt("/v1/partnerships/%s", w->partnership);
    call_ok("PATCH", path, "{\"timezone\":\"Pacific/Auckland\"}", 200);
    w->host = test_school(w->partnership);
    w->school_a = test_school(w->partnership);
    w->school_b = test_school(w->partnership);
    /* A host school whose name needs UTF-8 and escaping. */
    char *unique = test_unique("");
    w->school_name =
        test_fmt("\xC3\x89\x63ole <script>alert(1)</script> Saint-J\xC3\xA9r\xC3\xB4me%s", unique);
    char *school_path = test_fmt("/v1/schools/%s", w->host);
    callf("PATCH", school_path, 200, "{\"name\":\"%s\"}", w->school_name);

    w->host_lead = test_person(w->host);
    w->partnership_lead = test_person(w->school_a);
    w->r1 = test_person(w->school_a);
    w->r2 = test_person(w->school_b);
    w->r3 = test_person(w->school_a);
    w->champion = test_person(w->school_b);
    w->owner1 = test_person(w->host);
    w->owner2 = test_person(w->host);
    w->trainee = test_person(w->school_a);
    callf("PATCH", school_path, 200, "{\"lead_contact_id\":\"%s\"}", w->host_lead);
    callf("PATCH", path, 200, "{\"lead_contact_id\":\"%s\"}", w->partnership_lead);
    accredit(w, w->r1, "peer_reviewer");
    accredit(w, w->r2, "peer_reviewer");
    accredit(w, w->r3, "peer_reviewer");
    accredit(w, w->champion, "improvement_champion");
    path = test_fmt("/v1/people/%s", w->r3);
    call_ok("PATCH", path, "{\"notification_preferences\":{\"review_visit_7d\":false}}", 200);

    w->rv7 = review_new(w, day(&w->w, 7), day(&w->w, 8));
    review_team(w->rv7, w->r1, "lead_reviewer");
    review_team(w->rv7, w->r2, "peer_reviewer");
    review_team(w->rv7, w->r3, "peer_reviewer");
    review_move(w->rv7, "scheduled");

    w->rv1 = review_new(w, day(&w->w, 1), day(&w->w, 1));
    review_team(w->rv1, w->r1, "lead_reviewer");
    review_team(w->rv1, w->r2, "peer_reviewer");
    review_move(w->rv1, "scheduled");

    w->rw = review_new(w, day(&w->w, -10), day(&w->w, -9));
    review_team(w->rw, w->r1, "lead_reviewer");
    review_team(w->rw, w->r2, "peer_reviewer");
    review_move(w->rw, "scheduled");
    review_move(w->rw, "in_review");
    review_champion(w->rw, w->champion);
    char *body = test_fmt("{\"workshop_on\":\"%s\"}", day(&w->w, 3));
    review_patch(w->rw, body);

    w->ri = review_new(w, day(&w->w, -40), day(&w->w, -39));
    review_team(w->ri, w->r1, "lead_reviewer");
    review_team(w->ri, w->r2, "peer_reviewer");
    review_move(w->ri, "scheduled");
    review_move(w->ri, "in_review");
    char *ev = review_item(w->ri, "evidence",
                           "{\"kind\":\"lesson_observation\",\"summary\":\"Year 2 reading\","
                           "\"recorded_by\":\"%s\"}",
                           w->r1);
    review_item(w->ri, "findings",
                "{\"kind\":\"strength\",\"text\":\"Pupils decode confidently.\","
                "\"evidence_ids\":[\"%s\"]}",
                ev);
    review_champion(w->ri, w->champion); /* before feedback: no assignment job */
    body = test_fmt("{\"workshop_on\":\"%s\"}", day(&w->w, -30));
    review_patch(w->ri, body);
    review_move(w->ri, "feedback");
    review_move(w->ri, "workshop");
    review_item(w->ri, "actions",
                "{\"description\":\"Library hour <b>every</b> week\",\"owner_id\":"
                "\"%s\",\"due_on\":\"%s\"}",
                w->owner1, day(&w->w, 7));
    review_item(w->ri, "actions",
                "{\"description\":\"Reading corners in every class\",\"owner_id\":"
                "\"%s\",\"due_on\":\"%s\"}",
                w->owner2, day(&w->w, -3));
    body = test_fmt("{\"implementation_due_on\":\"%s\"}", day(&w->w, -1));
    review_patch(w->ri, body);
    review_move(w->ri, "implementing");

    w->rp = review_new(w, day(&w->w, 30), day(&w->w, 31));

    /* The course starts at 00:00Z on L+2: midday of L+2 in Auckland. */
    w->session = test_create("/v1/training-sessions", test_admin(),
                             "{\"course\":\"peer_reviewer\",\"starts_at\":\"%sT00:00:00Z\","
                             "\"ends_at\":\"%sT06:00:00Z\",\"location\":\"Leeds Civic Hall\","
                             "\"capacity\":10}",
                             day(&w->w, 2), day(&w->w, 2));
    path = test_fmt("/v1/training-sessions/%s/bookings", w->session);
    callf("POST", path, 201, "{\"person_id\":\"%s\"}", w->trainee);
}

/* POST /v1/admin/reminder-scan for as_of; returns the job id. */
static char *scan(const char *as_of)
{
    char *body = test_fmt("{\"as_of\":\"%s\"}", as_of);
    struct http_resp *r = http_call("POST", "/v1/admin/reminder-scan", test_admin(), body, NULL);
    ck_assert_msg(r->status == 202, "reminder-scan -> %ld %s", r->status, r->body);
    ck_assert_str_eq(str(r, "kind"), "reminders.scan");
    char *id = xstrdup(str(r, "id"));
    char *loc = test_fmt("/v1/jobs/%s", id);
    ck_assert_str_eq(http_header(r, "Location"), loc);
    http_free(r);
    return id;
}

static void job_wait_succeeded(const char *id)
{
    char *path = test_fmt("/v1/jobs/%s", id);
    for (int i = 0; i < DELIVERY_WAIT_S * 10; i++) {
        struct http_resp *r = test_call("GET", path, test_admin(), NULL, 200, NULL);
        int done = !strcmp(str(r, "status"), "succeeded");
        ck_assert_msg(strcmp(str(r, "status"), "dead") != 0, "job %s: %s", id, r->body);
        http_free(r);
        if (done) {
            return;
        }
        usleep(100 * 1000);
    }
    ck_abort_msg("job %s did not succeed in %d s", id, DELIVERY_WAIT_S);
}

/* The notifications of person (all of them, newest first), as GET /v1/notifications shows
 * them. The caller decrefs. */
static json_t *notifications_of(const char *person)
{
    char *path = test_fmt("/v1/notifications?person_id=%s&limit=200", person);
    struct http_resp *r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    json_t *items = json_incref(json_object_get(r->json, "items"));
    http_free(r);
    return items;
}

/* Waits until none of the people's notifications is pending (or the time is up). */
static void wait_delivered(char *const *people, size_t n)
{
    for (int i = 0; i < DELIVERY_WAIT_S * 4; i++) {
        int pending = 0;
        for (size_t k = 0; k < n; k++) {
            json_t *items = notifications_of(people[k]);
            size_t j;
            json_t *it;
            json_array_foreach(items, j, it)
            {
                if (!strcmp(json_string_value(json_object_get(it, "status")), "pending"))
                    pending++;
            }
            json_decref(items);
        }
        if (!pending)
            return;
        usleep(250 * 1000);
    }
    ck_abort_msg("notifications still pending after %d s", DELIVERY_WAIT_S);
}

/* ---- the maildir ---- */

struct mail {
    char *raw;  /* the file with CRs removed */
    char *body; /* into raw, after the header */
};

struct mailbox {
    struct mail *m;
    size_t n;
};

static char *file_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    size_t len = 0, cap = 0;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got + 1 > cap) {
            cap = (len + got + 1) * 2;
            data = xrealloc(data, cap);
        }
        for (size_t i = 0; i < got; i++)
            if (chunk[i] != '\r')
                data[len++] = chunk[i];
    }
    fclose(f);
    if (!data)
        data = xstrdup("");
    else
        data[len] = '\0';
    return data;
}

static void mailbox_load(struct mailbox *mb)
{
    const char *dir = getenv("SPP_TEST_MAILDIR");
    ck_assert_msg(dir != NULL, "SPP_TEST_MAILDIR is not set (the SMTP server's maildir)");
    char *newdir = test_fmt("%s/new", dir);
    DIR *d = opendir(newdir);
    ck_assert_msg(d != NULL, "cannot open %s", newdir);
    mb->m = NULL;
    mb->n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *path = test_fmt("%s/%s", newdir, e->d_name);
        char *raw = file_read(path);
        if (!raw)
            continue;
        mb->m = xrealloc(mb->m, (mb->n + 1) * sizeof *mb->m);
        char *sep = strstr(raw, "\n\n");
        mb->m[mb->n].raw = raw;
        mb->m[mb->n].body = sep ? sep + 2 : raw + strlen(raw);
        mb->n++;
    }
    closedir(d);
}

static void mailbox_free(struct mailbox *mb)
{
    for (size_t i = 0; i < mb->n; i++)
        free(mb->m[i].raw);
    free(mb->m);
}

/* The unfolded value of header name, or NULL (caller frees). */
static char *mail_header(const struct mail *m, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *line = m->raw; line && line < m->body;) {
        if (!strncasecmp(line, name, nlen) && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            while (*v == ' ')
                v++;
            char *out = xstrdup("");
            const char *end;
            for (;;) {
                end = strchr(v, '\n');
                size_t n = end ? (size_t)(end - v) : strlen(v);
                char *next = xasprintf("%s%.*s", out, (int)n, v);
                free(out);
                out = next;
                if (!end || (end[1] != ' ' && end[1] != '\t'))
                    break;
                v = end + 1; /* the fold's whitespace stays, as unfolding says */
            }
            return out;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return NULL;
}

/* Decodes RFC 2047 B-encoded UTF-8 words; the whitespace between two adjacent encoded-words
 * is dropped, other text is kept. Caller frees. */
static char *rfc2047_decode(const char *s)
{
    struct {
        char *data;
        size_t len;
    } out = {xstrdup(""), 0};
    int prev_word = 0;
    while (*s) {
        const char *ws = s;
        while (*s == ' ' || *s == '\t')
            s++;
        const char *piece = ws;
        size_t piece_len = (size_t)(s - ws);
        unsigned char *dec = NULL;
        if (!strncasecmp(s, "=?UTF-8?B?", 10)) {
            const char *start = s + 10;
            const char *end = strstr(start, "?=");
            ck_assert_ptr_nonnull(end);
            size_t n = (size_t)(end - start);
            dec = xmalloc(n + 1);
            int len = EVP_DecodeBlock(dec, (const unsigned char *)start, (int)n);
            ck_assert_int_ge(len, 0);
            for (size_t i = n; i > 0 && start[i - 1] == '='; i--)
                len--; /* EVP_DecodeBlock counts the padding as bytes */
            if (prev_word)
                piece_len = 0; /* the fold between two words is not text */
            out.data = xrealloc(out.data, out.len + piece_len + (size_t)len + 1);
            memcpy(out.data + out.len, piece, piece_len);
            memcpy(out.data + out.len + piece_len, dec, (size_t)len);
            out.len += piece_len + (size_t)len;
            s = end + 2;
            prev_word = 1;
        } else {
            while (*s && *s != ' ' && *s != '\t')
                s++;
            piece_len = (size_t)(s - ws);
            out.data = xrealloc(out.data, out.len + piece_len + 1);
            memcpy(out.data + out.len, piece, piece_len);
            out.len += piece_len;
            prev_word = 0;
        }
        out.data[out.len] = '\0';
        free(dec);
    }
    return out.data;
}

/* Decodes quoted-printable text (soft line breaks and =XX). Caller frees. */
static char *qp_decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' && i + 1 < n && s[i + 1] == '\n') {
            i++;
        } else if (s[i] == '=' && i + 2 < n) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* The decoded content of the body part of type (e.g. "text/html"), or NULL (caller frees). */
static char *mail_part(const struct mail *m, const char *type)
{
    char *needle = test_fmt("Content-Type: %s", type);
    const char *h = strstr(m->body, needle);
    if (!h)
        return NULL;
    const char *start = strstr(h, "\n\n");
    if (!start)
        return NULL;
    start += 2;
    const char *end = strstr(start, "\n--");
    size_t n = end ? (size_t)(end - start) : strlen(start);
    int qp = strstr(h, "quoted-printable") && strstr(h, "quoted-printable") < start;
    return qp ? qp_decode(start, n) : xstrndup(start, n);
}

/* How many messages carry this Message-ID. */
static int mailbox_count_id(const struct mailbox *mb, const char *notification_id)
{
    char *want = test_message_id(notification_id);
    int n = 0;
    for (size_t i = 0; i < mb->n; i++) {
        char *id = mail_header(&mb->m[i], "Message-ID");
        if (id && !strcmp(id, want))
            n++;
        free(id);
    }
    return n;
}

static const struct mail *mailbox_find_id(const struct mailbox *mb, const char *notification_id)
{
    char *want = test_message_id(notification_id);
    const struct mail *found = NULL;
    for (size_t i = 0; i < mb->n && !found; i++) {
        char *id = mail_header(&mb->m[i], "Message-ID");
        if (id && !strcmp(id, want))
            found = &mb->m[i];
        free(id);
    }
    return found;
}

/* Messages to address whose notification is one of the reminder kinds (a digest may reach the
 * same people if the nightly slot passes during the run; it is not counted). */
static int mailbox_count_reminders_to(const struct mailbox *mb, const char *address)
{
    int n = 0;
    for (size_t i = 0; i < mb->n; i++) {
        char *to = mail_header(&mb->m[i], "To");
        char *id = mail_header(&mb->m[i], "Message-ID");
        if (to && id && !strcasecmp(to, address) && strlen(id) > 38) {
            char *uuid = xstrndup(id + 1, 36); /* <uuid@domain> */
            char *kind =
                db_value("SELECT kind FROM notifications WHERE id::text = $1", uuid, NULL, NULL);
            if (kind && strcmp(kind, "digest") != 0)
                n++;
            free(kind);
            free(uuid);
        }
        free(to);
        free(id);
    }
    return n;
}

/* ---- the tests ---- */

struct expect {
    const char *kind;
    char *const *person;
};

START_TEST(every_reminder_once_per_recipient)
{
    struct world w;
    world_setup(&w);

    /* Two scans of the same day, the same instant asked twice, and a scan two days later in
     * the same week: nothing is due twice. */
    char *j1 = scan(w.w.as_of);
    char *j1again = scan(w.w.as_of);
    ck_assert_str_eq(j1, j1again);
    job_wait_succeeded(j1);
    char *j2 = scan(w.w.later);
    ck_assert_str_ne(j1, j2);
    job_wait_succeeded(j2);

    char *people[] = {w.host_lead, w.partnership_lead, w.r1,     w.r2,     w.r3,
                      w.champion,  w.owner1,           w.owner2, w.trainee};
    size_t npeople = sizeof people / sizeof *people;
    wait_delivered(people, npeople);

    const struct expect expected[] = {
        {"review_visit_7d", &w.r1},
        {"review_visit_7d", &w.r2},
        {"review_visit_7d", &w.host_lead},
        {"review_visit_1d", &w.r1},
        {"review_visit_1d", &w.r2},
        {"review_visit_1d", &w.host_lead},
        {"workshop_3d", &w.champion},
        {"workshop_3d", &w.host_lead},
        {"action_due_7d", &w.owner1},
        {"action_overdue", &w.owner2},
        {"impact_reflection_due", &w.host_lead},
        {"training_2d", &w.trainee},
        {"review_planning_6w", &w.partnership_lead},
    };
    size_t nexpected = sizeof expected / sizeof *expected;

    struct mailbox mb;
    mailbox_load(&mb);
    /* Each expected notification exists once, was sent once (attempts 1) and arrived once. */
    size_t seen = 0;
    for (size_t k = 0; k < npeople; k++) {
        json_t *items = notifications_of(people[k]);
        size_t j;
        json_t *it;
        json_array_foreach(items, j, it)
        {
            const char *kind = json_string_value(json_object_get(it, "kind"));
            const char *status = json_string_value(json_object_get(it, "status"));
            const char *id = json_string_value(json_object_get(it, "id"));
            if (!strcmp(kind, "digest"))
                continue;
            if (people[k] == w.r3) {
                /* Opted out: stored as skipped, never sent. */
                ck_assert_str_eq(kind, "review_visit_7d");
                ck_assert_str_eq(status, "skipped");
                ck_assert_int_eq(json_integer_value(json_object_get(it, "attempts")), 0);
                ck_assert_int_eq(mailbox_count_id(&mb, id), 0);
                seen++;
                continue;
            }
            int wanted = 0;
            for (size_t e = 0; e < nexpected; e++)
                if (*expected[e].person == people[k] && !strcmp(expected[e].kind, kind))
                    wanted++;
            ck_assert_msg(wanted == 1, "unexpected %s for person %zu", kind, k);
            ck_assert_msg(!strcmp(status, "sent"), "%s for person %zu is %s", kind, k, status);
            ck_assert_int_eq(json_integer_value(json_object_get(it, "attempts")), 1);
            ck_assert_ptr_null(json_string_value(json_object_get(it, "last_error")));
            ck_assert_msg(mailbox_count_id(&mb, id) == 1, "%s for person %zu arrived %d times",
                          kind, k, mailbox_count_id(&mb, id));
            seen++;
        }
        json_decref(items);
    }
    ck_assert_uint_eq(seen, nexpected + 1);

    /* By address too: every recipient got exactly their reminders, r3 none. */
    for (size_t k = 0; k < npeople; k++) {
        char *email =
            db_value("SELECT lower(email) FROM people WHERE id = $1::uuid", people[k], NULL, NULL);
        int want = 0;
        for (size_t e = 0; e < nexpected; e++)
            if (*expected[e].person == people[k])
                want++;
        ck_assert_msg(mailbox_count_reminders_to(&mb, email) == want, "%s: %d messages, want %d",
                      email, mailbox_count_reminders_to(&mb, email), want);
        free(email);
    }

    /* One message inspected whole: the host's 7-day visit reminder. */
    char *nid = db_value("SELECT id FROM notifications WHERE kind = 'review_visit_7d' AND "
                         "person_id = $1::uuid",
                         w.host_lead, NULL, NULL);
    const struct mail *m = mailbox_find_id(&mb, nid);
    ck_assert_ptr_nonnull(m);
    char *date = mail_header(m, "Date");
    ck_assert_ptr_nonnull(date);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    ck_assert_msg(rest && !*rest, "Date: %s", date);
    ck_assert(labs((long)(timegm(&tm) - time(NULL))) < 600);
    char *ctype = mail_header(m, "Content-Type");
    ck_assert_ptr_nonnull(strstr(ctype, "multipart/alternative"));
    ck_assert_ptr_nonnull(strstr(ctype, "boundary="));
    char *subject = mail_header(m, "Subject");
    ck_assert_msg(!strncmp(subject, "=?UTF-8?B?", 10), "Subject: %s", subject);
    char *decoded = rfc2047_decode(subject);
    char *want_subject = test_fmt("Peer review visit in 7 days: %s", w.school_name);
    ck_assert_str_eq(decoded, want_subject);
    char *text = mail_part(m, "text/plain; charset=utf-8");
    char *html = mail_part(m, "text/html; charset=utf-8");
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(html);
    ck_assert_ptr_nonnull(strstr(text, w.school_name)); /* the text shows it as it is */
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(html, "Your school is hosting this review."));
    /* The visit as the host school's partnership counts it (Auckland), formatted. */
    char *visit =
        db_value("SELECT to_char($1::date, 'FMDay FMDD FMMonth YYYY')", day(&w.w, 7), NULL, NULL);
    ck_assert_ptr_nonnull(strstr(text, visit));
    free(visit);
    char *to = mail_header(m, "To");
    char *email =
        db_value("SELECT lower(email) FROM people WHERE id = $1::uuid", w.host_lead, NULL, NULL);
    ck_assert_str_eq(to, email);

    free(email);
    free(to);
    free(html);
    free(text);
    free(decoded);
    free(subject);
    free(ctype);
    free(date);
    free(nid);
    mailbox_free(&mb);
    free(j1);
    free(j1again);
    free(j2);

    /* A delivery job run again for a sent notification sends nothing (nothing twice). */
    nid = db_value("SELECT id FROM notifications WHERE kind = 'training_2d' AND "
                   "person_id = $1::uuid",
                   w.trainee, NULL, NULL);
    char *again = db_value("INSERT INTO jobs (kind, payload, dedupe_key) VALUES "
                           "('notification.deliver', jsonb_build_object('notification_id', "
                           "$1::uuid), 'test-again:' || $1) RETURNING id",
                           nid, NULL, NULL);
    job_wait_succeeded(again);
    mailbox_load(&mb);
    ck_assert_int_eq(mailbox_count_id(&mb, nid), 1);
    mailbox_free(&mb);
    free(again);
    free(nid);
}
END_TEST

/* A notification that cannot be sent (an address the relay never sees) records each attempt
 * with its error, and is failed once its job has no attempt left. */
START_TEST(undeliverable_records_attempts_and_fails)
{
    char *school = test_school(NULL);
    char *person = test_person(school);
    char *job = db_value("WITH n AS (INSERT INTO notifications (kind, subject_id, person_id, "
                         "recipient, due_on, data) VALUES ('training_2d', gen_random_uuid(), "
                         "$1::uuid, 'not an address', current_date, '{}') RETURNING id) "
                         "INSERT INTO jobs (kind, payload, dedupe_key, max_attempts) "
                         "SELECT 'notification.deliver', jsonb_build_object('notification_id', "
                         "n.id), 'notification:' || n.id, 2 FROM n RETURNING id",
                         person, NULL, NULL);
    char *path = test_fmt("/v1/jobs/%s", job);
    const char *status = "";
    struct http_resp *r = NULL;
    /* Two attempts, the second after a backoff of a few seconds (SPP_RETRY_BASE_S). */
    for (int i = 0; i < 600; i++) {
        http_free(r);
        r = http_call("GET", path, test_admin(), NULL, NULL);
        status = str(r, "status");
        if (!strcmp(status, "dead"))
            break;
        usleep(100 * 1000);
    }
    ck_assert_msg(!strcmp(status, "dead"), "job: %s", r->body);
    http_free(r);
    json_t *items = notifications_of(person);
    ck_assert_int_eq(json_array_size(items), 1);
    json_t *n = json_array_get(items, 0);
    ck_assert_str_eq(json_string_value(json_object_get(n, "status")), "failed");
    ck_assert_int_eq(json_integer_value(json_object_get(n, "attempts")), 2);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(n, "last_error")), "not a usable address"));
    ck_assert_ptr_null(json_string_value(json_object_get(n, "sent_at")));
    json_decref(items);
    free(job);
}
END_TEST

/* The guarantee the README states for email: at least once. A worker that dies after the relay
 * accepted a message but before its transaction committed leaves the notification pending and
 * the job to be run again: the message goes out a second time with the same Message-ID, so
 * receivers can drop it. That state is made here by hand, exactly as the lost commit leaves it. */
START_TEST(crash_after_sending_resends_with_the_same_message_id)
{
    char *school = test_school(NULL);
    char *person = test_person(school);
    char *note = db_value("INSERT INTO notifications (kind, subject_id, person_id, recipient, "
                          "due_on, data) SELECT 'training_2d', gen_random_uuid(), pe.id, pe.email, "
                          "current_date, '{}' FROM people pe WHERE pe.id = $1 RETURNING id",
                          person, NULL, NULL);
    char *job =
        db_value("INSERT INTO jobs (kind, payload, dedupe_key) VALUES "
                 "('notification.deliver', jsonb_build_object('notification_id', $1::uuid), "
                 "'notification:' || $1) RETURNING id",
                 note, NULL, NULL);
    job_wait_succeeded(job);
    struct mailbox mb;
    mailbox_load(&mb);
    ck_assert_int_eq(mailbox_count_id(&mb, note), 1);
    mailbox_free(&mb);

    /* The commit that recorded the send is lost; the lease runs out; the job is due again. */
    free(db_value("WITH n AS (UPDATE notifications SET status = 'pending', sent_at = NULL, "
                  "attempts = 0 WHERE id = $1 RETURNING id) UPDATE jobs SET status = 'queued', "
                  "run_at = clock_timestamp(), finished_at = NULL, published_at = NULL "
                  "WHERE id = $2 RETURNING id",
                  note, job, NULL));
    job_wait_succeeded(job);
    mailbox_load(&mb);
    ck_assert_int_eq(mailbox_count_id(&mb, note), 2); /* twice, under one Message-ID */
    mailbox_free(&mb);

    /* Recorded this time: running the job once more sends nothing. */
    free(db_value("UPDATE jobs SET status = 'queued', run_at = clock_timestamp(), "
                  "finished_at = NULL, published_at = NULL WHERE id = $1 RETURNING id",
                  job, NULL, NULL));
    job_wait_succeeded(job);
    mailbox_load(&mb);
    ck_assert_int_eq(mailbox_count_id(&mb, note), 2);
    mailbox_free(&mb);
    free(job);
    free(note);
}
END_TEST

START_TEST(list_by_scope_newest_first)
{
    struct test_chain c; /* the hub, partnership, school and person ("me") */
    test_chain_setup(&c);
    char *other_school = test_school(c.partnership);
    char *colleague = test_person(c.school);
    char *outsider = test_person(other_school);
    /* Four notifications, created in order through spp_notify (as every producer does), for
     * people who switched the kind off: stored as skipped, nothing to send. */
    const char *who[] = {c.person, colleague, outsider, c.person};
    const char *const everyone[] = {c.person, colleague, outsider};
    for (int i = 0; i < 3; i++) {
        char *pp = test_fmt("/v1/people/%s", everyone[i]);
        call_ok("PATCH", pp, "{\"notification_preferences\":{\"training_2d\":false}}", 200);
    }
    char *ids[4];
    for (int i = 0; i < 4; i++) {
        char *email = db_value("SELECT email FROM people WHERE id = $1::uuid", who[i], NULL, NULL);
        char *due = test_fmt("2031-01-0%d", i + 1);
        db_value("SELECT spp_notify('training_2d', gen_random_uuid(), $1::uuid, $2, $3::date, "
                 "NULL, '{}')",
                 who[i], email, due);
        ids[i] = db_value("SELECT id FROM notifications WHERE person_id = $1::uuid AND due_on = "
                          "$2::date",
                          who[i], due, NULL);
        free(email);
    }
    /* A person key: its own, newest first, page by page. */
    char *me_tok = test_key("person", c.person);
    struct http_resp *r = test_call("GET", "/v1/notifications?limit=1", me_tok, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r->json, "items"), 0), "id")),
                     ids[3]);
    const char *cursor = json_string_value(json_object_get(r->json, "next_cursor"));
    ck_assert_ptr_nonnull(cursor);
    ck_assert_ptr_nonnull(http_header(r, "Link"));
    char *next = test_fmt("/v1/notifications?limit=1&cursor=%s", cursor);
    http_free(r);
    r = test_call("GET", next, me_tok, NULL, 200, NULL);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")), ids[0]);
    ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
    http_free(r);
    /* Someone else's notifications are not a person key's. */
    char *path = test_fmt("/v1/notifications?person_id=%s", colleague);
    r = test_call("GET", path, me_tok, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    http_free(r);
    /* A school key: its people's, not another school's. */
    char *school_tok = test_key("school", c.school);
    r = test_call("GET", "/v1/notifications?limit=200", school_tok, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 3);
    ck_assert_ptr_null(strstr(r->body, ids[2]));
    http_free(r);
    /* Partnership and hub keys: everyone's beneath them; the status filter. */
    char *p_tok = test_key("partnership", c.partnership);
    r = test_call("GET", "/v1/notifications?limit=200&status=skipped", p_tok, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 4);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r->json, "items"), 0), "status")),
                     "skipped");
    http_free(r);
    r = test_call("GET", "/v1/notifications?limit=200&status=pending", p_tok, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    http_free(r);
    char *hub_tok = test_key("hub", c.hub);
    path = test_fmt("/v1/notifications?person_id=%s&status=skipped", outsider);
    r = test_call("GET", path, hub_tok, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    ck_assert_ptr_nonnull(strstr(r->body, ids[2]));
    http_free(r);
    /* Another hub's key sees none of them. */
    char *other_hub = test_hub();
    char *other_tok = test_key("hub", other_hub);
    r = test_call("GET", path, other_tok, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    http_free(r);
    /* Bad filters. */
    test_expect("GET", "/v1/notifications?status=lost", test_admin(), NULL, 422, NULL);
    test_expect_errors("GET", "/v1/notifications?review_id=nope&colour=red", test_admin(), NULL,
                       422, NULL, 2);
    for (int i = 0; i < 4; i++)
        free(ids[i]);
}
END_TEST

START_TEST(reminder_scan_is_admin_only)
{
    char *school = test_school(NULL);
    char *tok = test_key("school", school);
    test_expect("POST", "/v1/admin/reminder-scan", tok, "{\"as_of\":\"2031-01-01T09:00:00Z\"}", 403,
                "forbidden");
    test_expect("POST", "/v1/admin/reminder-scan", test_admin(), "{}", 422, NULL);
    test_expect_errors("POST", "/v1/admin/reminder-scan", test_admin(),
                       "{\"as_of\":\"yesterday\",\"extra\":1}", 422, NULL, 2);
    /* One instant written two ways is one job (an instant when nothing is due). */
    struct http_resp *r = test_call("POST", "/v1/admin/reminder-scan", test_admin(),
                                    "{\"as_of\":\"2001-01-01T10:00:00+01:00\"}", 202, NULL);
    char *id = xstrdup(str(r, "id"));
    http_free(r);
    r = test_call("POST", "/v1/admin/reminder-scan", test_admin(),
                  "{\"as_of\":\"2001-01-01T09:00:00Z\"}", 202, NULL);
    ck_assert_str_eq(str(r, "id"), id);
    http_free(r);
    free(id);
}
END_TEST

Suite *notifications_suite(void)
{
    Suite *s = suite_create("notifications");
    TCase *tc = tcase_create("notifications");
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, reminder_scan_is_admin_only);
    tcase_add_test(tc, list_by_scope_newest_first);
    tcase_add_test(tc, undeliverable_records_attempts_and_fails);
    tcase_add_test(tc, crash_after_sending_resends_with_the_same_message_id);
    tcase_add_test(tc, every_reminder_once_per_recipient);
    suite_add_tcase(s, tc);
    return s;
}
