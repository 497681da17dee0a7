/* The HTTP/1.1 request parser (common/http1.c): any bytes as what a client sent.
 *
 * Input: the bytes a connection received. The head is looked for once in one piece and once
 * cut in two (where the first byte says), the head parsed, and when it frames a chunked body
 * what follows is scanned whole and cut in two and then decoded.
 *
 * Beyond crashes and sanitizer reports it aborts when the two scans disagree, when a parsed
 * field points outside the head, when the path or query lies outside the target, when a
 * request that is kept alive asked to close, or when a decoded body is longer than its wire
 * form or than the sizes its scan added up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"

static void fuzz_inside(const char *p, size_t n, const char *buf, size_t len)
{
    if (n && (p < buf || p + n > buf + len))
        abort();
}

static long fuzz_scan_head(const char *buf, size_t len, size_t cut)
{
    struct http1_scan s;
    http1_scan_init(&s);
    long a = http1_head_end(&s, buf, cut < len ? cut : len);
    if (a == 0 && cut < len)
        a = http1_head_end(&s, buf, len);
    return a;
}

static void fuzz_chunked(char *buf, size_t len, size_t cut)
{
    struct http1_chunked c, d;
    http1_chunked_init(&c);
    long whole = http1_chunked_scan(&c, buf, len, 4096);
    http1_chunked_init(&d);
    long split = http1_chunked_scan(&d, buf, cut < len ? cut : len, 4096);
    if (split == 0 && cut < len)
        split = http1_chunked_scan(&d, buf, len, 4096);
    if (whole != split)
        abort();
    if (whole > 0) {
        if ((size_t)whole > len)
            abort();
        size_t n = http1_chunked_decode(buf, (size_t)whole);
        if (n > (size_t)whole || n != c.total)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    size_t cut = size ? data[0] % (size + 1) : 0;
    long whole = fuzz_scan_head(buf, size, size);
    if (whole != fuzz_scan_head(buf, size, cut))
        abort();
    if (whole > 0) {
        struct http1_request *req = malloc(sizeof *req);
        int rc = http1_parse_head(buf, (size_t)whole, req);
        if (rc == 0) {
            fuzz_inside(req->target, req->target_len, buf, (size_t)whole);
            fuzz_inside(req->path, req->path_len, req->target, req->target_len);
            if (req->query)
                fuzz_inside(req->query, req->query_len, req->target, req->target_len);
            for (int i = 0; i < req->nheaders; i++) {
                fuzz_inside(req->headers[i].name, req->headers[i].name_len, buf, (size_t)whole);
                fuzz_inside(req->headers[i].value, req->headers[i].value_len, buf, (size_t)whole);
            }
            if (req->keep_alive && req->close_asked)
                abort();
            if (req->nheaders > HTTP1_MAX_HEADERS || (req->minor != 0 && req->minor != 1))
                abort();
            if (req->body_kind == HTTP1_BODY_CHUNKED)
                fuzz_chunked(buf + whole, size - (size_t)whole, cut);
        } else if (rc != -400 && rc != -501 && rc != -417) {
            abort();
        }
        free(req);
    }
    free(buf);
    return 0;
}
