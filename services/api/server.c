/* The HTTP server. Loop threads (SPP_LOOP_THREADS) each run a libevent event_base that accepts
 * on the shared port (SO_REUSEPORT) and speaks HTTP/1.1 itself (common/http1.h parses, this
 * file reads and writes), and each owns a pool of PostgreSQL connections (SPP_API_THREADS in
 * all, split across the loops) and one Redis connection. A request that needs a handler runs on
 * a fiber (fiber.h) of the loop thread that accepted it, holding one of that loop's connections
 * from start to end: alone for a write (a transaction spans its statements), shared with up to
 * SPP_PIPELINE_DEPTH other GET and HEAD requests for a read, whose statements go in batches in
 * libpq's pipeline mode (db_set_shared: the flush event sends a batch once the requests of this
 * turn of the loop queued theirs, the read event hands the results out, server_wake resumes
 * their fibers; server_pick says which connection a request joins). When it may have none now
 * it waits, oldest first, in a list bounded by SPP_QUEUE_MAX (503 + Retry-After past it). The
 * connections are non-blocking: each wait of libpq (db_set_waiter) registers the socket in the
 * loop's event base and yields, so that the loop serves other requests meanwhile, and the socket's
 * readiness resumes the fiber. Handlers stay straight-line code. Redis calls (the rate limit's
 * batch refill, the job outbox after COMMIT) block the loop thread for their short round trip, with
 * their time-outs; they never yield, so one Redis connection a loop is used by one fiber at a
 * time. Nothing a request holds across a yield is a mutex.
 *
 * A client connection has one buffer for what it sent and one for what it is sent, a read event
 * registered once for its life (no epoll_ctl a request), and a write event added only when an
 * answer did not fit in the socket at once. Requests on one connection are answered in order,
 * one at a time: the next is parsed once the previous answer is written. An answer is its
 * status line and headers, copied into the output buffer, and its body, written together by one
 * writev. SPP_HTTP_TIMEOUT_S closes a connection that sends nothing (idle, or a request stalled
 * half-way) and one whose answer cannot be written, as evhttp_set_timeout did; a request being
 * handled has no time-out. What the client sent after closing its side is still answered.
 *
 * Shutdown (SIGTERM): the loops stop accepting, requests in flight get the grace period; then
 * waiting requests are answered 503, running queries are cancelled (PQcancel, from the main
 * thread) and their requests answered 503 when that failed them, and once every request is
 * answered (or SERVER_STOP_WAIT_S later, by _exit) the loops stop and everything is freed. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "dispatch.h"
#include "fiber.h"
#include "http1.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "redis.h"
#include "req.h"
#include "router.h"
#include "xalloc.h"

struct conn;
struct client;

/* A list of requests linked by their next, oldest first: those waiting for a connection, and
 * the fibers to go on. A request is on one of them at most. */
struct reqq {
    struct req *head, *tail;
};

static void reqq_push(struct reqq *q, struct req *r)
{
    r->next = NULL;
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
}

static struct req *reqq_pop(struct reqq *q)
{
    struct req *r = q->head;
    if (r && !(q->head = r->next))
        q->tail = NULL;
    return r;
}

/* A listening socket of a loop. */
struct listener {
    struct loop *loop;
    int fd;      /* -1 once closed */
    int metrics; /* SPP_METRICS_LISTEN: serves /metrics only */
    struct event *ev;
};

struct loop {
    pthread_t thread;
    struct event_base *base;
    struct listener main;
    struct listener metrics; /* SPP_METRICS_LISTEN, on the first loop only (fd -1 elsewhere) */
    struct event *stop;      /* activated by the main thread to stop accepting */
    struct event *close;     /* activated by the main thread at the end of the grace period */
    struct redis *redis;     /* every fiber's of this loop: Redis calls never yield */
    struct conn *conns;
    int nconns;
    struct conn *idle;    /* connections no request holds */
    struct conn *forming; /* the shared connection whose batch forms in this turn, or NULL */
    struct reqq waiting;  /* requests waiting for a connection, oldest first */
    struct reqq runnable; /* fibers to go on (server_wake), oldest first */
    struct event *run;
    struct client *clients; /* every open client connection, for shutdown */
};

/* One PostgreSQL connection of a loop, and what cancels its query at shutdown. */
struct conn {
    struct handler_ctx ctx; /* first: a request's hc points here */
    struct loop *loop;
    struct conn *next_idle;
    int holders; /* requests holding it: one, or up to SPP_PIPELINE_DEPTH when db_shared */
    struct db_pipe_hooks hooks;
    struct event *flush;  /* the shared connection's batch goes once this turn queued it */
    struct event *wr;     /* ... and its rest once the socket is writable */
    struct req *sock_req; /* the request whose fiber waits on the socket (waiting != 0) */
    struct event *ready;  /* a one-shot wait of that request's fiber on the socket */
    short ready_what;     /* what the wait saw: EV_READ, EV_WRITE, EV_TIMEOUT */
    /* The socket's persistent read event, for the waits for results (most of them), so that
     * a wait costs no epoll_ctl. It stands for the socket of db generation rd_gen, descriptor
     * rd_fd; server_rd_check drops it once either changed (see db_generation). */
    struct event *rd;
    int rd_on;
    int rd_fd;
    unsigned rd_gen;
    int waiting; /* what the fiber waits on: 0 nothing, 1 rd, 2 ready */
    /* Guards busy and cancel, which the main thread reads at the end of the grace period. */
    pthread_mutex_t mu;
    int busy;         /* held by a request */
    PGcancel *cancel; /* cancels a query of the backend cancel_pid; made by the loop thread */
    int cancel_pid;
    atomic_int cancelled; /* the main thread cancelled this connection's query */
};

/* Where a client connection stands in reading its current request. */
enum client_state {
    CLIENT_HEAD,    /* reading a request's head */
    CLIENT_BODY,    /* reading its body (Content-Length or chunked) */
    CLIENT_DISCARD, /* reading and dropping a declared body over the limit, then 413 */
};

/* One client connection of a loop thread; loop thread only. */
struct client {
    struct loop *loop;
    int fd;
    int metrics;          /* accepted on the metrics listener */
    struct event *rd;     /* persistent read event, registered while reading is on */
    struct event *wr;     /* write event, added while an answer waits to be written */
    struct event *timer;  /* SPP_HTTP_TIMEOUT_S, armed while waiting for the client */
    struct event *resume; /* parses requests already buffered once an answer is written */
    char *in;             /* what the client sent from the current request on */
    size_t in_len, in_cap;
    char *out; /* answer bytes not written yet, from out_off */
    size_t out_off, out_len, out_cap;
    enum client_state state;
    struct http1_scan scan;
    struct http1_request head; /* the current request's head, pointing into in */
    size_t head_len;
    struct http1_chunked chunked;
    uint64_t discard_left;
    struct req *pending; /* the request whose body is being read */
    struct req *req;     /* the request being handled: its answer comes before the next */
    int minor;           /* of the current request, for its answer */
    int keepalive_asked, close_asked, keep_alive;
    int reading;     /* rd is registered */
    int eof;         /* the client closed its side, or reading failed */
    int close_after; /* close once the output is written */
    int dead;        /* closed: freed as soon as its request (if any) ends */
    int in_process;  /* server_process is running for it (answers found inside do not resume) */
    char peer[INET6_ADDRSTRLEN];
    struct client *prev, *next;
};

