/* A request as its handler sees it, and the helpers every handler uses to answer it:
 * problem+json errors, query and body validation, scope checks, ETag/If-Match, keyset pages.
 * Everything a request allocates belongs to it and is freed when it ends (req_free). */
#ifndef SPP_REQ_H
#define SPP_REQ_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"
#include "jobs.h"
#include "scope.h"
#include "validate.h"

struct route;
struct loop;
struct fiber;
struct client;
struct db;
struct redis;

enum http_method {
    HTTP_GET,
    HTTP_POST,
    HTTP_PUT,
    HTTP_PATCH,
    HTTP_DELETE,
    HTTP_OPTIONS,
    HTTP_HEAD,
    HTTP_OTHER
};

/* What a request holds while its handler runs: one PostgreSQL connection of its loop thread
 * (its own until the request ends) and the loop's Redis connection (shared by the loop's
 * fibers: Redis calls never yield). */
struct handler_ctx {
    struct db *db;
    struct redis *redis;
    int index;
};

/* One query parameter, percent-decoded. problem is NULL when it is well formed, else why not
 * (no value, or one decoding to a NUL byte) with its rule; req_check_query reports it. */
struct kv {
    char *key;
    char *value;
    const char *rule, *problem;
};

#define REQ_MAX_PARAMS  4
#define REQ_MAX_HEADERS 16

/* How req_db_commit ended the request's transaction. */
enum req_tx_end {
    REQ_TX_OPEN = 0,      /* it did not: the dispatcher commits or rolls back */
    REQ_TX_COMMITTED,     /* committed with the last statement */
    REQ_TX_COMMIT_FAILED, /* the statement ran, COMMIT failed: rolled back, nothing saved */
};

struct req {
    struct arena arena;
    /* The client connection it came on (server.c), touched by the loop thread only. */
    struct client *client;
    struct loop *loop;
    char *peer;          /* the client's address (arena), for limits before authentication */
    int close_after;     /* answer with Connection: close (unread bytes follow the request) */
    struct req *next;    /* link in server.c's lists: waiting for a connection, or to go on */
    struct fiber *fiber; /* the fiber the handler runs on, while it runs */
    int64_t start_us;

    enum http_method method;
    char *path;
    struct kv *query;
    size_t nquery;
    /* Request headers the application reads (NULL when absent). */
    char *authorization, *content_type, *if_match, *idempotency_key, *request_id, *accept, *origin;
    char *body;
    size_t body_len;

    /* Set by the router. */
    const struct route *route;
    const char *param_names[REQ_MAX_PARAMS];
    const char *param_values[REQ_MAX_PARAMS];
    int nparams;

    /* Set by the dispatcher before the handler runs. */
    struct handler_ctx *hc;
    struct principal principal;
    json_t *json; /* the parsed body of POST/PUT/PATCH, owned by the request */
    int in_tx;
    int tx_keep_open;       /* an idempotency record is still to be written: req_db_commit waits */
    enum req_tx_end tx_end; /* what req_db_commit did to the transaction */

    /* The answer. */
    int status;
    const char *content_type_out;
    char *resp_body; /* heap, owned by the request until sent */
    size_t resp_len;
    const char *resp_headers[REQ_MAX_HEADERS][2];
    int nresp_headers;
    int replayed; /* an idempotent replay: do not store it again */

    struct jobs_outbox outbox; /* jobs enqueued by this request, published after COMMIT */

    PGresult **results; /* cleared at the end */
    size_t nresults, capresults;
};

struct req *req_new(void);
void req_free(struct req *r);

/* ---- answering ---- */
/* Sets the response: body (heap) is taken over by the request. */
void req_reply_raw(struct req *r, int status, const char *content_type, char *body, size_t len);
/* Sets a JSON response from an object, which the request takes over (stolen reference). */
void req_reply_json(struct req *r, int status, json_t *obj);
/* Sets a JSON response from JSON text the caller keeps (copied). */
void req_reply_text(struct req *r, int status, const char *json_text);
/* 204 without a body. */
void req_reply_empty(struct req *r, int status);
/* An RFC 9457 problem; errors (a JSON array, stolen, may be NULL) lists several problems. */
void req_problem(struct req *r, int status, const char *code, const char *detail);
void req_problem_errors(struct req *r, int status, const char *code, const char *detail,
                        json_t *errors);
/* A single field problem answered as 422 validation_failed. */
void req_invalid_field(struct req *r, const char *field, const char *rule, const char *message);
/* Adds a response header; name and value are copied. */
void req_header(struct req *r, const char *name, const char *value);
/* Sets ETag: "<version>". */
void req_etag(struct req *r, const char *version);
/* 201 + Location: <location> with the JSON text of the created resource. */
void req_reply_created(struct req *r, const char *location, const char *json_text,
                       const char *version);

/* ---- reading ---- */
const char *req_param(const struct req *r, const char *name); /* path parameter */
const char *req_query_get(const struct req *r, const char *name);
/* Splits the raw query string (after '?') into r->query, in the request's arena: pieces
 * separated by '&' (empty ones skipped), each name=value with percent escapes and '+' decoded.
 * Never fails: a piece without a value ("name" or "name=") is kept with a problem for
 * req_check_query to answer (422), so that every route reports it the same way. */
