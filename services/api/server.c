/* The HTTP server. Loop threads (SPP_LOOP_THREADS) each run a libevent event_base with an
 * evhttp on the shared port (SO_REUSEPORT), and each owns a pool of PostgreSQL connections
 * (SPP_API_THREADS in all, split across the loops) and one Redis connection. A request that
 * needs a handler runs on a fiber (fiber.h) of the loop thread that accepted it, holding one of
 * that loop's connections from start to end (a transaction spans its statements); when none
 * is free it waits, oldest first, in a list bounded by SPP_QUEUE_MAX (503 + Retry-After past
 * it). The connections are non-blocking: each wait of libpq (db_set_waiter) registers the
 * socket in the loop's event base and yields, so that the loop serves other requests meanwhile,
 * and the socket's readiness resumes the fiber. Handlers stay straight-line code. Redis calls
 * (the rate limit's batch refill, the job outbox after COMMIT) block the loop thread for their
 * short round trip, with their time-outs; they never yield, so one Redis connection a loop is
 * used by one fiber at a time. Nothing a request holds across a yield is a mutex.
 *
 * Shutdown (SIGTERM): the loops stop accepting, requests in flight get the grace period; then
 * waiting requests are answered 503, running queries are cancelled (PQcancel, from the main
 * thread) and their requests answered 503 when that failed them, and once every request is
 * answered (or SERVER_STOP_WAIT_S later, by _exit) the loops stop and everything is freed. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h> /* major, minor: no accessor in 2.1 */
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
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
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "monotime.h"
#include "dispatch.h"
#include "fiber.h"
#include "log.h"
#include "metrics.h"
#include "redis.h"
#include "req.h"
#include "router.h"
#include "xalloc.h"

struct conn;

struct loop {
    pthread_t thread;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct evhttp *metrics_http; /* SPP_METRICS_LISTEN, on the first loop only */
    struct evhttp_bound_socket *metrics_bound;
    struct event *stop;  /* activated by the main thread to stop accepting */
    struct event *close; /* activated by the main thread at the end of the grace period */
    struct redis *redis; /* every fiber's of this loop: Redis calls never yield */
    struct conn *conns;
    int nconns;
    struct conn *idle;                 /* connections no request holds */
    struct req *wait_head, *wait_tail; /* requests waiting for a connection, oldest first */
};

/* One PostgreSQL connection of a loop, and what cancels its query at shutdown. */
struct conn {
    struct handler_ctx ctx; /* first: a request's hc points here */
    struct loop *loop;
    struct conn *next_idle;
    struct req *req;     /* the request holding it, NULL when idle */
    struct event *ready; /* a one-shot wait of that request's fiber on the socket */
    short ready_what;    /* what the wait saw: EV_READ, EV_WRITE, EV_TIMEOUT */
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

static struct loop *server_loops;
static int server_nloops;
static atomic_int server_inflight;
static atomic_int server_stopping;
static atomic_int server_waiting; /* requests waiting for a connection, all loops */
static atomic_int server_closed;  /* the grace period is over */
static int server_queue_max = 1024;
static int server_max_body = 1048576;
static int server_metrics_apart; /* /metrics is served on SPP_METRICS_LISTEN only */

/* How long requests get to be answered once the grace period is over and their queries were
 * cancelled. */
#define SERVER_STOP_WAIT_S 10
/* PostgreSQL connections of the process when SPP_API_THREADS is 0, split across the loops
 * (bench/RESULTS.md, "The request path on fibers"): enough writers in flight for group commit,
 * and few enough that two APIs and a worker fit in PostgreSQL's default max_connections. */
#define SERVER_CONNS_DEFAULT 16

int server_queue_depth(void)
{
    return atomic_load(&server_waiting);
}

int server_draining(void)
{
    return atomic_load(&server_stopping);
}

/* ---- the loop side ---- */

static enum http_method server_method(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET:
        return HTTP_GET;
    case EVHTTP_REQ_POST:
        return HTTP_POST;
    case EVHTTP_REQ_PUT:
        return HTTP_PUT;
    case EVHTTP_REQ_PATCH:
        return HTTP_PATCH;
    case EVHTTP_REQ_DELETE:
        return HTTP_DELETE;
    case EVHTTP_REQ_OPTIONS:
        return HTTP_OPTIONS;
    case EVHTTP_REQ_HEAD:
        return HTTP_HEAD;
    default:
        return HTTP_OTHER;
    }
}