static struct loop *server_loops;
static int server_nloops;
static atomic_int server_inflight;
static atomic_int server_stopping;
static atomic_int server_waiting; /* requests waiting for a connection, all loops */
static atomic_int server_closed;  /* the grace period is over */
static int server_queue_max = 1024;
static int server_depth = 4; /* SPP_PIPELINE_DEPTH */
static int server_max_body = 1048576;
static int server_metrics_apart; /* /metrics is served on SPP_METRICS_LISTEN only */
static struct timeval server_timeout = {30, 0};

/* How long requests get to be answered once the grace period is over and their queries were
 * cancelled. */
#define SERVER_STOP_WAIT_S 10
/* PostgreSQL connections of the process when SPP_API_THREADS is 0, split across the loops
 * (bench/RESULTS.md, "The request path on fibers"): enough writers in flight for group commit,
 * and few enough that two APIs and a worker fit in PostgreSQL's default max_connections. */
#define SERVER_CONNS_DEFAULT 16
/* A connection's input buffer at first, and past what it is given back after a large body. */
#define SERVER_IN_INITIAL 4096
#define SERVER_IN_KEEP    65536

int server_queue_depth(void)
{
    return atomic_load(&server_waiting);
}

int server_draining(void)
{
    return atomic_load(&server_stopping);
}

/* ---- writing answers ---- */

/* The Date header's text (RFC 9110 5.6.7, as libevent's evutil_date_rfc1123 wrote it) for
 * the current second, formatted once a second a loop thread rather than once an answer. */
static const char *server_date(void)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static __thread time_t at = -1;
    static __thread char text[40];
    time_t now = time(NULL);
    if (now != at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        snprintf(text, sizeof text, "%s, %02d %s %4d %02d:%02d:%02d GMT", days[tm.tm_wday],
                 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
        at = now;
    }
    return text;
}

/* Makes room for n more bytes of output. */
static void server_out_reserve(struct client *c, size_t n)
{
    if (c->out_len + n <= c->out_cap)
        return;
    if (c->out_off > 0) {
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
        if (c->out_len + n <= c->out_cap)
            return;
    }
    size_t cap = c->out_cap ? c->out_cap : 1024;
    while (cap < c->out_len + n)
        cap *= 2;
    c->out = xrealloc(c->out, cap);
    c->out_cap = cap;
}

static void server_out(struct client *c, const char *s, size_t n)
{
    server_out_reserve(c, n);
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
}

static void server_out_str(struct client *c, const char *s)
{
    server_out(c, s, strlen(s));
}

/* "Name: value\r\n". */
static void server_out_header(struct client *c, const char *name, const char *value)
{
    size_t n = strlen(name), v = strlen(value);
    server_out_reserve(c, n + v + 4);
    char *p = c->out + c->out_len;
    memcpy(p, name, n);
    p[n] = ':';
    p[n + 1] = ' ';
    memcpy(p + n + 2, value, v);
    p[n + 2 + v] = '\r';
    p[n + 3 + v] = '\n';
    c->out_len += n + v + 4;
}

/* "HTTP/1.x status reason\r\n". */
static void server_out_status(struct client *c, int minor, int status, const char *reason)
{
    char line[32] = "HTTP/1.";
    line[7] = minor ? '1' : '0';
    line[8] = ' ';
    size_t n = 9 + http1_utoa((uint64_t)status, line + 9);
    line[n++] = ' ';
    server_out(c, line, n);
    server_out_str(c, reason);
    server_out(c, "\r\n", 2);
}

static void server_client_free(struct client *c);
static void server_answered(struct client *c);
static void server_on_rd(evutil_socket_t fd, short what, void *arg);

/* Closes c: at once when no request of it is being handled, else once it ends (its answer is
 * then dropped); inside server_process, when that returns. Loop thread. */
static void server_client_close(struct client *c)
{
    if (c->req || c->in_process) {
        c->dead = 1;
        if (c->reading)
            event_del(c->rd);
        c->reading = 0;
        event_del(c->wr);
        event_del(c->timer);
        event_del(c->resume);
        return;
    }
    server_client_free(c);
}

/* Writes what c->out holds, then body[0..len) (both may be empty), with one writev; what the
 * socket did not take is kept in c->out and the write event waits for room. Returns 1 when all
 * is written, 0 when some waits, -1 when the connection failed (c is then closed). */
static int server_write(struct client *c, const char *body, size_t len)
{
    struct iovec iov[2];
    int n = 0;
    size_t pending = c->out_len - c->out_off;
    if (pending) {
        iov[n].iov_base = c->out + c->out_off;
        iov[n++].iov_len = pending;
    }
    if (len) {
        iov[n].iov_base = (void *)body;
        iov[n++].iov_len = len;
    }
    ssize_t w = 0;
    if (n > 0) {
        do
            w = writev(c->fd, iov, n);
        while (w < 0 && errno == EINTR);
        if (w < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                c->eof = 1;
                c->out_off = c->out_len = 0;
                server_client_close(c);
                return -1;
            }
            w = 0;
        }
    }
    size_t done = (size_t)w;
    if (done >= pending + len) {
        c->out_off = c->out_len = 0;
        return 1;
    }
    /* Keep the rest: what is left of out, then what is left of the body. */
    if (done < pending) {
        c->out_off += done;
        server_out(c, body, len);
    } else {
        c->out_off = c->out_len = 0;
        server_out(c, body + (done - pending), len - (done - pending));
    }
    event_add(c->wr, &server_timeout);
    return 0;
}

/* The socket has room again for an answer that waits. */
static void server_on_write(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct client *c = arg;
    if (what & EV_TIMEOUT) {
        server_client_close(c); /* the client stopped reading: as evhttp's write time-out */
        return;
    }
    if (server_write(c, NULL, 0) == 1)
        server_answered(c);
}

/* An error page as evhttp_send_error wrote it (text/html, Connection: close, always
 * HTTP/1.1), for what is refused before the application sees a request: a malformed request
 * (400), a method not served (501), an unknown expectation (417). The connection is closed once
 * it is written. A 413 (a body over the limit) is the problem+json that evhttp's page was
 * rewritten into before: its headers in the same order, then the problem's. */
