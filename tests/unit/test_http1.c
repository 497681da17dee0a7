#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "unit.h"

/* Parses text (a copy: the parser rewrites folded lines) as one complete head. Returns what
 * http1_parse_head returned, or the negative status http1_head_end gave. The copy is kept in a
 * static buffer so that req's pointers stay good until the next call. */
static char copy[HTTP1_MAX_HEAD * 3];

static int parse(const char *text, size_t len, struct http1_request *req, long *head)
{
    ck_assert_uint_lt(len, sizeof copy);
    memcpy(copy, text, len);
    struct http1_scan s;
    http1_scan_init(&s);
    long end = http1_head_end(&s, copy, len);
    if (head)
        *head = end;
    if (end <= 0)
        return end == 0 ? 0 : (int)end;
    return http1_parse_head(copy, (size_t)end, req);
}

static int parse_str(const char *text, struct http1_request *req)
{
    long head;
    int rc = parse(text, strlen(text), req, &head);
    if (rc == 0)
        ck_assert_int_gt(head, 0);
    return rc;
}

static int value_is(const struct http1_request *req, const char *name, const char *want)
{
    size_t n;
    const char *v = http1_header_get(req, name, &n);
    return v && strlen(want) == n && memcmp(v, want, n) == 0;
}

START_TEST(http1_simple_get)
{
    struct http1_request req;
    ck_assert_int_eq(parse_str("GET /v1/schools/abc?limit=2&x=y#frag HTTP/1.1\r\nHost: x\r\n"
                               "Authorization:   Bearer t  \r\n\r\n",
                               &req),
                     0);
    ck_assert_int_eq(req.method, HTTP1_GET);
    ck_assert_int_eq(req.minor, 1);
    ck_assert_int_eq((int)req.path_len, 15);
    ck_assert(memcmp(req.path, "/v1/schools/abc", 15) == 0);
    ck_assert_int_eq((int)req.query_len, 11);
    ck_assert(memcmp(req.query, "limit=2&x=y", 11) == 0);
    ck_assert_int_eq(req.nheaders, 2);
    ck_assert(value_is(&req, "authorization", "Bearer t"));
    ck_assert(value_is(&req, "HOST", "x"));
    ck_assert_ptr_null(http1_header_get(&req, "Accept", NULL));
    ck_assert_int_eq(req.body_kind, HTTP1_BODY_NONE);
    ck_assert_int_eq(req.keep_alive, 1);
    ck_assert_int_eq(req.close_asked, 0);
}
END_TEST

START_TEST(http1_methods)
{
    static const struct {
        const char *m;
        int rc;
        enum http1_method method;
    } cases[] = {
        {"GET", 0, HTTP1_GET},      {"POST", 0, HTTP1_POST},      {"PUT", 0, HTTP1_PUT},
        {"PATCH", 0, HTTP1_PATCH},  {"DELETE", 0, HTTP1_DELETE},  {"OPTIONS", 0, HTTP1_OPTIONS},
        {"HEAD", 0, HTTP1_HEAD},    {"TRACE", -501, HTTP1_OTHER}, {"CONNECT", -501, HTTP1_OTHER},
        {"get", -501, HTTP1_OTHER}, {"BREW", -501, HTTP1_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "%s /healthz HTTP/1.1\r\nHost: x\r\n\r\n", cases[i].m);
        struct http1_request req;
        ck_assert_int_eq(parse_str(text, &req), cases[i].rc);
        ck_assert_int_eq(req.method, cases[i].method);
    }
    /* CONNECT's target is an authority, not a path. */
    struct http1_request creq;
    ck_assert_int_eq(parse_str("CONNECT 127.0.0.1:22 HTTP/1.1\r\n\r\n", &creq), -501);
    ck_assert_int_eq(parse_str("GET 127.0.0.1:22 HTTP/1.1\r\n\r\n", &creq), -400);
    /* A 5,000-byte method is a method this server does not serve, not a malformed line. */
    char *text = malloc(6000);
    memset(text, 'G', 5000);
    strcpy(text + 5000, " /healthz HTTP/1.1\r\n\r\n");
    struct http1_request req;
    ck_assert_int_eq(parse_str(text, &req), -501);
    free(text);
}
END_TEST

