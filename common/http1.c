#include "http1.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "token.h"

void http1_scan_init(struct http1_scan *s)
{
    memset(s, 0, sizeof *s);
}

long http1_head_end(struct http1_scan *s, const char *buf, size_t len)
{
    while (s->pos < len) {
        const char *nl = memchr(buf + s->pos, '\n', len - s->pos);
        if (!nl) {
            s->pos = len;
            break;
        }
        size_t end = (size_t)(nl - buf);
        size_t line = end - s->line_start;
        if (line > 0 && buf[end - 1] == '\r')
            line--;
        if (line == 0)
            return (long)end + 1;
        s->head_bytes += line;
        s->lines++;
        /* The request line and HTTP1_MAX_HEADERS header lines at most. */
        if (s->head_bytes > HTTP1_MAX_HEAD || s->lines > HTTP1_MAX_HEADERS + 1)
            return -400;
        s->line_start = end + 1;
        s->pos = end + 1;
    }
    /* The unfinished line counts too (one byte more for the CR of its end). */
    if (s->head_bytes + (len - s->line_start) > HTTP1_MAX_HEAD + 1)
        return -400;
    return 0;
}

/* The line starting at *at within buf[0..end): its length without its line end; *at moves
 * past the line end. Every line of a complete head ends in LF. */
static size_t http1_line(const char *buf, size_t end, size_t *at, const char **line)
{
    const char *p = buf + *at;
    const char *nl = memchr(p, '\n', end - *at);
    size_t n = (size_t)(nl - p);
    *line = p;
    *at += n + 1;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    return n;
}

static int http1_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int http1_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int http1_eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int http1_ieq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

