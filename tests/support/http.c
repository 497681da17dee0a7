#include "http.h"

#include <check.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "xalloc.h"

/* What test_keep was handed, freed when the test's process exits (Check forks one a test; LSan's
 * check at exit was registered before main, so it runs after this). */
static struct {
    pthread_mutex_t lock;
    void **p;
    size_t n, cap;
    int at_exit;
} kept = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void test_free_kept(void)
{
    pthread_mutex_lock(&kept.lock);
    for (size_t i = 0; i < kept.n; i++)
        free(kept.p[i]);
    free(kept.p);
    kept.p = NULL;
    kept.n = kept.cap = 0;
    pthread_mutex_unlock(&kept.lock);
}

void *test_keep(void *p)
{
    if (!p)
        return NULL;
    pthread_mutex_lock(&kept.lock);
    if (!kept.at_exit) {
        kept.at_exit = 1;
        atexit(test_free_kept);
    }
    if (kept.n == kept.cap) {
        kept.cap = kept.cap ? kept.cap * 2 : 64;
        kept.p = xrealloc(kept.p, kept.cap * sizeof *kept.p);
    }
    kept.p[kept.n++] = p;
    pthread_mutex_unlock(&kept.lock);
    return p;
}

char *test_repeat(char c, size_t n)
{
    char *s = xmalloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return test_keep(s);
}

char *test_fmt(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(n, 0);
    return test_keep(s);
}

static size_t http_write(char *ptr, size_t size, size_t n, void *arg)
{
    buf_append(arg, ptr, size * n);
    return size * n;
}

struct http_resp *http_call(const char *method, const char *path, const char *token,
                            const char *body, const char *const *headers)
{
    const char *base = getenv("SPP_TEST_URL");
    ck_assert_msg(base != NULL, "SPP_TEST_URL is not set");
    char url[4096];
    snprintf(url, sizeof url, "%s%s", base, path);
    CURL *c = curl_easy_init();
    struct buf b, h;
    buf_init(&b);
    buf_init(&h);
    struct curl_slist *list = NULL;
    char line[1024];
    int has_ct = 0;
    for (const char *const *p = headers; p && *p; p++) {
        list = curl_slist_append(list, *p);
        if (!strncasecmp(*p, "Content-Type:", 13))
            has_ct = 1;
    }
    if (token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", token);
        list = curl_slist_append(list, line);
    }
    if (body && !has_ct)
        list = curl_slist_append(list, "Content-Type: application/json");
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_write);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(c);
    ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
    struct http_resp *r = xcalloc(1, sizeof *r);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    r->body = buf_steal(&b, &r->body_len);
    r->headers = buf_steal(&h, NULL);
    r->json = json_loadb(r->body, r->body_len, 0, NULL);
    return r;
}

const char *http_header(const struct http_resp *r, const char *name)
{
    static __thread char value[4096];
    size_t n = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > n && p[n] == ':' && !strncasecmp(p, name, n)) {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t vl = len - (size_t)(v - p);
            if (vl >= sizeof value)
                vl = sizeof value - 1;
            memcpy(value, v, vl);
            value[vl] = '\0';
            return value;
        }
        p = eol ? eol + 2 : p + len;
    }
    return NULL;
}

void http_free(struct http_resp *r)
{
    if (!r)
        return;
    json_decref(r->json);
    free(r->body);
    free(r->headers);
    free(r);
}

const char *test_admin(void)
{
    const char *t = getenv("SPP_TEST_ADMIN_TOKEN");
    ck_assert_msg(t != NULL, "SPP_TEST_ADMIN_TOKEN is not set");
    return t;
}

static unsigned long test_counter(void)
{
    static unsigned long n;
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    unsigned long v = ++n;
    pthread_mutex_unlock(&mu);
    return v;
}

char *test_unique(const char *prefix)
{
    return test_keep(
        xasprintf("%s %ld-%d-%lu", prefix, (long)time(NULL), (int)getpid(), test_counter()));
}

char *test_email(const char *prefix)
{
    char *u = test_unique(prefix);
    for (char *c = u; *c; c++)
        if (*c == ' ')
            *c = '.';
    return test_fmt("%s@Example.ORG", u);
}