static void server_error_page(struct client *c, int status)
{
    static const char too_large[] =
        "{\"type\":\"urn:spp:problem:payload_too_large\",\"title\":\"Content Too Large\","
        "\"status\":413,\"detail\":\"The request body is larger than 1 MiB.\","
        "\"code\":\"payload_too_large\"}";
    if (c->pending) {
        req_free(c->pending);
        c->pending = NULL;
    }
    const char *reason = status == 413 ? "Payload Too Large" : http1_reason(status);
    server_out_status(c, 1, status, reason);
    if (status != 413)
        server_out_header(c, "Content-Type", "text/html");
    if (!c->close_asked)
        server_out_header(c, "Connection", "close");
    server_out_header(c, "Date", server_date());
    char body[256], len[21];
    size_t n;
    if (status == 413) {
        unsigned char raw[8];
        char id[17];
        static const char hex[] = "0123456789abcdef";
        RAND_bytes(raw, sizeof raw);
        for (int i = 0; i < 8; i++) {
            id[2 * i] = hex[raw[i] >> 4];
            id[2 * i + 1] = hex[raw[i] & 15];
        }
        id[16] = '\0';
        if (c->close_asked)
            server_out_header(c, "Connection", "close");
        server_out_header(c, "Content-Type", "application/problem+json");
        server_out_header(c, "X-Request-Id", id);
        n = sizeof too_large - 1;
        memcpy(body, too_large, n);
        len[http1_utoa(n, len)] = '\0';
        server_out_header(c, "Content-Length", len);
        metrics_observe(-1, 413, 0);
    } else {
        n = (size_t)snprintf(body, sizeof body,
                             "<HTML><HEAD>\n<TITLE>%d %s</TITLE>\n</HEAD><BODY>\n<H1>%s</H1>\n"
                             "</BODY></HTML>\n",
                             status, reason, reason);
        len[http1_utoa(n, len)] = '\0';
        server_out_header(c, "Content-Length", len);
        if (c->close_asked)
            server_out_header(c, "Connection", "close");
    }
    server_out(c, "\r\n", 2);
    c->close_after = 1;
    if (server_write(c, body, n) == 1)
        server_answered(c);
}

/* 1 when value may go into a header: no CR or LF but folding (as evhttp_add_header checked;
 * evhttp dropped such a header, so does this). */
static int server_header_ok(const char *name, const char *value)
{
    if (strpbrk(name, "\r\n"))
        return 0;
    for (const char *p = value; (p = strpbrk(p, "\r\n")) != NULL;) {
        p += strspn(p, "\r\n");
        if (*p != ' ' && *p != '\t')
            return 0;
    }
    return 1;
}

/* Sends r's answer (when its client is still there) and frees r. Loop thread only. The headers
 * are those evhttp_send_reply wrote, in its order: the application's, then Date and
 * Content-Length (HTTP/1.1), or Connection: keep-alive and Content-Length (HTTP/1.0 that asked
 * to keep the connection), text/html as the type of a body without one, and Connection: close
 * last when the client asked for it. */
static void server_send(struct req *r)
{
    struct client *c = r->client;
    if (c && c->dead) {
        c->req = NULL;
        if (!c->in_process)
            server_client_free(c); /* else server_process frees it when it returns */
        c = NULL;
    }
    if (c) {
        c->req = NULL;
        int has_body =
            r->method != HTTP_HEAD && r->status >= 200 && r->status != 204 && r->status != 304;
        int closing = atomic_load(&server_stopping) || r->close_after;
        server_out_status(c, c->minor, r->status, http1_reason(r->status));
        if (r->content_type_out)
            server_out_header(c, "Content-Type", r->content_type_out);
        for (int i = 0; i < r->nresp_headers; i++)
            if (server_header_ok(r->resp_headers[i][0], r->resp_headers[i][1]))
                server_out_header(c, r->resp_headers[i][0], r->resp_headers[i][1]);
        if (closing && !c->close_asked)
            server_out_header(c, "Connection", "close");
        char len[21];
        len[http1_utoa(r->resp_len, len)] = '\0';
        if (c->minor >= 1) {
            server_out_header(c, "Date", server_date());
            if (has_body)
                server_out_header(c, "Content-Length", len);
        } else if (c->keepalive_asked) {
            if (!closing)
                server_out_header(c, "Connection", "keep-alive");
            if (has_body)
                server_out_header(c, "Content-Length", len);
        }
        if (has_body && !r->content_type_out)
            server_out_header(c, "Content-Type", "text/html; charset=ISO-8859-1");
        if (c->close_asked)
            server_out_header(c, "Connection", "close");
        server_out(c, "\r\n", 2);
        if (closing || !c->keep_alive)
            c->close_after = 1;
        if (server_write(c, r->resp_body, has_body ? r->resp_len : 0) == 1)
            server_answered(c);
    }
    req_free(r);
    atomic_fetch_sub(&server_inflight, 1);
}

/* ---- requests on fibers ---- */

/* Answers r 503 without running its handler, and sends it. Loop thread. */
static void server_refuse(struct req *r, const char *detail)
{
    req_header(r, "Retry-After", "1");
    req_problem(r, 503, "unavailable", detail);
    dispatch_finish(r);
    server_send(r);
}

/* Before a connection's first holder: a cancel object for its current backend (libpq's
 * PGcancel may be used from another thread, unlike the connection), and busy. */
static void server_conn_arm(struct conn *c)
{
    PGconn *pg = db_conn(c->ctx.db);
    pthread_mutex_lock(&c->mu);
    if (pg && PQstatus(pg) == CONNECTION_OK && PQbackendPID(pg) != c->cancel_pid) {
        if (c->cancel)
            PQfreeCancel(c->cancel);
        c->cancel = PQgetCancel(pg);
        c->cancel_pid = PQbackendPID(pg);
    }
    c->busy = 1;
    pthread_mutex_unlock(&c->mu);
}

/* After its last holder. */
static void server_conn_disarm(struct conn *c)
{
    pthread_mutex_lock(&c->mu);
    c->busy = 0;
    pthread_mutex_unlock(&c->mu);
    atomic_store(&c->cancelled, 0);
}

/* The request whose fiber runs now on this loop thread (server_run_fiber sets it). */
static _Thread_local struct req *server_current;

/* What runs on a request's fiber: the handler with everything around it. */
static void server_fiber_main(void *arg)
{
    struct req *r = arg;
    struct conn *c = (struct conn *)r->hc;
    dispatch_run(r);
    /* A query cancelled at shutdown fails the request: say so rather than 500. A request that
     * succeeded anyway keeps its answer (it may have committed). */
    if (atomic_load(&c->cancelled) && r->status >= 500) {
        r->nresp_headers = 0;
        req_header(r, "Retry-After", "1");
        req_problem(r, 503, "unavailable", "The server is shutting down; try again.");
    }
    dispatch_finish(r);
}