void req_parse_query(struct req *r, const char *query);
/* Validates the query string against the allowed parameters (terminated by a NULL name; lists
 * add limit and cursor by passing paged). Answers 422 listing every bad or unknown parameter
 * and returns -1; 0 when all is well. */
int req_check_query(struct req *r, const struct vfield *allowed, int paged);
/* Validates r->json against fields; answers 422 and returns -1 on any problem. */
int req_check_body(struct req *r, const struct vfield *fields, enum vmode mode);
/* The validation context (known time zones) every check uses. */
const struct validate_ctx *req_validate_ctx(void);

/* ---- database ---- */
/* Runs a statement (by handle, prepared on first use). Returns a successful result (owned by the
 * request) or NULL after answering: 503 when PostgreSQL is unreachable, 409 conflict for a unique
 * violation or a delete that others still refer to, 422 for a known CHECK
 * (validate_check_constraint), 500 otherwise (logged without parameters). */
PGresult *req_db(struct req *r, const struct db_stmt *stmt, int n, const struct db_arg *args);
/* Like req_db for a write's last statement: COMMIT goes in the same round trip (unless an
 * idempotency record is still to be written, then the dispatcher commits as usual). A COMMIT
 * that fails is answered by the dispatcher, as when its own COMMIT fails. No statement may
 * follow it. */
PGresult *req_db_commit(struct req *r, const struct db_stmt *stmt, int n,
                        const struct db_arg *args);
/* Like req_db but returns failed results too, for handlers that map an SQLSTATE themselves;
 * NULL only when PostgreSQL is unreachable (already answered 503). */
PGresult *req_db_raw(struct req *r, const struct db_stmt *stmt, int n, const struct db_arg *args);
/* Answers a failed result the way req_db does (409; 422 naming the field and rule of a CHECK
 * that validate_check_constraint knows; 500); for handlers that looked at the SQLSTATE first. */
void req_db_answer(struct req *r, const struct db_stmt *stmt, const PGresult *res);
/* Column value or NULL for SQL NULL. */
const char *req_col(const PGresult *res, int row, int col);

/* ---- jobs ---- */
/* Enqueues a job in the request's transaction (DESIGN §4.1); the dispatcher publishes it after
 * COMMIT. Writes the job id (37 bytes). Returns 0, or -1 after answering 500. */
int req_enqueue(struct req *r, const struct jobs_new *j, char *id);
/* The same, one waiting job per pending_key: while a job with that key has not started, writes
 * its id instead (jobs_enqueue_once). */
int req_enqueue_once(struct req *r, const struct jobs_new *j, const char *pending_key, char *id);
/* Publishes a job id to the stream once the request's transaction has committed (its outbox:
 * for ids that SQL handed back from spp_enqueue, spp_notify or spp_announce). */
void req_publish_after_commit(struct req *r, const char *job_id);
/* Announces a webhook event of type with data (JSON text) in the request's transaction
 * (spp_announce): the worker fans it out to the subscriptions. Returns 0 or -1 after
 * answering. */
int req_announce(struct req *r, const char *type, const char *data_json);
/* 202 Accepted for a job: Location: /v1/jobs/{id} and the job in the body. */
void req_reply_accepted(struct req *r, const char *job_id);

/* ---- scope ---- */
/* Fills o from row's columns named hub_id, partnership_id, school_id and person_id (SQL NULL:
 * ""), wherever they are in the result: a statement that feeds it aliases them so. */
void req_owner_from_row(const PGresult *res, int row, struct scope_owner *o);
/* Applies scope_check; answers 404 or 403 and returns -1 when refused. */
int req_allow(struct req *r, enum scope_kind kind, enum scope_op op, const struct scope_owner *o);

/* ---- concurrency ---- */
/* When If-Match is present and names another version than current, answers 412 and returns
 * -1. Accepts "3", W/"3", 3 and *. */
int req_if_match(struct req *r, const char *current_version);

/* ---- lists ---- */
struct page {
    long limit;
    const char *cursor_micros; /* NULL when no cursor; else decimal text for SQL */
    const char *cursor_id;
    const char *limit_plus_one; /* decimal text of limit + 1 for SQL */
};
/* Reads limit and cursor (already validated by req_check_query). */
void req_page(struct req *r, struct page *pg);
/* Answers 200 {"items":[…],"next_cursor":…} from a result holding up to limit + 1 rows, read
 * by column name: each item is the row's "json" text when fields is NULL, else the object
 * rowjson_object writes from the fields' columns (rowjson.h); "micros" and "id" are the row's
 * keyset. Adds the Link header for the next page. A result without those columns, or a value
 * not of its field's kind, is a bug: logged, answered 500. */
struct rowjson_field;
void req_reply_page(struct req *r, const PGresult *res, const struct page *pg,
                    const struct rowjson_field *fields);
/* The representation of row of res, written as a page's item is: the object rowjson_object
 * writes from the fields' columns (read by name), or the text of column json when fields is
 * NULL. The one writer of a record's JSON for a GET, a list, a create, an update and a 202.
 * Returns a new string of *len bytes (the caller's to free), or NULL after logging a missing
 * column or a value not of its field's kind (a bug) and answering 500. */
char *req_row_json(struct req *r, const PGresult *res, int row, const struct rowjson_field *fields,
                   size_t *len);

#endif