const char *test_urn(void)
{
    static __thread char urn[8];
    /* pid and a counter keep URNs apart across the forked tests and the runs of one database. */
    unsigned long v =
        ((unsigned long)getpid() * 7919UL + test_counter() * 104729UL + (unsigned long)time(NULL)) %
        9000000UL;
    snprintf(urn, sizeof urn, "%07lu", 1000000UL + v % 8999999UL);
    return urn;
}

const char *test_code(const struct http_resp *r)
{
    const json_t *c = r->json ? json_object_get(r->json, "code") : NULL;
    return json_is_string(c) ? json_string_value(c) : "";
}

/* test_call with extra headers. */
static struct http_resp *test_call_headers(const char *method, const char *path, const char *token,
                                           const char *body, const char *const *headers,
                                           long status, const char *code)
{
    struct http_resp *r = http_call(method, path, token, body, headers);
    ck_assert_msg(r->status == status, "%s %s -> %ld, not %ld: %s", method, path, r->status, status,
                  r->body);
    if (code)
        ck_assert_msg(!strcmp(test_code(r), code), "%s %s -> code \"%s\", not \"%s\"", method, path,
                      test_code(r), code);
    return r;
}

struct http_resp *test_call(const char *method, const char *path, const char *token,
                            const char *body, long status, const char *code)
{
    return test_call_headers(method, path, token, body, NULL, status, code);
}

void test_expect_headers(const char *method, const char *path, const char *token, const char *body,
                         const char *const *headers, long status, const char *code)
{
    http_free(test_call_headers(method, path, token, body, headers, status, code));
}

void test_expect(const char *method, const char *path, const char *token, const char *body,
                 long status, const char *code)
{
    http_free(test_call(method, path, token, body, status, code));
}

void test_expect_errors(const char *method, const char *path, const char *token, const char *body,
                        long status, const char *code, size_t nerrors)
{
    struct http_resp *r = test_call(method, path, token, body, status, code);
    size_t n = json_array_size(json_object_get(r->json, "errors"));
    ck_assert_msg(n == nerrors, "%s %s -> %zu errors, not %zu: %s", method, path, n, nerrors,
                  r->body);
    http_free(r);
}

void test_expect_field(const char *method, const char *path, const char *token, const char *body,
                       long status, const char *field)
{
    struct http_resp *r = test_call(method, path, token, body, status, NULL);
    const char *got = json_string_value(
        json_object_get(json_array_get(json_object_get(r->json, "errors"), 0), "field"));
    ck_assert_str_eq(got ? got : "", field);
    http_free(r);
}

struct http_resp *test_expect_created(const char *collection, const char *body, char **id,
                                      char **path)
{
    struct http_resp *r = test_call("POST", collection, test_admin(), body, 201, NULL);
    const char *got = json_string_value(json_object_get(r->json, "id"));
    ck_assert_ptr_nonnull(got);
    *id = test_fmt("%s", got);
    *path = test_fmt("%s/%s", collection, got);
    ck_assert_str_eq(http_header(r, "Location"), *path);
    ck_assert_str_eq(http_header(r, "ETag"), "\"1\"");
    return r;
}

void test_expect_in_use(const char *collection, const char *id)
{
    char *path = xasprintf("/v1/%s/%s", collection, id);
    test_expect("DELETE", path, test_admin(), NULL, 409, "conflict");
    test_expect("GET", path, test_admin(), NULL, 200, NULL);
    free(path);
}

void test_expect_invalid(const char *path, const char *body, const char *const *fields,
                         size_t nfields, size_t nerrors)
{
    struct http_resp *r = test_call("POST", path, test_admin(), body, 422, "validation_failed");
    json_t *errors = json_object_get(r->json, "errors");
    if (nerrors)
        ck_assert_int_eq(json_array_size(errors), nerrors);
    ck_assert_msg(json_is_array(errors), "no errors in %s", r->body);
    for (size_t i = 0; i < nfields; i++) {
        int seen = 0;
        size_t j;
        json_t *e;
        json_array_foreach(errors, j, e)
        {
            const char *f = json_string_value(json_object_get(e, "field"));
            if (f && !strcmp(f, fields[i]))
                seen = 1;
            ck_assert_ptr_nonnull(json_object_get(e, "message"));
        }
        ck_assert_msg(seen, "no error for %s in %s", fields[i], r->body);
    }
    http_free(r);
}