/* Takes the oldest request waiting for a connection of l off its list; NULL when none waits.
 * Loop thread. */
static struct req *server_wait_pop(struct loop *l)
{
    struct req *r = reqq_pop(&l->waiting);
    if (r)
        atomic_fetch_sub(&server_waiting, 1);
    return r;
}

/* 1 when r's statements may share a connection with other such requests' (db_set_shared):
 * GET and HEAD, which dispatch_run runs outside any transaction. */
static int server_reads(const struct req *r)
{
    return server_depth > 1 && (r->method == HTTP_GET || r->method == HTTP_HEAD);
}

static void server_idle_push(struct conn *c)
{
    c->next_idle = c->loop->idle;
    c->loop->idle = c;
}

/* The connection r may take now, or NULL when it must wait. A reading request joins the
 * shared connection whose batch is being formed in this turn of the loop, while it has room, so
 * that reads arriving together go in one batch; else it takes an idle connection, so that
 * batches already sent run on other backends in parallel; else it joins the shared connection
 * with room that has the fewest statements in flight. Any other request takes an idle
 * connection, alone. An idle connection is taken off the idle list. Loop thread. */
static struct conn *server_pick(struct loop *l, const struct req *r)
{
    int reads = server_reads(r);
    struct conn *c = l->forming;
    if (reads && c && db_shared(c->ctx.db) && c->holders < server_depth)
        return c;
    if ((c = l->idle) != NULL) {
        l->idle = c->next_idle;
        return c;
    }
    struct conn *best = NULL;
    for (int i = 0; reads && i < l->nconns; i++) {
        c = &l->conns[i];
        if (db_shared(c->ctx.db) && c->holders > 0 && c->holders < server_depth &&
            (!best || db_pipe_depth(c->ctx.db) < db_pipe_depth(best->ctx.db)))
            best = c;
    }
    return best;
}

/* Gives c to r (one holder more) and makes r's fiber. Returns 0; -1 when no fiber could be
 * made (r is then answered 503 and freed, c as it was). Loop thread. */
static int server_begin(struct req *r, struct conn *c)
{
    r->fiber = fiber_new(server_fiber_main, r);
    if (!r->fiber) {
        log_error("no stack for a request's fiber");
        server_refuse(r, "The server is busy; try again shortly.");
        return -1;
    }
    if (c->holders++ == 0) {
        db_set_shared(c->ctx.db, server_reads(r));
        server_conn_arm(c);
    }
    r->hc = &c->ctx;
    return 0;
}

/* Lets r's fiber go on from l's loop, after what runs now. Loop thread. */
static void server_wake(struct loop *l, struct req *r)
{
    reqq_push(&l->runnable, r);
    event_active(l->run, EV_READ, 0);
}

/* Gives connections to the requests waiting for one, oldest first, as far as they may have
 * one now, and has them run (after the grace period they are answered 503 instead). Loop
 * thread. */
static void server_serve_waiting(struct loop *l)
{
    struct req *r;
    while ((r = l->waiting.head) != NULL) {
        if (atomic_load(&server_closed)) {
            server_wait_pop(l);
            server_refuse(r, "The server is shutting down; try again.");
            continue;
        }
        struct conn *c = server_pick(l, r);
        if (!c)
            break;
        server_wait_pop(l);
        if (server_begin(r, c) == 0)
            server_wake(l, r);
        else if (c->holders == 0)
            server_idle_push(c);
    }
}

/* A request holding c ended: c is idle once none does, and waiting requests get what they may
 * have now. Loop thread. */
static void server_conn_release(struct conn *c)
{
    if (--c->holders == 0) {
        server_conn_disarm(c);
        server_idle_push(c);
    }
    server_serve_waiting(c->loop);
}

/* Drops c's persistent read event (and the pipeline's write wait) when it no longer stands for
 * c's socket: libpq closed it (the server went away) or db opened another since. Called before
 * each wait, after each pipeline step and when a request ends, so that the loop never runs with
 * a registration for a descriptor number that may since name another socket (libevent would
 * then never watch that one). Loop thread. */
static void server_rd_check(struct conn *c)
{
    if (!c->rd_on)
        return;
    PGconn *pg = db_conn(c->ctx.db);
    if (pg && PQsocket(pg) == c->rd_fd && db_generation(c->ctx.db) == c->rd_gen)
        return;
    event_del(c->rd); /* epoll forgot a closed descriptor: libevent takes its EBADF/ENOENT */
    event_del(c->wr);
    c->rd_on = 0;
}

/* Registers c's persistent read event for its socket fd, unless it is. Returns 0 or -1. */
static int server_rd_watch(struct conn *c, int fd)
{
    if (c->rd_on)
        return 0;
    if (event_assign(c->rd, c->loop->base, fd, EV_READ | EV_PERSIST, server_on_rd, c) != 0 ||
        event_add(c->rd, NULL) != 0)
        return -1;
    c->rd_on = 1;
    c->rd_fd = fd;
    c->rd_gen = db_generation(c->ctx.db);
    return 0;
}

/* Runs r's fiber until it waits or ends. When it ends: answers r and lets its connection go.
 * Loop thread, outside any fiber. */
static void server_run_fiber(struct req *r)
{
    server_current = r;
    int ended = fiber_resume(r->fiber);
    server_current = NULL;
    if (!ended)
        return;
    struct conn *c = (struct conn *)r->hc;
    server_rd_check(c);
    r->fiber = NULL;
    server_send(r);
    server_conn_release(c);
}

/* The fibers server_wake let go on. */
static void server_on_run(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct loop *l = arg;
    struct req *r;
    while ((r = reqq_pop(&l->runnable)) != NULL)
        server_run_fiber(r);
}

/* The socket of a connection is ready (or the wait timed out): its fiber goes on. */
static void server_on_ready(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct conn *c = arg;
    c->waiting = 0;
    c->ready_what = what;
    server_run_fiber(c->sock_req);
}

/* The persistent read event: the fiber goes on when it waits on it. While it waits on the
 * one-shot event instead (always with EV_READ), that one fires for the same readiness. A shared
 * connection's results go to db_pipe_read. An idle connection's socket that is readable (the
 * server spoke or went away) would fire again at every turn of the loop: it is no longer
 * watched until its next wait. */