/* The connection of a request that a fiber runs or that waits is going away. libevent 2.1.12
 * (http.c) calls this from evhttp_connection_free, and there are two ways there:
 * - evhttp_connection_fail_ on a time-out or an end of file while the request awaits its
 *   answer: evhttp_connection_incoming_fail takes the request off the connection (its evcon
 *   becomes NULL) and does not free it. The request is ours: we free it when the handler is
 *   done (evhttp_send_reply would only free it too, see evhttp_send).
 * - anything else (evhttp_free at shutdown): the request is still on the connection's list
 *   and libevent frees it right after this callback; we must not touch it again.
 * Loop thread only, like everything that touches r->evreq. */
static void server_on_close(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    struct req *r = arg;
    if (r->evreq && !evhttp_request_get_connection(r->evreq))
        r->evreq_orphaned = 1;
    else
        r->evreq = NULL;
}

/* Lets go of r->evreq without answering: frees it when it is ours, else forgets the close
 * callback that points at r. Loop thread, or the main thread once the loops have stopped. */
static void server_release(struct req *r)
{
    if (!r->evreq)
        return;
    if (r->evreq_orphaned) {
        evhttp_request_free(r->evreq);
    } else {
        struct evhttp_connection *evcon = evhttp_request_get_connection(r->evreq);
        if (evcon)
            evhttp_connection_set_closecb(evcon, NULL, NULL);
    }
    r->evreq = NULL;
}

/* The Date header's text (RFC 9110 5.6.7, as libevent's evutil_date_rfc1123 writes it) for
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

/* The decimal text of n into out (at least 21 bytes). */
static const char *server_utoa(size_t n, char *out)
{
    char *p = out + 20;
    *p = '\0';
    do
        *--p = (char)('0' + n % 10);
    while (n /= 10);
    return p;
}

/* evbuffer_add_reference's clean-up: the body was the request's (malloc), now the buffer's. */
static void server_body_free(const void *data, size_t len, void *extra)
{
    (void)len;
    (void)extra;
    free((void *)data);
}

/* Sends r's answer (when the client is still there) and frees r. Loop thread only. The Date
 * and Content-Length headers that evhttp_send_reply would format for each answer are added
 * here, last and in its order, from a per-second Date and without printf; the body is handed
 * to the connection's buffer rather than copied. */
static void server_send(struct req *r)
{
    if (r->evreq_orphaned)
        server_release(r); /* the client left: nobody to answer */
    if (r->evreq) {
        struct evhttp_connection *evcon = evhttp_request_get_connection(r->evreq);
        if (evcon)
            evhttp_connection_set_closecb(evcon, NULL, NULL);
        struct evkeyvalq *h = evhttp_request_get_output_headers(r->evreq);
        if (r->content_type_out)
            evhttp_add_header(h, "Content-Type", r->content_type_out);
        for (int i = 0; i < r->nresp_headers; i++)
            evhttp_add_header(h, r->resp_headers[i][0], r->resp_headers[i][1]);
        if (atomic_load(&server_stopping) || r->close_after)
            evhttp_add_header(h, "Connection", "close");
        /* evhttp_make_header_response adds these two to HTTP/1.1 answers, Content-Length to
         * those with a body (not HEAD, 1xx, 204, 304); HTTP/1.0 is left to it (it orders them
         * differently there, and keeps Date out). */
        int has_body =
            r->method != HTTP_HEAD && r->status >= 200 && r->status != 204 && r->status != 304;
        if (r->evreq->major == 1 && r->evreq->minor >= 1) {
            evhttp_add_header(h, "Date", server_date());
            if (has_body) {
                char len[21];
                evhttp_add_header(h, "Content-Length", server_utoa(r->resp_len, len));
            }
        }
        struct evbuffer *out = evhttp_request_get_output_buffer(r->evreq);
        if (r->resp_len && has_body &&
            evbuffer_add_reference(out, r->resp_body, r->resp_len, server_body_free, NULL) == 0)
            r->resp_body = NULL;
        evhttp_send_reply(r->evreq, r->status, NULL, NULL);
    }
    req_free(r);
    atomic_fetch_sub(&server_inflight, 1);
}