void test_expect_stale_if_match(const char *path, const char *first, const char *second)
{
    const char *v1[] = {"If-Match: \"1\"", NULL};
    test_expect_headers("PATCH", path, test_admin(), first, v1, 200, NULL);
    test_expect_headers("PATCH", path, test_admin(), second, v1, 412, "precondition_failed");
    test_expect_headers("DELETE", path, test_admin(), NULL, v1, 412, NULL);
}

char *test_message_id(const char *id)
{
    /* The worker's rule (smtp_message_id_domain) for the plain forms the test command sets:
     * "addr@domain" or "Name <addr@domain>". */
    const char *from = getenv("SPP_MAIL_FROM");
    const char *at = from ? strrchr(from, '@') : NULL;
    char domain[256] = "localhost";
    if (at && at[1]) {
        size_t n = strcspn(at + 1, "> ");
        snprintf(domain, sizeof domain, "%.*s", (int)n, at + 1);
        for (char *p = domain; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
    }
    return test_fmt("<%s@%s>", id, domain);
}

char *test_vformat(const char *fmt, va_list ap)
{
    if (!fmt)
        return NULL;
    char *s = NULL;
    ck_assert_int_ge(vasprintf(&s, fmt, ap), 0);
    return s;
}

char *test_create(const char *path, const char *token, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = test_vformat(fmt, ap);
    va_end(ap);
    struct http_resp *r = http_call("POST", path, token, body, NULL);
    ck_assert_msg(r->status == 201, "POST %s %s -> %ld %s", path, body, r->status, r->body);
    char *id = xstrdup(json_string_value(json_object_get(r->json, "id")));
    free(body);
    http_free(r);
    return test_keep(id);
}

/* An id as a JSON value in out: the quoted string, or null when id is NULL. */
static void test_json_id(char out[64], const char *id)
{
    if (id)
        snprintf(out, 64, "\"%s\"", id);
    else
        snprintf(out, 64, "null");
}

/* test_create of path with a fresh name (test_unique(prefix)) and then the JSON members fields. */
static char *test_named(const char *path, const char *prefix, const char *fields)
{
    return test_create(path, test_admin(), "{\"name\":\"%s\",%s}", test_unique(prefix), fields);
}

char *test_hub(void)
{
    return test_named("/v1/hubs", "Hub", "\"region\":\"North West\"");
}

char *test_partnership(const char *hub_id)
{
    char hub[64];
    test_json_id(hub, hub_id);
    return test_named("/v1/partnerships", "Partnership",
                      test_fmt("\"kind\":\"mat\",\"hub_id\":%s", hub));
}

char *test_school(const char *partnership_id)
{
    char *name = test_unique("School");
    char p[64];
    test_json_id(p, partnership_id);
    char *id = NULL;
    /* A URN may collide with one from an earlier run against the same database: try again. */
    for (int i = 0; i < 5 && !id; i++) {
        char *body = xasprintf("{\"urn\":\"%s\",\"name\":\"%s\",\"phase_of_education\":"
                               "\"primary\",\"local_authority\":\"Leeds\",\"partnership_id\":%s}",
                               test_urn(), name, p);
        struct http_resp *r = http_call("POST", "/v1/schools", test_admin(), body, NULL);
        if (r->status == 201)
            id = xstrdup(json_string_value(json_object_get(r->json, "id")));
        else
            ck_assert_msg(r->status == 409, "POST /v1/schools -> %ld %s", r->status, r->body);
        http_free(r);
        free(body);
    }
    ck_assert_ptr_nonnull(id);
    return test_keep(id);
}

char *test_person(const char *school_id)
{
    char *name = test_unique("Person");
    char *email = test_unique("p");
    for (char *c = email; *c; c++)
        if (*c == ' ')
            *c = '.';
    return test_create("/v1/people", test_admin(),
                       "{\"school_id\":\"%s\",\"full_name\":\"%s\",\"email\":\"%s@example.org\"}",
                       school_id, name, email);
}

char *test_key(const char *role, const char *scope_id)
{
    char scope[64];
    test_json_id(scope, scope_id);
    char *body = xasprintf("{\"name\":\"test key\",\"role\":\"%s\",\"scope_id\":%s}", role, scope);
    struct http_resp *r = http_call("POST", "/v1/api-keys", test_admin(), body, NULL);
    ck_assert_msg(r->status == 201, "POST /v1/api-keys -> %ld %s", r->status, r->body);
    char *token = xstrdup(json_string_value(json_object_get(r->json, "token")));
    http_free(r);
    free(body);
    return test_keep(token);
}
