#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "dispatch.h"
#include "log.h"
#include "redis.h"
#include "req.h"
#include "router.h"
#include "xalloc.h"

struct loop {
    pthread_t thread;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct event *wake; /* activated by handler threads when answers are ready */
    struct event *stop; /* activated by the main thread to stop accepting */
    pthread_mutex_t mu;
    struct req *done_head, *done_tail;
};

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct req *head, *tail;
    int len, max, closed;
};

static struct queue server_queue;
static struct loop *server_loops;
static int server_nloops;
static atomic_int server_inflight;
static atomic_int server_stopping;

int server_queue_depth(void)
{
    pthread_mutex_lock(&server_queue.mu);
    int n = server_queue.len;
    pthread_mutex_unlock(&server_queue.mu);
    return n;
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

static void server_on_close(struct evhttp_connection *evcon, void *arg)
{
    (void)evcon;
    struct req *r = arg;
    r->evreq = NULL; /* libevent frees the request: the answer will be dropped */
}

/* Sends r's answer (when the client is still there) and frees r. Loop thread only. */
static void server_send(struct req *r)
{
    if (r->evreq) {
        struct evhttp_connection *evcon = evhttp_request_get_connection(r->evreq);
        if (evcon)
            evhttp_connection_set_closecb(evcon, NULL, NULL);
        struct evkeyvalq *h = evhttp_request_get_output_headers(r->evreq);
        if (r->content_type_out)
            evhttp_add_header(h, "Content-Type", r->content_type_out);
        for (int i = 0; i < r->nresp_headers; i++)
            evhttp_add_header(h, r->resp_headers[i][0], r->resp_headers[i][1]);
        if (atomic_load(&server_stopping))
            evhttp_add_header(h, "Connection", "close");
        struct evbuffer *out = evhttp_request_get_output_buffer(r->evreq);
        if (r->resp_len && r->method != HTTP_HEAD)
            evbuffer_add(out, r->resp_body, r->resp_len);
        evhttp_send_reply(r->evreq, r->status, NULL, NULL);
    }
    req_free(r);
    atomic_fetch_sub(&server_inflight, 1);
}

static void server_on_wake(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct loop *l = arg;
    pthread_mutex_lock(&l->mu);
    struct req *r = l->done_head;
    l->done_head = l->done_tail = NULL;
    pthread_mutex_unlock(&l->mu);
    while (r) {
        struct req *next = r->next;
        server_send(r);
        r = next;
    }
}

/* Hands a finished request back to its loop thread. Any thread. */
static void server_complete(struct req *r)
{
    struct loop *l = r->loop;
    r->next = NULL;
    pthread_mutex_lock(&l->mu);
    if (l->done_tail)
        l->done_tail->next = r;
    else
        l->done_head = r;
    l->done_tail = r;
    pthread_mutex_unlock(&l->mu);
    event_active(l->wake, EV_READ, 0);
}

static char *server_header(struct req *r, struct evkeyvalq *h, const char *name)
{
    const char *v = evhttp_find_header(h, name);
    return v ? arena_strdup(&r->arena, v) : NULL;
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
    r->authorization = server_header(r, h, "Authorization");
    r->content_type = server_header(r, h, "Content-Type");
    r->if_match = server_header(r, h, "If-Match");
    r->idempotency_key = server_header(r, h, "Idempotency-Key");
    r->request_id = server_header(r, h, "X-Request-Id");
    r->accept = server_header(r, h, "Accept");
    r->origin = server_header(r, h, "Origin");
    struct evbuffer *in = evhttp_request_get_input_buffer(evreq);
    size_t len = evbuffer_get_length(in);
    r->body = arena_alloc(&r->arena, len + 1);
    evbuffer_copyout(in, r->body, len);
    r->body_len = len;
    return 0;
}

static void server_on_request(struct evhttp_request *evreq, void *arg)
{
    struct loop *l = arg;
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
    if (dispatch_prepare(r) != DISPATCH_QUEUE) {
        dispatch_finish(r);
        server_send(r);
        return;
    }
    pthread_mutex_lock(&server_queue.mu);
    if (server_queue.len >= server_queue.max || server_queue.closed) {
        pthread_mutex_unlock(&server_queue.mu);
        req_header(r, "Retry-After", "1");
        req_problem(r, 503, "unavailable", "The server is busy; try again shortly.");
        dispatch_finish(r);
        server_send(r);
        return;
    }
    struct evhttp_connection *evcon = evhttp_request_get_connection(evreq);
    if (evcon)
        evhttp_connection_set_closecb(evcon, server_on_close, r);
    r->next = NULL;
    if (server_queue.tail)
        server_queue.tail->next = r;
    else
        server_queue.head = r;
    server_queue.tail = r;
    server_queue.len++;
    pthread_cond_signal(&server_queue.cv);
    pthread_mutex_unlock(&server_queue.mu);
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
}

static void *server_loop_main(void *arg)
{
    struct loop *l = arg;
    event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* A listening socket with SO_REUSEPORT so that every loop thread accepts on the same port. */
static int server_listen_socket(const char *listen_addr, char *err, size_t errlen)
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
        snprintf(err, errlen, "SPP_LISTEN: cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        snprintf(err, errlen, "SPP_LISTEN: cannot listen on %s: %s", listen_addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* ---- the handler side ---- */

struct handler {
    pthread_t thread;
    struct handler_ctx ctx;
};

static void *server_handler_main(void *arg)
{
    struct handler *h = arg;
    for (;;) {
        pthread_mutex_lock(&server_queue.mu);
        while (!server_queue.head && !server_queue.closed)
            pthread_cond_wait(&server_queue.cv, &server_queue.mu);
        struct req *r = server_queue.head;
        if (!r) {
            pthread_mutex_unlock(&server_queue.mu);
            break;
        }
        server_queue.head = r->next;
        if (!server_queue.head)
            server_queue.tail = NULL;
        server_queue.len--;
        pthread_mutex_unlock(&server_queue.mu);
        r->hc = &h->ctx;
        dispatch_run(r);
        dispatch_finish(r);
        server_complete(r);
    }
    return NULL;
}

int server_run(const struct config *cfg)
{
    evthread_use_pthreads();
    signal(SIGPIPE, SIG_IGN);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    /* Every thread inherits the mask; the main thread takes the signals with sigwait. */
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int nhandlers = cfg->api_threads ? cfg->api_threads : (int)(cores > 0 ? 2 * cores : 4);
    pthread_mutex_init(&server_queue.mu, NULL);
    pthread_cond_init(&server_queue.cv, NULL);
    server_queue.max = cfg->queue_max;

    struct redis_addr raddr;
    redis_parse_url(cfg->redis_url, &raddr);
    struct handler *handlers = xcalloc((size_t)nhandlers, sizeof *handlers);
    for (int i = 0; i < nhandlers; i++) {
        handlers[i].ctx.index = i;
        handlers[i].ctx.db = db_new(cfg->database_url, dispatch_statements());
        handlers[i].ctx.redis = redis_new(&raddr, 1000);
        char err[512];
        if (db_ensure(handlers[i].ctx.db, err, sizeof err) != 0)
            log_warn("handler %d: %s (will retry per request)", i, err);
    }

    server_nloops = cfg->loop_threads;
    server_loops = xcalloc((size_t)server_nloops, sizeof *server_loops);
    for (int i = 0; i < server_nloops; i++) {
        struct loop *l = &server_loops[i];
        char err[512];
        int fd = server_listen_socket(cfg->listen, err, sizeof err);
        if (fd < 0) {
            log_error("%s", err);
            return 1;
        }
        pthread_mutex_init(&l->mu, NULL);
        l->base = event_base_new();
        l->http = evhttp_new(l->base);
        evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                                EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
                                                EVHTTP_REQ_OPTIONS | EVHTTP_REQ_HEAD);
        /* libevent refuses larger bodies itself (with its own 413 body); the application
         * answers problem+json for anything between SPP_MAX_BODY_BYTES and this bound. */
        evhttp_set_max_body_size(l->http, (ev_ssize_t)cfg->max_body_bytes * 4);
        evhttp_set_max_headers_size(l->http, 16384);
        evhttp_set_timeout(l->http, cfg->http_timeout_s);
        evhttp_set_gencb(l->http, server_on_request, l);
        l->bound = evhttp_accept_socket_with_handle(l->http, fd);
        l->wake = event_new(l->base, -1, 0, server_on_wake, l);
        l->stop = event_new(l->base, -1, 0, server_on_stop, l);
    }
    for (int i = 0; i < nhandlers; i++)
        pthread_create(&handlers[i].thread, NULL, server_handler_main, &handlers[i]);
    for (int i = 0; i < server_nloops; i++)
        pthread_create(&server_loops[i].thread, NULL, server_loop_main, &server_loops[i]);

    char extra[256];
    snprintf(extra, sizeof extra, "\"listen\":\"%s\",\"handlers\":%d,\"loops\":%d", cfg->listen,
             nhandlers, server_nloops);
    log_line(LOG_INFO, "api listening", extra);

    int sig = 0;
    sigwait(&sigs, &sig);
    atomic_store(&server_stopping, 1);
    log_info("signal %d: no new connections; finishing %d in-flight requests", sig,
             atomic_load(&server_inflight));
    for (int i = 0; i < server_nloops; i++)
        event_active(server_loops[i].stop, EV_READ, 0);
    int64_t deadline = req_now_us() + (int64_t)cfg->shutdown_grace_s * 1000000;
    while (atomic_load(&server_inflight) > 0 && req_now_us() < deadline)
        usleep(10000);
    int left = atomic_load(&server_inflight);
    if (left > 0)
        log_warn("grace period over with %d requests unfinished", left);

    pthread_mutex_lock(&server_queue.mu);
    server_queue.closed = 1;
    pthread_cond_broadcast(&server_queue.cv);
    pthread_mutex_unlock(&server_queue.mu);
    if (left == 0) {
        for (int i = 0; i < nhandlers; i++)
            pthread_join(handlers[i].thread, NULL);
    }
    for (int i = 0; i < server_nloops; i++) {
        event_base_loopbreak(server_loops[i].base);
        pthread_join(server_loops[i].thread, NULL);
    }
    if (left > 0) {
        /* Handlers still inside a request hold its memory: leave them to process exit. */
        log_info("api stopped");
        return 0;
    }
    for (int i = 0; i < server_nloops; i++) {
        struct loop *l = &server_loops[i];
        /* Answers that arrived after the loop stopped are dropped with their requests. */
        for (struct req *r = l->done_head, *next; r; r = next) {
            next = r->next;
            r->evreq = NULL;
            req_free(r);
        }
        event_free(l->wake);
        event_free(l->stop);
        evhttp_free(l->http);
        event_base_free(l->base);
        pthread_mutex_destroy(&l->mu);
    }
    free(server_loops);
    for (int i = 0; i < nhandlers; i++) {
        db_free(handlers[i].ctx.db);
        redis_free(handlers[i].ctx.redis);
    }
    free(handlers);
    log_info("api stopped");
    return 0;
}