/* The request headers the application reads, each the first of its name (as
 * evhttp_find_header finds it), in one pass over the list rather than one a name. */
static void server_read_headers(struct req *r, struct evkeyvalq *h)
{
    static const struct {
        const char *name;
        size_t offset;
    } wanted[] = {
        {"Authorization", offsetof(struct req, authorization)},
        {"Content-Type", offsetof(struct req, content_type)},
        {"If-Match", offsetof(struct req, if_match)},
        {"Idempotency-Key", offsetof(struct req, idempotency_key)},
        {"X-Request-Id", offsetof(struct req, request_id)},
        {"Accept", offsetof(struct req, accept)},
        {"Origin", offsetof(struct req, origin)},
    };
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, h, next)
    {
        for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
            char **field = (char **)((char *)r + wanted[i].offset);
            if (!*field && !strcasecmp(kv->key, wanted[i].name)) {
                *field = arena_strdup(&r->arena, kv->value);
                break;
            }
        }
    }
}

/* Copies what the application needs out of libevent's request. */
static int server_read_request(struct req *r, struct evhttp_request *evreq)
{
    r->evreq = evreq;
    r->method = server_method(evhttp_request_get_command(evreq));
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(evreq);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    r->path = arena_strdup(&r->arena, path && *path ? path : "/");
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    if (query && *query)
        req_parse_query(r, query); /* a malformed piece is answered 422 by the handler */
    struct evkeyvalq *h = evhttp_request_get_input_headers(evreq);
    server_read_headers(r, h);
    struct evhttp_connection *evcon = evhttp_request_get_connection(evreq);
    if (evcon) {
        char *addr = NULL;
        ev_uint16_t port = 0;
        evhttp_connection_get_peer(evcon, &addr, &port);
        r->peer = arena_strdup(&r->arena, addr ? addr : "");
    }
    /* libevent stops reading a body at SPP_MAX_BODY_BYTES (evhttp_set_max_body_size), so
     * nothing larger is ever buffered. Only methods that take a body get a copy of it: the
     * others keep its length, which the dispatcher refuses when over the limit. libevent
     * reads no body on HEAD, so there the declared length stands for it. */
    struct evbuffer *in = evhttp_request_get_input_buffer(evreq);
    size_t len = evbuffer_get_length(in);
    r->body_len = len;
    if (r->method == HTTP_POST || r->method == HTTP_PUT || r->method == HTTP_PATCH) {
        r->body = arena_alloc(&r->arena, len + 1);
        evbuffer_copyout(in, r->body, len);
        r->body[len] = '\0';
    } else if (r->method == HTTP_HEAD) {
        const char *cl = evhttp_find_header(h, "Content-Length");
        const char *te = evhttp_find_header(h, "Transfer-Encoding");
        if ((cl && strcmp(cl, "0") != 0) || te) {
            /* What follows would be read as the next request: close after answering. */
            r->close_after = 1;
            unsigned long long n = cl ? strtoull(cl, NULL, 10) : 0;
            r->body_len = te || n > (unsigned long long)server_max_body
                              ? (size_t)server_max_body + 1
                              : (size_t)n;
        }
    }
    return 0;
}

/* Returns 1 when the request names its length more than once. libevent frames the body by the
 * first Content-Length; a proxy in front that takes another would read the rest as a second
 * request (smuggling), so such a request is refused, and its connection closed, before the
 * application acts on it (RFC 9112 6.3). */