static void server_on_rd(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct conn *c = arg;
    if (c->waiting == 1) {
        c->waiting = 0;
        c->ready_what = what;
        server_run_fiber(c->sock_req);
    } else if (c->waiting == 0 && db_pipe_depth(c->ctx.db) > 0) {
        db_pipe_read(c->ctx.db);
        server_rd_check(c);
    } else if (c->waiting == 0) {
        event_del(c->rd);
        c->rd_on = 0;
    }
}

/* A shared connection's batch: its Sync and what the socket takes now, once the requests
 * running in this turn of the loop queued their statements (server_pipe_queued); the rest when
 * the socket is writable. Its results come through the read event. */
static void server_on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct conn *c = arg;
    if (c->loop->forming == c)
        c->loop->forming = NULL;
    int f = db_pipe_flush(c->ctx.db);
    server_rd_check(c);
    PGconn *pg = db_conn(c->ctx.db);
    if (f < 0 || !pg || db_pipe_depth(c->ctx.db) == 0)
        return;
    if (server_rd_watch(c, PQsocket(pg)) != 0) {
        log_error("connection %d: cannot watch its socket", c->ctx.index);
        return;
    }
    if (f == 1 && !event_pending(c->wr, EV_WRITE, NULL) &&
        (event_assign(c->wr, c->loop->base, PQsocket(pg), EV_WRITE, server_on_flush, c) != 0 ||
         event_add(c->wr, NULL) != 0))
        log_error("connection %d: cannot wait to write", c->ctx.index);
}

/* db_pipe_hooks for a loop's connections: a caller is a request's fiber. */
static void server_pipe_queued(void *arg)
{
    struct conn *c = arg;
    c->loop->forming = c;
    event_active(c->flush, EV_READ, 0);
}

static void *server_pipe_self(void *arg)
{
    (void)arg;
    return server_current;
}

static void server_pipe_suspend(void *arg)
{
    (void)arg;
    fiber_yield();
}

static void server_pipe_resume(void *arg, void *token)
{
    struct conn *c = arg;
    server_wake(c->loop, token);
}

/* The connections' waiter (db_set_waiter): inside a request's fiber, the socket goes into the
 * loop's event base and the fiber yields until it is ready; elsewhere (connecting at start-up,
 * from the main thread) it polls. One fiber at a time waits on a connection's socket: its only
 * holder, or on a shared connection the one connecting it (db_ensure has the others wait). */
static int server_db_wait(void *arg, int fd, int events, int timeout_ms)
{
    struct conn *c = arg;
    struct req *r = server_current;
    if (!fiber_current() || !r)
        return db_wait_poll(NULL, fd, events, timeout_ms);
    server_rd_check(c);
    c->sock_req = r;
    if (events == DB_WAIT_READ && timeout_ms < 0) {
        if (server_rd_watch(c, fd) != 0)
            return -1;
        c->waiting = 1;
    } else {
        short what = (short)(((events & DB_WAIT_READ) ? EV_READ : 0) |
                             ((events & DB_WAIT_WRITE) ? EV_WRITE : 0));
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        if (event_assign(c->ready, c->loop->base, fd, what, server_on_ready, c) != 0 ||
            event_add(c->ready, timeout_ms >= 0 ? &tv : NULL) != 0)
            return -1;
        c->waiting = 2;
    }
    c->ready_what = 0;
    fiber_yield();
    return ((c->ready_what & EV_READ) ? DB_WAIT_READ : 0) |
           ((c->ready_what & EV_WRITE) ? DB_WAIT_WRITE : 0);
}

/* Every request still waiting for a connection is answered 503: the grace period is over. */
static void server_on_close_waiting(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct loop *l = arg;
    struct req *r;
    while ((r = server_wait_pop(l)) != NULL)
        server_refuse(r, "The server is shutting down; try again.");
}

/* A request that needs a handler: runs at once on a connection of its loop it may have now
 * (server_pick), else waits for one (or is answered 503 when too many wait). While requests
 * wait it waits behind them, so that reads joining shared connections never starve a write
 * waiting for a connection of its own. Loop thread. */
static void server_schedule(struct req *r, struct loop *l)
{
    struct conn *c = atomic_load(&server_closed) || l->waiting.head ? NULL : server_pick(l, r);
    if (!c) {
        if (atomic_load(&server_closed) || atomic_load(&server_waiting) >= server_queue_max) {
            server_refuse(r, "The server is busy; try again shortly.");
            return;
        }
        reqq_push(&l->waiting, r);
        atomic_fetch_add(&server_waiting, 1);
        return;
    }
    if (server_begin(r, c) == 0) {
        server_run_fiber(r);
    } else if (c->holders == 0) {
        server_idle_push(c);
        server_serve_waiting(l);
    }
}

/* Requests on the metrics listener may ask for /metrics only; with a metrics listener, the
 * main one does not serve it. Answers 404 and returns 1 when r asks the wrong listener. */
static int server_misdirected(struct req *r, int metrics_listener)
{
    int metrics = !strcmp(r->path, "/metrics");
    if (metrics_listener ? metrics : !(server_metrics_apart && metrics))
        return 0;
    req_problem(r, 404, "not_found", "There is no such path.");
    return 1;
}

/* A whole request was read: answered at once on the loop thread, or scheduled for a handler. */
static void server_accept(struct req *r, struct loop *l, int metrics_listener)
{
    atomic_fetch_add(&server_inflight, 1);
    if (server_misdirected(r, metrics_listener) || dispatch_prepare(r) != DISPATCH_QUEUE) {
        dispatch_finish(r);
        server_send(r);
        return;
    }
    server_schedule(r, l);
}

/* ---- reading requests ---- */

static enum http_method server_method(enum http1_method m)
{
    switch (m) {
    case HTTP1_GET:
        return HTTP_GET;
    case HTTP1_POST:
        return HTTP_POST;
    case HTTP1_PUT:
        return HTTP_PUT;
    case HTTP1_PATCH:
        return HTTP_PATCH;
    case HTTP1_DELETE:
        return HTTP_DELETE;
    case HTTP1_OPTIONS:
        return HTTP_OPTIONS;
    case HTTP1_HEAD:
        return HTTP_HEAD;
    default:
        return HTTP_OTHER;
    }
}

/* Copies what the application needs of a parsed head into r (its arena): method, path, query,
 * the headers it reads (the first of each name), the client's address. */