START_TEST(http1_bad_request_lines)
{
    static const char *const bad[] = {
        "\r\n",                                 /* an empty first line */
        "GET /\r\n\r\n",                        /* too short, no version */
        "GET /healthz\r\n\r\n",                 /* no version */
        "GET /healthz HTTP/2.0\r\n\r\n",        /* another major version */
        "GET /healthz HTTP/1.x\r\n\r\n",        /* not a digit */
        "GET /healthz HTTP/1.1x\r\n\r\n",       /* trailing text */
        "GET /healthz HTTP/0.9\r\n\r\n",        /* HTTP/0.9 */
        "GET /healthz\0 HTTP/1.1\r\n\r\n",      /* a NUL byte */
        "GET  HTTP/1.1\r\n\r\n",                /* an empty target */
        "GET /healthz HTTP/1.1 x\r\n\r\n",      /* text after the version */
        "GET a:b/c HTTP/1.1\r\n\r\n",           /* "a:" is a scheme: allowed, see below */
        "GET 1a:b HTTP/1.1\r\nHost: x\r\n\r\n", /* a colon in the first segment, no scheme */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct http1_request req;
        /* The NUL case needs its real length. */
        size_t len = i == 7 ? sizeof "GET /healthz\0 HTTP/1.1\r\n\r\n" - 1 : strlen(bad[i]);
        int rc = parse(bad[i], len, &req, NULL);
        if (i == 10)
            ck_assert_int_eq(rc, 0); /* "a:" is a scheme: the path is "b/c" */
        else
            ck_assert_msg(rc == -400, "case %zu: %d", i, rc);
    }
}
END_TEST

START_TEST(http1_targets)
{
    struct http1_request req;
    ck_assert_int_eq(parse_str("GET http://example.org:8080/v1/x?q=1 HTTP/1.1\r\n\r\n", &req), 0);
    ck_assert_int_eq((int)req.path_len, 5);
    ck_assert(memcmp(req.path, "/v1/x", 5) == 0);
    ck_assert(memcmp(req.query, "q=1", 3) == 0);
    ck_assert_int_eq(parse_str("GET * HTTP/1.1\r\n\r\n", &req), 0);
    ck_assert_int_eq((int)req.path_len, 1);
    ck_assert_int_eq(parse_str("GET /a b HTTP/1.1\r\n\r\n", &req), 0); /* evhttp took spaces */
    ck_assert_int_eq((int)req.path_len, 4);
    ck_assert_int_eq(parse_str("GET /x? HTTP/1.1\r\n\r\n", &req), 0);
    ck_assert_ptr_nonnull(req.query);
    ck_assert_int_eq((int)req.query_len, 0);
    ck_assert_int_eq(parse_str("GET /\xff HTTP/1.1   \r\n\r\n", &req), 0);
    ck_assert_int_eq((int)req.path_len, 2);
    ck_assert_int_eq(parse_str("GET /healthz HTTP/1.2\r\n\r\n", &req), 0);
    ck_assert_int_eq(req.minor, 1);
}
END_TEST

START_TEST(http1_bad_headers)
{
    struct http1_request req;
    ck_assert_int_eq(parse_str("GET / HTTP/1.1\r\nNoColonHere\r\n\r\n", &req), -400);
    ck_assert_int_eq(parse_str("GET / HTTP/1.1\r\n folded first\r\n\r\n", &req), -400);
    ck_assert_int_eq(parse_str("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", &req), -400);
    ck_assert_int_eq(parse_str("GET / HTTP/1.1\r\nX\rA: a\r\n\r\n", &req), -400);
    /* A NUL in a value is kept (the application reads up to it, as with evhttp). */
    static const char nul[] = "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n";
    ck_assert_int_eq(parse(nul, sizeof nul - 1, &req, NULL), 0);
    ck_assert_int_eq((int)req.headers[0].value_len, 3);
}
END_TEST