static int server_framing_ambiguous(struct evhttp_request *evreq)
{
    int n = 0;
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, evhttp_request_get_input_headers(evreq), next)
    {
        if (!strcasecmp(kv->key, "Content-Length"))
            n++;
    }
    return n > 1;
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

/* Before a request: a cancel object for the connection's current backend (libpq's PGcancel
 * may be used from another thread, unlike the connection), and busy. */
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

static void server_conn_disarm(struct conn *c)
{
    pthread_mutex_lock(&c->mu);
    c->busy = 0;
    pthread_mutex_unlock(&c->mu);
}

/* What runs on a request's fiber: the handler with everything around it. */
static void server_fiber_main(void *arg)
{
    struct req *r = arg;
    struct conn *c = (struct conn *)r->hc;
    dispatch_run(r);
    /* A query cancelled at shutdown fails the request: say so rather than 500. A request that
     * succeeded anyway keeps its answer (it may have committed). */
    if (atomic_exchange(&c->cancelled, 0) && r->status >= 500) {
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
    struct req *r = l->wait_head;
    if (!r)
        return NULL;
    l->wait_head = r->next;
    if (!l->wait_head)
        l->wait_tail = NULL;
    atomic_fetch_sub(&server_waiting, 1);
    return r;
}

/* Gives c to r and makes r's fiber. Returns 0; -1 when no fiber could be made (r is then
 * answered 503 and freed, c still free). Loop thread. */
static int server_begin(struct req *r, struct conn *c)
{
    r->fiber = fiber_new(server_fiber_main, r);
    if (!r->fiber) {
        log_error("no stack for a request's fiber");
        server_refuse(r, "The server is busy; try again shortly.");
        return -1;
    }
    c->req = r;
    r->hc = &c->ctx;
    server_conn_arm(c);
    return 0;
}

/* c's request ended: the oldest waiting request of its loop gets it, and is returned to be run
 * (after the grace period waiting requests are answered 503 instead); NULL when none waits and
 * c is idle again. Loop thread. */
static struct req *server_conn_release(struct conn *c)
{
    struct loop *l = c->loop;
    c->req = NULL;
    struct req *r;
    while ((r = server_wait_pop(l)) != NULL) {
        if (atomic_load(&server_closed))
            server_refuse(r, "The server is shutting down; try again.");
        else if (server_begin(r, c) == 0)
            return r;
    }
    c->next_idle = l->idle;
    l->idle = c;
    return NULL;
}

/* Drops c's persistent read event when it no longer stands for c's socket: libpq closed it (the
 * server went away) or db opened another since. Called before each wait and when a request
 * ends, so that the loop never runs with a registration for a descriptor number that may
 * since name another socket (libevent would then never watch that one). Loop thread. */
static void server_rd_check(struct conn *c)
{
    if (!c->rd_on)
        return;
    PGconn *pg = db_conn(c->ctx.db);
    if (pg && PQsocket(pg) == c->rd_fd && db_generation(c->ctx.db) == c->rd_gen)
        return;
    event_del(c->rd); /* epoll forgot a closed descriptor: libevent takes its EBADF/ENOENT */
    c->rd_on = 0;
}

/* Runs r's fiber until it waits or ends. When it ends: answers r, and runs the next request
 * waiting for its connection the same way. Loop thread, outside any fiber. */
static void server_run_fiber(struct req *r)
{
    while (r && fiber_resume(r->fiber)) {
        struct conn *c = (struct conn *)r->hc;
        server_rd_check(c);
        r->fiber = NULL;
        server_conn_disarm(c);
        server_send(r);
        r = server_conn_release(c);
    }
}

/* The socket of a connection is ready (or the wait timed out): its fiber goes on. */
static void server_on_ready(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct conn *c = arg;
    c->waiting = 0;
    c->ready_what = what;
    server_run_fiber(c->req);
}

/* The persistent read event: the fiber goes on when it waits on it. While it waits on the
 * one-shot event instead (always with EV_READ), that one fires for the same readiness. An
 * idle connection's socket that is readable (the server spoke or went away) would fire again
 * at every turn of the loop: it is no longer watched until its next wait. */
static void server_on_rd(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct conn *c = arg;
    if (c->waiting == 1) {
        c->waiting = 0;
        c->ready_what = what;
        server_run_fiber(c->req);
    } else if (c->waiting == 0) {
        event_del(c->rd);
        c->rd_on = 0;
    }
}

/* The connections' waiter (db_set_waiter): inside a request's fiber, the socket goes into the
 * loop's event base and the fiber yields until it is ready; elsewhere (connecting at start-up,
 * from the main thread) it polls. */
static int server_db_wait(void *arg, int fd, int events, int timeout_ms)
{
    struct conn *c = arg;
    if (!fiber_current() || !c->req)
        return db_wait_poll(NULL, fd, events, timeout_ms);
    server_rd_check(c);
    if (events == DB_WAIT_READ && timeout_ms < 0) {
        if (!c->rd_on) {
            if (event_assign(c->rd, c->loop->base, fd, EV_READ | EV_PERSIST, server_on_rd, c) !=
                    0 ||
                event_add(c->rd, NULL) != 0)
                return -1;
            c->rd_on = 1;
            c->rd_fd = fd;
            c->rd_gen = db_generation(c->ctx.db);
        }
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

/* A request that needs a handler: runs at once on a free connection of its loop, else waits
 * for one (or is answered 503 when too many wait). Loop thread. */
static void server_schedule(struct req *r, struct loop *l)
{
    struct conn *c = l->idle;
    if (atomic_load(&server_closed) || (!c && atomic_load(&server_waiting) >= server_queue_max)) {
        server_refuse(r, "The server is busy; try again shortly.");
        return;
    }
    struct evhttp_connection *evcon = evhttp_request_get_connection(r->evreq);
    if (evcon)
        evhttp_connection_set_closecb(evcon, server_on_close, r);
    if (c) {
        l->idle = c->next_idle;
        if (server_begin(r, c) == 0)
            server_run_fiber(r);
        else
            server_run_fiber(server_conn_release(c));
        return;
    }
    r->next = NULL;
    if (l->wait_tail)
        l->wait_tail->next = r;
    else
        l->wait_head = r;
    l->wait_tail = r;
    atomic_fetch_add(&server_waiting, 1);
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

static void server_accept(struct evhttp_request *evreq, struct loop *l, int metrics_listener)
{
    if (server_framing_ambiguous(evreq)) {
        evhttp_send_error(evreq, HTTP_BADREQUEST, NULL); /* closes the connection */
        return;
    }
    struct req *r = req_new();
    r->loop = l;
    atomic_fetch_add(&server_inflight, 1);
    if (server_read_request(r, evreq) != 0) {
        dispatch_prepare(r);
        req_problem(r, 400, "validation_failed", "The query string is malformed.");
        dispatch_finish(r);
        server_send(r);
        return;
    }
    if (server_misdirected(r, metrics_listener) || dispatch_prepare(r) != DISPATCH_QUEUE) {
        dispatch_finish(r);
        server_send(r);
        return;
    }
    server_schedule(r, l);
}

static void server_on_request(struct evhttp_request *evreq, void *arg)
{
    server_accept(evreq, arg, 0);
}

static void server_on_metrics_request(struct evhttp_request *evreq, void *arg)
{
    server_accept(evreq, arg, 1);
}

static void server_on_stop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct loop *l = arg;
    if (l->bound) {
        evhttp_del_accept_socket(l->http, l->bound);
        l->bound = NULL;
    }
    if (l->metrics_bound) {
        evhttp_del_accept_socket(l->metrics_http, l->metrics_bound);
        l->metrics_bound = NULL;
    }
}

static void *server_loop_main(void *arg)
{
    struct loop *l = arg;
    fiber_set_spare_max(l->nconns); /* no more fibers than connections run at once */
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

/* ---- libevent's own 413 ----
 * libevent refuses a body over the limit before the application sees the request
 * (evhttp_connection_fail_ with EVREQ_HTTP_DATA_TOO_LONG, then evhttp_send_error): an HTML page
 * with Connection: close, so always the last response of its connection, written into an
 * output buffer that is empty (the request was read only once the previous answer was out).
 * Each connection's output buffer has a callback that replaces exactly that page by the
 * problem+json every other 413 carries. It costs a 13-byte look at each write. */
static const char server_too_large[] =
    "{\"type\":\"urn:spp:problem:payload_too_large\",\"title\":\"Content Too Large\","
    "\"status\":413,\"detail\":\"The request body is larger than 1 MiB.\","
    "\"code\":\"payload_too_large\"}";
static _Thread_local int server_rewriting;

/* Rewrites libevent's 413 page in out once it is there whole. Loop thread. */
/* Copies the first len bytes of buf into out: evbuffer_copyout refuses a buffer whose start
 * is frozen, as a socket bufferevent keeps its output between writes. */
static void server_peek(struct evbuffer *buf, char *out, size_t len)
{
    struct evbuffer_iovec v[32];
    int n = evbuffer_peek(buf, (ev_ssize_t)len, NULL, v, 32);
    size_t done = 0;
    for (int i = 0; i < n && i < 32 && done < len; i++) {
        size_t k = v[i].iov_len < len - done ? v[i].iov_len : len - done;
        memcpy(out + done, v[i].iov_base, k);
        done += k;
    }
    memset(out + done, 0, len - done);
}

static void server_on_output(struct evbuffer *out, const struct evbuffer_cb_info *info, void *arg)
{
    (void)arg;
    size_t len = evbuffer_get_length(out);
    if (server_rewriting || !info->n_added || len < 13 || len > 4096)
        return;
    /* The usual case without copying: the buffer starts with a status line other than 413 or
     * an interim 100 (what the look below finds too, when the first 13 bytes are together). */
    struct evbuffer_iovec first;
    if (evbuffer_peek(out, -1, NULL, &first, 1) >= 1 && first.iov_len >= 13) {
        const char *p = first.iov_base;
        if (strncmp(p, "HTTP/1.", 7) == 0 && strncmp(p + 8, " 413 ", 5) != 0 &&
            strncmp(p + 8, " 100 ", 5) != 0)
            return;
    }
    /* Most writes stop here, at a look at the status line (after an interim 100, if any). */
    char text[4097];
    server_peek(out, text, 38); /* zero-filled past len */
    size_t at = !strncmp(text + 8, " 100 Continue\r\n\r\n", 17) ? 25 : 0;
    if (len < at + 13 || strncmp(text + at, "HTTP/1.", 7) != 0 ||
        strncmp(text + at + 8, " 413 ", 5) != 0)
        return;
    server_peek(out, text, len);
    text[len] = '\0';
    char *page = text + at;
    char *end = strstr(page, "\r\n\r\n");
    if (!end)
        return;    /* the headers are not all there yet */
    end[2] = '\0'; /* the header block, each line ending in CRLF */
    const char *cl = strstr(page, "\r\nContent-Length: ");
    if (!strstr(page, "\r\nContent-Type: text/html\r\n") || !cl ||
        (size_t)(end + 4 - text) + strtoul(cl + 18, NULL, 10) != len)
        return; /* an answer of ours, or the page's body is not all there yet */
    struct buf b;
    buf_init(&b);
    buf_append(&b, text, (size_t)(page - text)); /* the interim answer, if any */
    buf_printf(&b, "HTTP/1.%c 413 Payload Too Large\r\n", page[7]);
    for (char *line = strstr(page, "\r\n") + 2; *line;) {
        char *eol = strstr(line, "\r\n");
        if (strncasecmp(line, "Content-Type:", 13) && strncasecmp(line, "Content-Length:", 15))
            buf_append(&b, line, (size_t)(eol + 2 - line));
        line = eol + 2;
    }
    unsigned char raw[8];
    RAND_bytes(raw, sizeof raw);
    buf_puts(&b, "Content-Type: application/problem+json\r\nX-Request-Id: ");
    for (int i = 0; i < 8; i++)
        buf_printf(&b, "%02x", raw[i]);
    buf_printf(&b, "\r\nContent-Length: %zu\r\n\r\n%s", sizeof server_too_large - 1,
               server_too_large);
    /* The socket bufferevent keeps the start of its output frozen but while it writes; it is
     * frozen again afterwards, as that bufferevent leaves it. */
    server_rewriting = 1;
    evbuffer_unfreeze(out, 1);
    evbuffer_drain(out, len);
    evbuffer_add(out, b.data, b.len);
    evbuffer_freeze(out, 1);
    server_rewriting = 0;
    buf_cleanup(&b);
    metrics_observe(-1, 413, 0);
}

/* Each connection's bufferevent, made as libevent makes it (evhttp_set_bevcb), with the
 * output callback above. */
static struct bufferevent *server_bev_new(struct event_base *base, void *arg)
{
    (void)arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
    if (bev)
        evbuffer_add_cb(bufferevent_get_output(bev), server_on_output, NULL);
    return bev;
}

/* Waits up to seconds for the count of requests in flight to reach zero; returns it. */
static int server_wait_inflight(int64_t seconds)
{
    int64_t deadline = monotime_now_us() + seconds * 1000000;
    while (atomic_load(&server_inflight) > 0 && monotime_now_us() < deadline)
        usleep(10000);
    return atomic_load(&server_inflight);
}

/* Builds loop l's evhttp for fd with the settings every listener shares. */
static struct evhttp *server_http_new(struct loop *l, const struct config *cfg,
                                      void (*cb)(struct evhttp_request *, void *))
{
    struct evhttp *http = evhttp_new(l->base);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                         EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                         EVHTTP_REQ_HEAD);
    /* libevent refuses a larger body itself, before reading it (with its own 413 page), so
     * that no request holds more than the limit in memory, whatever its method. */
    evhttp_set_max_body_size(http, (ev_ssize_t)cfg->max_body_bytes);
    /* It reads and drops the rest of a declared body before answering, so that closing the
     * connection with unread data does not reset it under the answer. */
    evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE);
    evhttp_set_max_headers_size(http, 16384);
    evhttp_set_timeout(http, cfg->http_timeout_s);
    evhttp_set_gencb(http, cb, l);
    evhttp_set_bevcb(http, server_bev_new, NULL);
    return http;
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
        c->ready = event_new(l->base, -1, 0, server_on_ready, c);
        c->rd = event_new(l->base, -1, 0, server_on_rd, c);
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
    server_max_body = cfg->max_body_bytes;
    server_metrics_apart = cfg->metrics_listen != NULL;

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
        l->http = server_http_new(l, cfg, server_on_request);
        l->bound = evhttp_accept_socket_with_handle(l->http, fd);
        if (i == 0 && cfg->metrics_listen) {
            int metrics_fd =
                server_listen_socket("SPP_METRICS_LISTEN", cfg->metrics_listen, 0, err, sizeof err);
            if (metrics_fd < 0) {
                log_error("%s", err);
                return 1;
            }
            l->metrics_http = server_http_new(l, cfg, server_on_metrics_request);
            l->metrics_bound = evhttp_accept_socket_with_handle(l->metrics_http, metrics_fd);
        }
        l->stop = event_new(l->base, -1, 0, server_on_stop, l);
        l->close = event_new(l->base, -1, 0, server_on_close_waiting, l);
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
        if (l->metrics_http)
            evhttp_free(l->metrics_http);
        evhttp_free(l->http);
        server_conns_free(l);
        event_base_free(l->base);
    }
    free(server_loops);
    log_info("api stopped");
    return 0;
}