static enum http1_method http1_method_of(const char *m, size_t n)
{
    static const struct {
        const char *name;
        enum http1_method method;
    } methods[] = {
        {"GET", HTTP1_GET},     {"POST", HTTP1_POST},     {"PUT", HTTP1_PUT},
        {"PATCH", HTTP1_PATCH}, {"DELETE", HTTP1_DELETE}, {"OPTIONS", HTTP1_OPTIONS},
        {"HEAD", HTTP1_HEAD},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (http1_eq(m, n, methods[i].name))
            return methods[i].method;
    return HTTP1_OTHER;
}

/* Splits the target into path and query as evhttp_uri_parse_with_flags did with
 * EVHTTP_URI_NONCONFORMANT: an optional scheme ("http:"), an optional "//authority", then the
 * path up to '?' or '#', the query up to '#'; the fragment is dropped. Returns -1 where it
 * refused the target: a path starting "//" without an authority, or a first path segment with
 * a ':' without a scheme. */
static int http1_split_target(struct http1_request *req)
{
    const char *p = req->target, *end = req->target + req->target_len;
    int scheme = 0, authority = 0;
    /* Origin form ("/…"), nearly every request, has neither a scheme nor an authority. */
    int origin = req->target_len >= 2 && p[0] == '/' && p[1] != '/';
    const char *colon = origin ? NULL : memchr(p, ':', req->target_len);
    if (colon && colon > p && http1_is_alpha(*p)) {
        const char *q = p + 1;
        while (q < colon &&
               (http1_is_alpha(*q) || http1_is_digit(*q) || *q == '+' || *q == '-' || *q == '.'))
            q++;
        if (q == colon) {
            scheme = 1;
            p = colon + 1;
        }
    }
    if (!origin && end - p >= 2 && p[0] == '/' && p[1] == '/') {
        p += 2;
        while (p < end && *p != '/' && *p != '?' && *p != '#')
            p++;
        authority = 1;
    }
    const char *path = p;
    while (p < end && *p != '?' && *p != '#')
        p++;
    req->path = path;
    req->path_len = (size_t)(p - path);
    req->query = NULL;
    req->query_len = 0;
    if (p < end && *p == '?') {
        req->query = ++p;
        while (p < end && *p != '#')
            p++;
        req->query_len = (size_t)(p - req->query);
    }
    if (!authority && req->path_len >= 2 && path[0] == '/' && path[1] == '/')
        return -1;
    if (!scheme) {
        for (const char *q = path; q < path + req->path_len && *q != '/'; q++)
            if (*q == ':')
                return -1;
    }
    return 0;
}

/* The request line: METHOD SP target SP HTTP/1.x (trailing spaces ignored; the target is what
 * lies between the first and the last space, as evhttp took it). */
static int http1_request_line(const char *line, size_t n, struct http1_request *req)
{
    while (n > 0 && line[n - 1] == ' ')
        n--;
    if (n < sizeof "GET / HTTP/1.0" - 1 || memchr(line, '\0', n))
        return -400;
    const char *sp = memchr(line, ' ', n);
    if (!sp)
        return -400;
    const char *target = sp + 1, *version = line + n;
    if (line + n - 9 >= target && line[n - 9] == ' ')
        version = line + n - 8; /* "HTTP/1.x" after the last space, the usual case */
    else
        while (version > target && version[-1] != ' ')
            version--;
    if (version == target)
        return -400; /* no second space */
    size_t vlen = (size_t)(line + n - version);
    if (vlen != 8 || memcmp(version, "HTTP/1.", 7) != 0 || !http1_is_digit(version[7]))
        return -400;
    req->minor = version[7] == '0' ? 0 : 1; /* a later 1.x is served as 1.1 (RFC 9110 2.5) */
    req->method = http1_method_of(line, (size_t)(sp - line));
    req->target = target;
    req->target_len = (size_t)(version - 1 - target);
    if (req->target_len == 0)
        return -400;
    /* CONNECT names an authority (host:port), which is no path: it is answered 501. */
    int connect = http1_eq(line, (size_t)(sp - line), "CONNECT");
    if (http1_split_target(req) != 0 && !connect)
        return -400;
    return 0;
}

/* Removes trailing white space (as evutil_rtrim_lws_: space, tab, CR, LF). */
static size_t http1_rtrim(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return n;
}

/* A CR inside a value is refused unless folding follows it (evhttp_header_is_valid_value). */
static int http1_value_ok(const char *v, size_t n)
{
    const char *end = v + n, *cr;
    while ((cr = memchr(v, '\r', (size_t)(end - v))) != NULL) {
        if (cr + 1 >= end || (cr[1] != ' ' && cr[1] != '\t'))
            return 0;
        v = cr + 1;
    }
    return 1;
}

static int http1_header_line(char *line, size_t n, struct http1_request *req)
{
    if (line[0] == ' ' || line[0] == '\t') {
        /* obs-fold: joined to the previous value with one space, in place (the previous
         * value ends before this line starts). */
        if (req->nheaders == 0)
            return -400;
        struct http1_header *h = &req->headers[req->nheaders - 1];
        size_t skip = strspn(line, " \t");
        if (skip > n)
            skip = n;
        size_t len = http1_rtrim(line + skip, n - skip);
        if (!http1_value_ok(line + skip, len))
            return -400;
        char *dst = (char *)h->value + h->value_len;
        *dst = ' ';
        memmove(dst + 1, line + skip, len);
        h->value_len += 1 + len;
        return 0;
    }
    if (req->nheaders >= HTTP1_MAX_HEADERS)
        return -400;
    char *colon = memchr(line, ':', n);
    if (!colon || memchr(line, '\r', (size_t)(colon - line)))
        return -400;
    char *v = colon + 1, *end = line + n;
    while (v < end && *v == ' ')
        v++;
    size_t vlen = http1_rtrim(v, (size_t)(end - v));
    if (!http1_value_ok(v, vlen))
        return -400;
    struct http1_header *h = &req->headers[req->nheaders++];
    h->name = line;
    h->name_len = (size_t)(colon - line);
    h->value = v;
    h->value_len = vlen;
    return 0;
}

const char *http1_header_get(const struct http1_request *req, const char *name, size_t *len)
{
    for (int i = 0; i < req->nheaders; i++) {
        const struct http1_header *h = &req->headers[i];
        if (http1_ieq(h->name, h->name_len, name)) {
            if (len)
                *len = h->value_len;
            return h->value;
        }
    }
    return NULL;
}

/* The body's framing (RFC 9112 6): one Content-Length of decimal digits, or Transfer-Encoding:
 * chunked alone; anything else that could be read two ways is refused (a proxy in front that
 * framed it otherwise would take the rest for a second request). */
static int http1_framing(struct http1_request *req)
{
    int ncl = 0, nte = 0;
    const struct http1_header *cl = NULL, *te = NULL;
    for (int i = 0; i < req->nheaders; i++) {
        const struct http1_header *h = &req->headers[i];
        if (http1_ieq(h->name, h->name_len, "Content-Length")) {
            ncl++;
            cl = h;
        } else if (http1_ieq(h->name, h->name_len, "Transfer-Encoding")) {
            nte++;
            te = h;
        }
    }
    req->body_kind = HTTP1_BODY_NONE;
    req->content_length = 0;
    if (req->method == HTTP1_HEAD)
        return 0; /* no body is read: the server judges its declared length */
    if (nte) {
        if (ncl || nte > 1 || !http1_ieq(te->value, te->value_len, "chunked"))
            return -400;
        req->body_kind = HTTP1_BODY_CHUNKED;
    } else if (ncl) {
        if (ncl > 1 || cl->value_len == 0 || cl->value_len > 18)
            return -400;
        uint64_t n = 0;
        for (size_t i = 0; i < cl->value_len; i++) {
            if (!http1_is_digit(cl->value[i]))
                return -400;
            n = n * 10 + (uint64_t)(cl->value[i] - '0');
        }
        if (n > 0) {
            req->body_kind = HTTP1_BODY_LENGTH;
            req->content_length = n;
        }
    }
    if (req->body_kind != HTTP1_BODY_NONE && req->minor == 1) {
        size_t n;
        const char *expect = http1_header_get(req, "Expect", &n);
        if (expect && !http1_ieq(expect, n, "100-continue"))
            return -417;
        req->expect_continue = expect != NULL;
    }
    return 0;
}

int http1_parse_head(char *buf, size_t head_len, struct http1_request *req)
{
    /* Everything but the header array (4 KiB, filled as far as nheaders says). */
    memset(req, 0, offsetof(struct http1_request, headers));
    memset((char *)req + offsetof(struct http1_request, nheaders), 0,
           sizeof *req - offsetof(struct http1_request, nheaders));
    size_t at = 0;
    const char *line;
    size_t n = http1_line(buf, head_len, &at, &line);
    int rc = http1_request_line(line, n, req);
    if (rc != 0)
        return rc;
    while (at < head_len) {
        n = http1_line(buf, head_len, &at, &line);
        if (n == 0)
            break; /* the empty line: the end of the head */
        if ((rc = http1_header_line((char *)line, n, req)) != 0)
            return rc;
    }
    size_t cn;
    const char *conn = http1_header_get(req, "Connection", &cn);
    /* As evhttp read it: the first Connection field, "close" exactly, or starting with
     * "keep-alive" (case-insensitive). */
    req->close_asked = conn && http1_ieq(conn, cn, "close");
    req->keepalive_asked = conn && cn >= 10 && strncasecmp(conn, "keep-alive", 10) == 0;
    req->keep_alive = !req->close_asked && (req->minor >= 1 || req->keepalive_asked);
    if (req->method == HTTP1_OTHER)
        return -501;
    return http1_framing(req);
}

void http1_chunked_init(struct http1_chunked *c)
{
    memset(c, 0, sizeof *c);
}

enum { CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, CHUNK_TRAILER };

/* A chunk-size line (without its line end): hex digits, then nothing, white space or ';' and
 * an extension. Returns the size, or -1. */
static int64_t http1_chunk_size(const char *line, size_t n)
{
    uint64_t size = 0;
    size_t i = 0;
    for (; i < n && token_hex_digit(line[i]) >= 0; i++) {
        if (i >= 15)
            return -1; /* past 2^60: no body this server takes */
        size = size << 4 | (uint64_t)token_hex_digit(line[i]);
    }
    if (i == 0 || (i < n && line[i] != ';' && line[i] != ' ' && line[i] != '\t'))
        return -1;
    return (int64_t)size;
}

long http1_chunked_scan(struct http1_chunked *c, const char *buf, size_t len, uint64_t max_body)
{
    for (;;) {
        if (c->state == CHUNK_DATA) {
            size_t avail = len - c->pos;
            size_t take = c->left < avail ? (size_t)c->left : avail;
            c->pos += take;
            c->left -= take;
            if (c->left > 0)
                return 0;
            c->state = CHUNK_DATA_END;
            continue;
        }
        if (c->state == CHUNK_DATA_END) {
            if (c->pos >= len)
                return 0;
            if (buf[c->pos] == '\n') {
                c->pos++;
            } else if (buf[c->pos] == '\r') {
                if (c->pos + 1 >= len)
                    return 0;
                if (buf[c->pos + 1] != '\n')
                    return -400;
                c->pos += 2;
            } else {
                return -400;
            }
            c->state = CHUNK_SIZE;
            continue;
        }
        /* A line: a chunk's size, or a trailer field (or the empty line ending them). */
        const char *nl = memchr(buf + c->pos, '\n', len - c->pos);
        if (!nl) {
            size_t partial = len - c->pos;
            if (c->state == CHUNK_SIZE ? partial > 1024 : c->trailers + partial > HTTP1_MAX_HEAD)
                return -400;
            return 0;
        }
        const char *line = buf + c->pos;
        size_t n = (size_t)(nl - line);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        c->pos = (size_t)(nl - buf) + 1;
        if (c->state == CHUNK_SIZE) {
            int64_t size = http1_chunk_size(line, n);
            if (size < 0)
                return -400;
            if ((uint64_t)size > max_body || c->total + (uint64_t)size > max_body)
                return -413;
            c->total += (uint64_t)size;
            c->left = (uint64_t)size;
            c->state = size ? CHUNK_DATA : CHUNK_TRAILER;
            continue;
        }
        if (n == 0)
            return (long)c->pos;
        c->trailers += n;
        if (c->trailers > HTTP1_MAX_HEAD || !memchr(line, ':', n))
            return -400;
    }
}

size_t http1_chunked_decode(char *buf, size_t wire_len)
{
    size_t at = 0, out = 0;
    while (at < wire_len) {
        const char *nl = memchr(buf + at, '\n', wire_len - at);
        size_t n = (size_t)(nl - (buf + at));
        if (n > 0 && buf[at + n - 1] == '\r')
            n--;
        int64_t size = http1_chunk_size(buf + at, n);
        at = (size_t)(nl - buf) + 1;
        if (size <= 0)
            break; /* the last chunk: the trailer follows */
        memmove(buf + out, buf + at, (size_t)size);
        out += (size_t)size;
        at += (size_t)size;
        at += buf[at] == '\r' ? 2 : 1;
    }
    return out;
}

const char *http1_reason(int status)
{
    static const char *const phrases[5][18] = {
        {"Continue", "Switching Protocols"},
        {"OK", "Created", "Accepted", "Non-Authoritative Information", "No Content",
         "Reset Content", "Partial Content"},
        {"Multiple Choices", "Moved Permanently", "Found", "See Other", "Not Modified", "Use Proxy",
         "Temporary Redirect"},
        {"Bad Request", "Unauthorized", "Payment Required", "Forbidden", "Not Found",
         "Method Not Allowed", "Not Acceptable", "Proxy Authentication Required",
         "Request Time-out", "Conflict", "Gone", "Length Required", "Precondition Failed",
         "Request Entity Too Large", "Request-URI Too Large", "Unsupported Media Type",
         "Requested range not satisfiable", "Expectation Failed"},
        {"Internal Server Error", "Not Implemented", "Bad Gateway", "Service Unavailable",
         "Gateway Time-out", "HTTP Version not supported"},
    };
    static const char *const classes[5] = {"Informational", "Success", "Redirection",
                                           "Client Error", "Server Error"};
    int klass = status / 100 - 1, sub = status % 100;
    if (klass < 0 || klass >= 5)
        return "Unknown Status Class";
    if (sub >= 18 || !phrases[klass][sub])
        return classes[klass];
    return phrases[klass][sub];
}

size_t http1_utoa(uint64_t n, char *out)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do
        tmp[--i] = (char)('0' + n % 10);
    while (n /= 10);
    memcpy(out, tmp + i, sizeof tmp - i);
    return sizeof tmp - i;
}