static void server_read_request(struct req *r, const struct client *c,
                                const struct http1_request *h)
{
    static const struct {
        const char *name;
        size_t len;
        size_t offset;
    } wanted[] = {
        {"Authorization", 13, offsetof(struct req, authorization)},
        {"Content-Type", 12, offsetof(struct req, content_type)},
        {"If-Match", 8, offsetof(struct req, if_match)},
        {"Idempotency-Key", 15, offsetof(struct req, idempotency_key)},
        {"X-Request-Id", 12, offsetof(struct req, request_id)},
        {"Accept", 6, offsetof(struct req, accept)},
        {"Origin", 6, offsetof(struct req, origin)},
    };
    r->method = server_method(h->method);
    r->path = h->path_len ? arena_strndup(&r->arena, h->path, h->path_len) : "/";
    if (h->query && h->query_len)
        req_parse_query(r, arena_strndup(&r->arena, h->query, h->query_len));
    for (int i = 0; i < h->nheaders; i++) {
        const struct http1_header *hd = &h->headers[i];
        for (size_t j = 0; j < sizeof wanted / sizeof wanted[0]; j++) {
            char **field = (char **)((char *)r + wanted[j].offset);
            if (hd->name_len == wanted[j].len && !*field &&
                !strncasecmp(hd->name, wanted[j].name, wanted[j].len)) {
                *field = arena_strndup(&r->arena, hd->value, hd->value_len);
                break;
            }
        }
    }
    r->peer = arena_strdup(&r->arena, c->peer);
    if (r->method == HTTP_HEAD) {
        /* No body is read on HEAD: its declared length stands for it, and what follows would
         * be read as the next request, so the connection closes after the answer. */
        size_t cl_len;
        const char *cl = http1_header_get(h, "Content-Length", &cl_len);
        const char *te = http1_header_get(h, "Transfer-Encoding", NULL);
        if ((cl && !(cl_len == 1 && cl[0] == '0')) || te) {
            r->close_after = 1;
            unsigned long long n = 0;
            if (cl) {
                char *text = arena_strndup(&r->arena, cl, cl_len);
                n = strtoull(text, NULL, 10);
            }
            r->body_len = te || n > (unsigned long long)server_max_body
                              ? (size_t)server_max_body + 1
                              : (size_t)n;
        }
    }
}

/* The current request is complete: its body (body_len bytes, decoded, at in + head_len) goes to
 * the request when its method takes one (the others keep only its length, which the dispatcher
 * refuses over the limit), its wire_len bytes leave the input buffer, and it is handled. */
static void server_complete(struct client *c, size_t body_len, size_t wire_len)
{
    struct req *r = c->pending;
    c->pending = NULL;
    if (r->method != HTTP_HEAD)
        r->body_len = body_len;
    if (r->method == HTTP_POST || r->method == HTTP_PUT || r->method == HTTP_PATCH) {
        r->body = arena_alloc(&r->arena, body_len + 1);
        memcpy(r->body, c->in + c->head_len, body_len);
    }
    size_t used = c->head_len + wire_len;
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    if (c->in_cap > SERVER_IN_KEEP && c->in_len < SERVER_IN_KEEP / 2) {
        c->in_cap = SERVER_IN_KEEP;
        c->in = xrealloc(c->in, c->in_cap);
    }
    c->state = CLIENT_HEAD;
    c->head_len = 0;
    http1_scan_init(&c->scan);
    event_del(c->timer); /* no time-out while it is handled */
    r->client = c;
    c->req = r;
    server_accept(r, c->loop, c->metrics);
}

/* The head was parsed: the request is made, and its body (if any) is to be read. Returns 1 to
 * go on parsing, 0 to wait for more bytes. */
static int server_begin_body(struct client *c)
{
    const struct http1_request *h = &c->head;
    struct req *r = req_new();
    r->loop = c->loop;
    server_read_request(r, c, h);
    c->pending = r;
    c->minor = h->minor;
    c->keepalive_asked = h->keepalive_asked;
    c->close_asked = h->close_asked;
    c->keep_alive = h->keep_alive;
    if (h->body_kind == HTTP1_BODY_NONE) {
        server_complete(c, 0, 0);
        return 1;
    }
    if (h->body_kind == HTTP1_BODY_LENGTH && h->content_length > (uint64_t)server_max_body) {
        /* Read to its end and dropped before the 413, so that a client still sending gets the
         * answer rather than a reset (as evhttp's lingering close did). */
        c->state = CLIENT_DISCARD;
        c->discard_left = h->content_length;
        return 1;
    }
    c->state = CLIENT_BODY;
    if (h->body_kind == HTTP1_BODY_CHUNKED)
        http1_chunked_init(&c->chunked);
    else if (c->in_cap < c->head_len + h->content_length + 1) {
        c->in_cap = c->head_len + (size_t)h->content_length + 1;
        c->in = xrealloc(c->in, c->in_cap);
    }
    if (h->expect_continue && c->in_len == c->head_len) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        server_out(c, cont, sizeof cont - 1);
        if (server_write(c, NULL, 0) < 0)
            return 0;
    }
    return 1;
}

/* Parses and handles what c's input buffer holds, one request at a time: the next only once the
 * previous one is answered and its answer written. Loop thread. */
static void server_process(struct client *c)
{
    c->in_process = 1;
    while (!c->dead && !c->req && !c->close_after && c->out_off == c->out_len) {
        if (c->state == CLIENT_HEAD) {
            if (c->in_len == 0)
                break;
            long end = http1_head_end(&c->scan, c->in, c->in_len);
            if (end == 0)
                break;
            int rc = -400;
            if (end > 0) {
                c->head_len = (size_t)end;
                rc = http1_parse_head(c->in, (size_t)end, &c->head);
            } else {
                memset(&c->head, 0, sizeof c->head);
            }
            if (rc < 0) {
                size_t n;
                const char *v = http1_header_get(&c->head, "Connection", &n);
                c->close_asked = v && n == 5 && !strncasecmp(v, "close", 5);
                server_error_page(c, -rc);
                break;
            }
            if (!server_begin_body(c))
                break;
        } else if (c->state == CLIENT_BODY) {
            size_t have = c->in_len - c->head_len;
            if (c->head.body_kind == HTTP1_BODY_LENGTH) {
                if (have < c->head.content_length)
                    break;
                server_complete(c, (size_t)c->head.content_length, (size_t)c->head.content_length);
                continue;
            }
            long wire = http1_chunked_scan(&c->chunked, c->in + c->head_len, have,
                                           (uint64_t)server_max_body);
            if (wire == 0 && have > 2 * (size_t)server_max_body + HTTP1_MAX_HEAD)
                wire = -413; /* chunk framing many times its data: never buffered past this */
            if (wire == 0)
                break;
            if (wire < 0) {
                server_error_page(c, (int)-wire);
                break;
            }
            size_t n = http1_chunked_decode(c->in + c->head_len, (size_t)wire);
            server_complete(c, n, (size_t)wire);
        } else {
            size_t have = c->in_len - c->head_len;
            size_t take = c->discard_left < have ? (size_t)c->discard_left : have;
            memmove(c->in + c->head_len, c->in + c->head_len + take, have - take);
            c->in_len -= take;
            c->discard_left -= take;
            if (c->discard_left > 0)
                break;
            server_error_page(c, 413);
            break;
        }
    }
    c->in_process = 0;
    /* The client closed its side and no request of it is left to answer. */
    if (c->eof && !c->dead && !c->req && c->out_off == c->out_len)
        c->dead = 1;
    if (c->dead && !c->req)
        server_client_free(c); /* closed while it ran */
}

