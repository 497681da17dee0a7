/* HTTP/1.1 requests, parsed without I/O (RFC 9112): the request line, the header fields, the
 * framing of the body (Content-Length or chunked), and the rules for keeping a connection
 * open. The server (services/api/server.c) reads bytes into one buffer per connection and asks
 * these functions where a request ends; nothing here allocates or reads a clock.
 *
 * The limits are those the server had with libevent's evhttp (evhttp_set_max_headers_size
 * 16384): a head (request line and header lines, without their line ends) of at most
 * HTTP1_MAX_HEAD bytes, and at most HTTP1_MAX_HEADERS header lines; past either the request
 * is answered 400 (as evhttp answered an oversized head). Lines end in CRLF or a bare LF, as
 * evhttp read them. The body limit is the caller's (SPP_MAX_BODY_BYTES); past it, 413. */
#ifndef SPP_HTTP1_H
#define SPP_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#define HTTP1_MAX_HEAD    16384
#define HTTP1_MAX_LINE    HTTP1_MAX_HEAD /* the request line alone, as evhttp had it */
#define HTTP1_MAX_HEADERS 128

enum http1_method {
    HTTP1_GET,
    HTTP1_POST,
    HTTP1_PUT,
    HTTP1_PATCH,
    HTTP1_DELETE,
    HTTP1_OPTIONS,
    HTTP1_HEAD,
    HTTP1_OTHER /* TRACE, CONNECT or no method this server knows: answered 501 */
};

/* One header field; name and value point into the caller's buffer (not NUL-terminated). The
 * value has its leading spaces and trailing white space removed, and folded lines (obs-fold)
 * joined by one space. */
struct http1_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* Where the scan for the end of a head stopped, so that each read looks only at new bytes. */
struct http1_scan {
    size_t pos;        /* bytes looked at */
    size_t line_start; /* where the current line starts */
    size_t head_bytes; /* bytes of the complete lines so far, without their line ends */
    int lines;         /* complete lines so far */
};

struct http1_request {
    enum http1_method method;
    const char *target; /* the request target as sent (points into the buffer) */
    size_t target_len;
    /* The target split as evhttp_uri_parse (EVHTTP_URI_NONCONFORMANT) split it: path (""
     * when empty) and query (NULL when there is no '?'); both point into the buffer. */
    const char *path;
    size_t path_len;
    const char *query;
    size_t query_len;
    int minor; /* HTTP/1.minor: 0 or 1 */
    struct http1_header headers[HTTP1_MAX_HEADERS];
    int nheaders;
    /* Framing. body_kind says how the body is delimited; content_length is its declared length
     * (HTTP1_BODY_LENGTH). HEAD and methods answered 501 read no body (HTTP1_BODY_NONE), as
     * with evhttp. */
    enum { HTTP1_BODY_NONE, HTTP1_BODY_LENGTH, HTTP1_BODY_CHUNKED } body_kind;
    uint64_t content_length;
    int expect_continue; /* Expect: 100-continue on HTTP/1.1 */
    int close_asked;     /* Connection: close */
    int keepalive_asked; /* Connection: keep-alive (what an HTTP/1.0 client sends to keep it) */
    int keep_alive;      /* the connection may carry another request after this one */
};

/* Starts a scan for a new request's head. */
void http1_scan_init(struct http1_scan *s);
/* Looks for the end of a head in buf[0..len) (buf starts at the request's first byte; len only
 * grows between calls with the same scan). Returns the head's length through its empty line;
 * 0 when more bytes are needed; -400 when the head is already over a limit. */
long http1_head_end(struct http1_scan *s, const char *buf, size_t len);

/* Parses a complete head buf[0..head_len) (as http1_head_end found it) into req. The buffer
 * is rewritten in place where folded header lines are joined. Returns 0, or the status to
 * answer as a negative number: -400 (a malformed request line, header or framing: two
 * Content-Lengths, Content-Length and Transfer-Encoding together, a Transfer-Encoding other
 * than chunked, a Content-Length that is not a decimal number), -501 (a method not served),
 * -417 (an Expect other than 100-continue). The connection is closed after any of these. */
int http1_parse_head(char *buf, size_t head_len, struct http1_request *req);

/* The first header named name (case-insensitive), or NULL; *len gets its value's length. */
const char *http1_header_get(const struct http1_request *req, const char *name, size_t *len);

/* A chunked body, scanned as it arrives. */
struct http1_chunked {
    size_t pos;      /* bytes of the body's wire form looked at */
    int state;       /* where pos stands: a size line, data, the data's line end, a trailer */
    uint64_t left;   /* data bytes left in the current chunk */
    uint64_t total;  /* data bytes so far */
    size_t trailers; /* trailer bytes so far */
};

void http1_chunked_init(struct http1_chunked *c);
/* Scans the chunked body whose wire form starts at buf[0] (len bytes there so far). Returns
 * the wire length of the whole body (through the trailer's empty line) once it is there; 0
 * when more is needed; -413 once its data exceed max_body (at once, before the rest is read);
 * -400 when it is malformed. Chunk extensions are accepted and ignored. */
long http1_chunked_scan(struct http1_chunked *c, const char *buf, size_t len, uint64_t max_body);
/* Decodes a complete chunked body (as http1_chunked_scan measured it, wire bytes) in place:
 * the data are moved to buf[0..) and their length returned. */
size_t http1_chunked_decode(char *buf, size_t wire_len);

/* The reason phrase evhttp wrote for status (its table, kept so that answers stay the same
 * byte for byte: 422 and 429 read "Client Error"). */
const char *http1_reason(int status);

/* Writes the decimal text of n at out (at least 20 bytes); returns its length. */
size_t http1_utoa(uint64_t n, char *out);

#endif