START_TEST(http1_folding)
{
    struct http1_request req;
    ck_assert_int_eq(parse_str("GET / HTTP/1.1\r\nX-Request-Id: a\r\n \t Set-Cookie: x=1  \r\n"
                               "Accept: */*\r\n\r\n",
                               &req),
                     0);
    ck_assert_int_eq(req.nheaders, 2);
    ck_assert(value_is(&req, "X-Request-Id", "a Set-Cookie: x=1"));
    ck_assert(value_is(&req, "Accept", "*/*"));
}
END_TEST

START_TEST(http1_keep_alive_rules)
{
    static const struct {
        const char *text;
        int keep, close, keepalive;
    } cases[] = {
        {"GET / HTTP/1.1\r\n\r\n", 1, 0, 0},
        {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 0, 1, 0},
        {"GET / HTTP/1.1\r\nConnection: CLOSE\r\n\r\n", 0, 1, 0},
        {"GET / HTTP/1.0\r\n\r\n", 0, 0, 0},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1, 0, 1},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive, foo\r\n\r\n", 1, 0, 1},
        {"GET / HTTP/1.0\r\nConnection: close\r\n\r\n", 0, 1, 0},
        /* The first Connection field decides, as evhttp_find_header found it. */
        {"GET / HTTP/1.1\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", 1, 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http1_request req;
        ck_assert_int_eq(parse_str(cases[i].text, &req), 0);
        ck_assert_msg(req.keep_alive == cases[i].keep, "case %zu", i);
        ck_assert_int_eq(req.close_asked, cases[i].close);
        ck_assert_int_eq(req.keepalive_asked, cases[i].keepalive);
    }
}
END_TEST