/* An answer of c was written: the connection closes, or its next request is read (and parsed
 * from the buffer if it is there already). Loop thread. */
static void server_answered(struct client *c)
{
    if (c->close_after || c->dead) {
        server_client_close(c);
        return;
    }
    if (!c->reading && !c->eof) {
        event_add(c->rd, NULL);
        c->reading = 1;
    }
    event_add(c->timer, &server_timeout);
    if (c->in_process)
        return; /* server_process goes on */
    if (c->in_len > 0 || c->eof)
        event_active(c->resume, EV_READ, 0);
}

static void server_on_resume(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    server_process(arg);
}

/* The client's socket is readable (or its time-out passed). */
static void server_on_read(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct client *c = arg;
    /* Room to read into: the buffer grows with what a request may hold; a client that sends
     * more while its request is handled is no longer read until the answer is written. */
    size_t limit = HTTP1_MAX_HEAD + 2 * (size_t)server_max_body + 65536;
    if (c->in_len == c->in_cap) {
        if (c->in_cap >= limit) {
            event_del(c->rd);
            c->reading = 0;
            return;
        }
        c->in_cap = c->in_cap ? c->in_cap * 2 : SERVER_IN_INITIAL;
        c->in = xrealloc(c->in, c->in_cap);
    }
    ssize_t n;
    do
        n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        /* End of file, or a reset: what was read whole is still answered. */
        c->eof = 1;
        event_del(c->rd);
        c->reading = 0;
    } else {
        c->in_len += (size_t)n;
        if (!c->req)
            event_add(c->timer, &server_timeout);
    }
    if (!c->in_process)
        server_process(c);
}

/* Nothing came from the client for SPP_HTTP_TIMEOUT_S while it was expected: the connection
 * closes without an answer (as evhttp's read time-out). */
static void server_on_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    server_client_close(arg);
}

static void server_client_free(struct client *c)
{
    struct loop *l = c->loop;
    if (c->prev)
        c->prev->next = c->next;
    else
        l->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    event_free(c->rd);
    event_free(c->wr);
    event_free(c->timer);
    event_free(c->resume);
    close(c->fd);
    req_free(c->pending);
    free(c->in);
    free(c->out);
    free(c);
}

/* New connections on a listener: each gets its client, read from now on. */
static void server_on_accept(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct listener *ls = arg;
    struct loop *l = ls->loop;
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t slen = sizeof ss;
        int cfd = accept4(fd, (struct sockaddr *)&ss, &slen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                log_warn("accept: %s", strerror(errno));
            return;
        }
        struct client *c = xcalloc(1, sizeof *c);
        c->loop = l;
        c->fd = cfd;
        c->metrics = ls->metrics;
        if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, c->peer, sizeof c->peer);
        else if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, c->peer, sizeof c->peer);
        c->rd = event_new(l->base, cfd, EV_READ | EV_PERSIST, server_on_read, c);
        c->wr = event_new(l->base, cfd, EV_WRITE, server_on_write, c);
        c->timer = event_new(l->base, -1, 0, server_on_timeout, c);
        c->resume = event_new(l->base, -1, 0, server_on_resume, c);
        c->next = l->clients;
        if (l->clients)
            l->clients->prev = c;
        l->clients = c;
        event_add(c->rd, NULL);
        c->reading = 1;
        event_add(c->timer, &server_timeout);
    }
}

static void server_on_stop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct loop *l = arg;
    struct listener *all[2] = {&l->main, &l->metrics};
    for (int i = 0; i < 2; i++) {
        if (all[i]->fd >= 0) {
            event_free(all[i]->ev);
            close(all[i]->fd);
            all[i]->fd = -1;
        }
    }
}

static void *server_loop_main(void *arg)
{
    struct loop *l = arg;
    /* No more fibers run at once than a connection's holders: one a write, up to the depth
     * when reads share it. */
    fiber_set_spare_max(l->nconns * server_depth);
    event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
    fiber_thread_cleanup();
    return NULL;
}

/* A listening socket for the setting name; with reuseport (SO_REUSEPORT) every loop thread
 * accepts on the same port. The metrics listener takes none, so that it cannot share a port
 * with the main one. */
static int server_listen_socket(const char *name, const char *listen_addr, int reuseport, char *err,
                                size_t errlen)
{
    char host[256];
    int port;
    config_split_listen(listen_addr, host, sizeof host, &port);
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot resolve %s: %s", name, host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    /* TCP_NODELAY on the listener, which Linux copies to every accepted connection: an answer
     * is written in one go, and an answer past libevent's 16 KiB write would otherwise wait for
     * the client's delayed ACK (~40 ms: a list page's latency; bench/RESULTS.md). */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
        (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        snprintf(err, errlen, "%s: cannot listen on %s: %s", name, listen_addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Waits up to seconds for the count of requests in flight to reach zero; returns it. */
static int server_wait_inflight(int64_t seconds)
{
    int64_t deadline = monotime_now_us() + seconds * 1000000;
    while (atomic_load(&server_inflight) > 0 && monotime_now_us() < deadline)
        usleep(10000);
    return atomic_load(&server_inflight);
}

/* Listener ls of loop l accepts on fd from now on. */
static void server_listener_init(struct listener *ls, struct loop *l, int fd, int metrics)
{
    ls->loop = l;
    ls->fd = fd;
    ls->metrics = metrics;
    ls->ev = event_new(l->base, fd, EV_READ | EV_PERSIST, server_on_accept, ls);
    event_add(ls->ev, NULL);
}

/* The end of the grace period: every query still running is cancelled, so that its request
 * ends promptly. Main thread. */
static void server_cancel_queries(void)
{
    for (int i = 0; i < server_nloops; i++) {
        for (int j = 0; j < server_loops[i].nconns; j++) {
            struct conn *c = &server_loops[i].conns[j];
            pthread_mutex_lock(&c->mu);
            if (c->busy && c->cancel) {
                char err[256];
                atomic_store(&c->cancelled, 1);
                if (!PQcancel(c->cancel, err, sizeof err))
                    log_warn("connection %d: cannot cancel its query: %s", c->ctx.index, err);
            }
            pthread_mutex_unlock(&c->mu);
        }
    }
}

/* Loop l's connections: n PostgreSQL connections numbered from first (connected now when
 * PostgreSQL is there, else at their first request) and the loop's Redis connection. */
static void server_conns_new(struct loop *l, const struct config *cfg,
                             const struct redis_addr *raddr, int first, int n)
{
    l->redis = redis_new(raddr, 1000);
    l->nconns = n;
    l->conns = xcalloc((size_t)n, sizeof *l->conns);
    for (int j = n - 1; j >= 0; j--) {
        struct conn *c = &l->conns[j];
        c->loop = l;
        c->ctx.index = first + j;
        c->ctx.db = db_new(cfg->database_url, dispatch_statements());
        c->ctx.redis = l->redis;
        db_set_waiter(c->ctx.db, server_db_wait, c);
        c->hooks = (struct db_pipe_hooks){server_pipe_queued, server_pipe_self, server_pipe_suspend,
                                          server_pipe_resume, c};
        db_set_pipe(c->ctx.db, &c->hooks);
        c->ready = event_new(l->base, -1, 0, server_on_ready, c);
        c->rd = event_new(l->base, -1, 0, server_on_rd, c);
        c->flush = event_new(l->base, -1, 0, server_on_flush, c);
        c->wr = event_new(l->base, -1, 0, server_on_flush, c);
        pthread_mutex_init(&c->mu, NULL);
        char err[512];
        if (db_ensure(c->ctx.db, err, sizeof err) != 0)
            log_warn("connection %d: %s (will retry per request)", c->ctx.index, err);
        c->next_idle = l->idle;
        l->idle = c;
    }
}

static void server_conns_free(struct loop *l)
{
    for (int j = 0; j < l->nconns; j++) {
        struct conn *c = &l->conns[j];
        event_free(c->rd);
        event_free(c->ready);
        event_free(c->flush);
        event_free(c->wr);
        db_free(c->ctx.db);
        if (c->cancel)
            PQfreeCancel(c->cancel);
        pthread_mutex_destroy(&c->mu);
    }
    free(l->conns);
    redis_free(l->redis);
}

int server_run(const struct config *cfg)
{
    evthread_use_pthreads();
    metrics_queue_depth_from(server_queue_depth);
    signal(SIGPIPE, SIG_IGN);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    /* Every thread inherits the mask; the main thread takes the signals with sigwait. */
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    /* One loop a core by default: a loop thread runs its requests' handlers itself, so the
     * API's own CPU spreads over as many cores as there are loops (bench/RESULTS.md, "one loop
     * thread or two"). */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    server_nloops = cfg->loop_threads ? cfg->loop_threads
                                      : (int)(cores < 1    ? 1
                                              : cores > 16 ? 16
                                                           : cores);
    int nconns = cfg->api_threads ? cfg->api_threads : SERVER_CONNS_DEFAULT;
    if (nconns < server_nloops)
        nconns = server_nloops; /* every loop needs one */
    server_queue_max = cfg->queue_max;
    server_depth = cfg->pipeline_depth;
    server_max_body = cfg->max_body_bytes;
    server_metrics_apart = cfg->metrics_listen != NULL;
    server_timeout.tv_sec = cfg->http_timeout_s;

    struct redis_addr raddr;
    redis_parse_url(cfg->redis_url, &raddr);
    server_loops = xcalloc((size_t)server_nloops, sizeof *server_loops);
    for (int i = 0, first = 0; i < server_nloops; i++) {
        struct loop *l = &server_loops[i];
        char err[512];
        int fd = server_listen_socket("SPP_LISTEN", cfg->listen, 1, err, sizeof err);
        if (fd < 0) {
            log_error("%s", err);
            return 1;
        }
        l->base = event_base_new();
        server_listener_init(&l->main, l, fd, 0);
        l->metrics.fd = -1;
        if (i == 0 && cfg->metrics_listen) {
            int metrics_fd =
                server_listen_socket("SPP_METRICS_LISTEN", cfg->metrics_listen, 0, err, sizeof err);
            if (metrics_fd < 0) {
                log_error("%s", err);
                return 1;
            }
            server_listener_init(&l->metrics, l, metrics_fd, 1);
        }
        l->stop = event_new(l->base, -1, 0, server_on_stop, l);
        l->close = event_new(l->base, -1, 0, server_on_close_waiting, l);
        l->run = event_new(l->base, -1, 0, server_on_run, l);
        int n = nconns / server_nloops + (i < nconns % server_nloops);
        server_conns_new(l, cfg, &raddr, first, n);
        first += n;
    }
    for (int i = 0; i < server_nloops; i++)
        pthread_create(&server_loops[i].thread, NULL, server_loop_main, &server_loops[i]);

    char extra[512];
    snprintf(extra, sizeof extra,
             "\"listen\":\"%s\",\"metrics_listen\":\"%s\",\"connections\":%d,"
             "\"loops\":%d",
             cfg->listen, cfg->metrics_listen ? cfg->metrics_listen : cfg->listen, nconns,
             server_nloops);
    log_line(LOG_INFO, "api listening", extra);

    int sig = 0;
    sigwait(&sigs, &sig);
    atomic_store(&server_stopping, 1);
    log_info("signal %d: no new connections; finishing %d in-flight requests", sig,
             atomic_load(&server_inflight));
    for (int i = 0; i < server_nloops; i++)
        event_active(server_loops[i].stop, EV_READ, 0);
    int left = server_wait_inflight(cfg->shutdown_grace_s);

    /* The grace period is over: what still waits for a connection is answered 503 without
     * running, and what is running has its query cancelled (and answers 503 when that failed
     * it). Every request is answered before the loops stop and anything is freed. */
    atomic_store(&server_closed, 1);
    for (int i = 0; i < server_nloops; i++)
        event_active(server_loops[i].close, EV_READ, 0);
    /* Also when none was left: a keep-alive connection may have sent one since. */
    if (left > 0)
        log_warn("grace period over with %d requests unfinished: cancelling their queries", left);
    server_cancel_queries();
    left = server_wait_inflight(SERVER_STOP_WAIT_S);
    if (left > 0) {
        /* A request that does not end holds a fiber and memory that everything else shares:
         * leave without freeing anything rather than free it under its feet. */
        log_error("%d requests not answered %d s after the grace period; exiting now", left,
                  SERVER_STOP_WAIT_S);
        _exit(1);
    }
    for (int i = 0; i < server_nloops; i++) {
        event_base_loopbreak(server_loops[i].base);
        pthread_join(server_loops[i].thread, NULL);
    }
    for (int i = 0; i < server_nloops; i++) {
        struct loop *l = &server_loops[i];
        event_free(l->stop);
        event_free(l->close);
        event_free(l->run);
        while (l->clients)
            server_client_free(l->clients);
        server_on_stop(-1, 0, l); /* the listeners, when the loop did not close them */
        server_conns_free(l);
        event_base_free(l->base);
    }
    free(server_loops);
    log_info("api stopped");
    return 0;
}