START_TEST(http1_framing)
{
    struct http1_request req;
    ck_assert_int_eq(parse_str("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", &req), 0);
    ck_assert_int_eq(req.body_kind, HTTP1_BODY_LENGTH);
    ck_assert_uint_eq(req.content_length, 12);
    ck_assert_int_eq(parse_str("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &req), 0);
    ck_assert_int_eq(req.body_kind, HTTP1_BODY_NONE);
    ck_assert_int_eq(parse_str("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n", &req), 0);
    ck_assert_int_eq(req.body_kind, HTTP1_BODY_CHUNKED);
    /* GET, DELETE and OPTIONS bodies are framed (and read) too. */
    ck_assert_int_eq(parse_str("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", &req), 0);
    ck_assert_int_eq(req.body_kind, HTTP1_BODY_LENGTH);
    /* HEAD reads none: the server judges its declared length. */
    ck_assert_int_eq(parse_str("HEAD / HTTP/1.1\r\nContent-Length: x\r\n\r\n", &req), 0);
    ck_assert_int_eq(req.body_kind, HTTP1_BODY_NONE);
    ck_assert_uint_eq(req.content_length, 0);
    static const char *const bad[] = {
        "POST / HTTP/1.1\r\nContent-Length: 26\r\nContent-Length: 0\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 27\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(parse_str(bad[i], &req) == -400, "case %zu", i);
    /* 18 digits is the longest length taken (then refused 413 by the server's limit). */
    ck_assert_int_eq(
        parse_str("POST / HTTP/1.1\r\nContent-Length: 999999999999999999\r\n\r\n", &req), 0);
}
END_TEST

START_TEST(http1_expect)
{
    struct http1_request req;
    ck_assert_int_eq(
        parse_str("POST / HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\n", &req), 0);
    ck_assert_int_eq(req.expect_continue, 1);
    ck_assert_int_eq(
        parse_str("POST / HTTP/1.1\r\nContent-Length: 3\r\nExpect: teapot\r\n\r\n", &req), -417);
    /* Without a body, or on HTTP/1.0, Expect is ignored (as evhttp did). */
    ck_assert_int_eq(parse_str("POST / HTTP/1.1\r\nExpect: teapot\r\n\r\n", &req), 0);
    ck_assert_int_eq(req.expect_continue, 0);
    ck_assert_int_eq(
        parse_str("POST / HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n", &req), 0);
    ck_assert_int_eq(req.expect_continue, 0);
}
END_TEST

/* A head of exactly HTTP1_MAX_HEAD bytes of lines (line ends not counted) passes; one more fails,
 * whether the head is complete or still arriving. */
START_TEST(http1_head_size_limit)
{
    static char text[HTTP1_MAX_HEAD * 2];
    const char *first = "GET / HTTP/1.1"; /* 14 bytes */
    size_t want = HTTP1_MAX_HEAD - 14;    /* the bytes of "X-Big: yyy…" */
    for (int extra = 0; extra <= 1; extra++) {
        size_t vlen = want - 7 + (size_t)extra;
        int n = snprintf(text, sizeof text, "%s\r\nX-Big: ", first);
        memset(text + n, 'y', vlen);
        n += (int)vlen;
        memcpy(text + n, "\r\n\r\n", 4);
        n += 4;
        struct http1_request req;
        long head;
        int rc = parse(text, (size_t)n, &req, &head);
        ck_assert_int_eq(rc, extra ? -400 : 0);
        /* Still arriving: the partial line alone is judged. */
        struct http1_scan s;
        http1_scan_init(&s);
        ck_assert_int_eq(http1_head_end(&s, text, (size_t)n - 2), extra ? -400 : 0);
    }
    /* A request line alone past the limit. */
    memset(text, 'a', sizeof text);
    struct http1_scan s;
    http1_scan_init(&s);
    ck_assert_int_eq(http1_head_end(&s, text, HTTP1_MAX_LINE + 1), 0);
    ck_assert_int_eq(http1_head_end(&s, text, HTTP1_MAX_LINE + 2), -400);
}
END_TEST

START_TEST(http1_header_count_limit)
{
    for (int extra = 0; extra <= 1; extra++) {
        static char text[HTTP1_MAX_HEAD];
        int n = snprintf(text, sizeof text, "GET / HTTP/1.1\r\n");
        for (int i = 0; i < HTTP1_MAX_HEADERS + extra; i++)
            n += snprintf(text + n, sizeof text - (size_t)n, "H%d: v\r\n", i);
        n += snprintf(text + n, sizeof text - (size_t)n, "\r\n");
        struct http1_request req;
        ck_assert_int_eq(parse(text, (size_t)n, &req, NULL), extra ? -400 : 0);
        if (!extra)
            ck_assert_int_eq(req.nheaders, HTTP1_MAX_HEADERS);
    }
}
END_TEST

/* Every way of cutting a head into two reads finds the same end, and nothing before it. */
START_TEST(http1_split_reads)
{
    const char *text = "POST /v1/hubs?x=1 HTTP/1.1\r\nHost: x\nContent-Type: application/json\r\n"
                       "X-F: a\r\n b\r\nContent-Length: 2\r\n\r\n{}GET / HTTP/1.1\r\n\r\n";
    size_t len = strlen(text);
    long whole;
    struct http1_request ref;
    ck_assert_int_eq(parse(text, len, &ref, &whole), 0);
    ck_assert_int_eq(whole, (long)(strstr(text, "{}") - text));
    for (size_t cut = 0; cut <= len; cut++) {
        char buf[256];
        memcpy(buf, text, len);
        struct http1_scan s;
        http1_scan_init(&s);
        long a = http1_head_end(&s, buf, cut);
        if ((long)cut < whole)
            ck_assert_int_eq(a, 0);
        else
            ck_assert_int_eq(a, whole);
        if (a == 0)
            ck_assert_int_eq(http1_head_end(&s, buf, len), whole);
        struct http1_request req;
        ck_assert_int_eq(http1_parse_head(buf, (size_t)whole, &req), 0);
        ck_assert(value_is(&req, "X-F", "a b"));
        ck_assert_uint_eq(req.content_length, 2);
    }
    /* One byte at a time. */
    char buf[256];
    memcpy(buf, text, len);
    struct http1_scan s;
    http1_scan_init(&s);
    long got = 0;
    for (size_t i = 1; i <= len && got == 0; i++)
        got = http1_head_end(&s, buf, i);
    ck_assert_int_eq(got, whole);
}
END_TEST

/* Pipelined requests: each head ends where the next begins. */
START_TEST(http1_pipelined)
{
    const char *text = "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                       "DELETE /c HTTP/1.1\r\nConnection: close\r\n\r\n";
    char buf[256];
    size_t len = strlen(text), at = 0;
    memcpy(buf, text, len);
    const char *paths[] = {"/a", "/b", "/c"};
    for (int i = 0; i < 3; i++) {
        struct http1_scan s;
        http1_scan_init(&s);
        long head = http1_head_end(&s, buf + at, len - at);
        ck_assert_int_gt(head, 0);
        struct http1_request req;
        ck_assert_int_eq(http1_parse_head(buf + at, (size_t)head, &req), 0);
        ck_assert(memcmp(req.path, paths[i], 2) == 0 && req.path_len == 2);
        at += (size_t)head + (size_t)req.content_length;
        ck_assert_int_eq(req.keep_alive, i < 2);
    }
    ck_assert_uint_eq(at, len);
}
END_TEST

START_TEST(http1_chunked_body)
{
    const char *wire = "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n"
                       "Trailer: x\r\n\r\nNEXT";
    size_t len = strlen(wire), whole = len - 4;
    for (size_t cut = 0; cut <= len; cut++) {
        struct http1_chunked c;
        http1_chunked_init(&c);
        long a = http1_chunked_scan(&c, wire, cut, 1024);
        if (cut < whole) {
            ck_assert_int_eq(a, 0);
            a = http1_chunked_scan(&c, wire, len, 1024);
        }
        ck_assert_int_eq(a, (long)whole);
    }
    /* Byte by byte. */
    struct http1_chunked c;
    http1_chunked_init(&c);
    long got = 0;
    for (size_t i = 0; i <= len && got == 0; i++)
        got = http1_chunked_scan(&c, wire, i, 1024);
    ck_assert_int_eq(got, (long)whole);
    char buf[128];
    memcpy(buf, wire, len);
    size_t n = http1_chunked_decode(buf, whole);
    ck_assert_int_eq((int)n, 23);
    ck_assert(memcmp(buf, "Wikipedia in\r\n\r\nchunks.", 23) == 0);
    /* Bare LF line ends, and a body with no data. */
    http1_chunked_init(&c);
    ck_assert_int_eq(http1_chunked_scan(&c, "2\nab\n0\n\n", 8, 10), 8);
    http1_chunked_init(&c);
    ck_assert_int_eq(http1_chunked_scan(&c, "0\r\n\r\n", 5, 10), 5);
    memcpy(buf, "0\r\n\r\n", 5);
    ck_assert_int_eq((int)http1_chunked_decode(buf, 5), 0);
}
END_TEST

START_TEST(http1_chunked_limits)
{
    struct http1_chunked c;
    /* At the limit, then one past it: refused when the size line arrives, before its data. */
    http1_chunked_init(&c);
    ck_assert_int_eq(http1_chunked_scan(&c, "5\r\nabcde\r\n0\r\n\r\n", 15, 5), 15);
    http1_chunked_init(&c);
    ck_assert_int_eq(http1_chunked_scan(&c, "3\r\nabc\r\n3\r\n", 11, 5), -413);
    http1_chunked_init(&c);
    ck_assert_int_eq(http1_chunked_scan(&c, "fffffffffffffff\r\n", 17, 5), -413);
    static const char *const bad[] = {
        "x\r\n",                /* not hex */
        "\r\n",                 /* no size */
        "-1\r\n",               /* a sign */
        "0x5\r\nabcde",         /* a prefix */
        "1\r\naXY",             /* no line end after the data */
        "1 0\r\na\r\n",         /* white space, then text: ignored, see below */
        "ffffffffffffffff\r\n", /* too long */
        "0\r\nno colon\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        http1_chunked_init(&c);
        long rc = http1_chunked_scan(&c, bad[i], strlen(bad[i]), 100);
        if (i == 5)
            ck_assert_int_eq(rc, 0); /* "1 0": size 1 and an ignored remainder */
        else
            ck_assert_msg(rc == -400, "case %zu: %ld", i, rc);
    }
    /* A size line that never ends, and trailers past the head limit. */
    char big[2048];
    memset(big, '1', sizeof big);
    http1_chunked_init(&c);
    ck_assert_int_eq(http1_chunked_scan(&c, big, sizeof big, 100), -400);
    static char trailer[HTTP1_MAX_HEAD + 64];
    memcpy(trailer, "0\r\nX: ", 6);
    memset(trailer + 6, 'y', sizeof trailer - 6);
    http1_chunked_init(&c);
    ck_assert_int_eq(http1_chunked_scan(&c, trailer, sizeof trailer, 100), -400);
}
END_TEST

START_TEST(http1_reasons_and_numbers)
{
    ck_assert_str_eq(http1_reason(200), "OK");
    ck_assert_str_eq(http1_reason(204), "No Content");
    ck_assert_str_eq(http1_reason(304), "Not Modified");
    ck_assert_str_eq(http1_reason(404), "Not Found");
    ck_assert_str_eq(http1_reason(413), "Request Entity Too Large");
    ck_assert_str_eq(http1_reason(422), "Client Error");
    ck_assert_str_eq(http1_reason(429), "Client Error");
    ck_assert_str_eq(http1_reason(503), "Service Unavailable");
    ck_assert_str_eq(http1_reason(100), "Continue");
    ck_assert_str_eq(http1_reason(103), "Informational");
    ck_assert_str_eq(http1_reason(600), "Unknown Status Class");
    char out[21];
    ck_assert_int_eq((int)http1_utoa(0, out), 1);
    ck_assert(memcmp(out, "0", 1) == 0);
    ck_assert_int_eq((int)http1_utoa(18446744073709551615ULL, out), 20);
    ck_assert(memcmp(out, "18446744073709551615", 20) == 0);
    ck_assert_int_eq((int)http1_utoa(1048576, out), 7);
    ck_assert(memcmp(out, "1048576", 7) == 0);
}
END_TEST

Suite *http1_suite(void)
{
    TCase *tc = tcase_create("http1");
    tcase_add_test(tc, http1_simple_get);
    tcase_add_test(tc, http1_methods);
    tcase_add_test(tc, http1_bad_request_lines);
    tcase_add_test(tc, http1_targets);
    tcase_add_test(tc, http1_bad_headers);
    tcase_add_test(tc, http1_folding);
    tcase_add_test(tc, http1_keep_alive_rules);
    tcase_add_test(tc, http1_framing);
    tcase_add_test(tc, http1_expect);
    tcase_add_test(tc, http1_head_size_limit);
    tcase_add_test(tc, http1_header_count_limit);
    tcase_add_test(tc, http1_split_reads);
    tcase_add_test(tc, http1_pipelined);
    tcase_add_test(tc, http1_chunked_body);
    tcase_add_test(tc, http1_chunked_limits);
    tcase_add_test(tc, http1_reasons_and_numbers);
    return unit_suite("http1", tc);
}
