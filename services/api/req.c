#include "req.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cursor.h"
#include "jobs.h"
#include "db.h"
#include "handlers/handlers.h"
#include "log.h"
#include "monotime.h"
#include "router.h"
#include "rowjson.h"
#include "tz.h"
#include "xalloc.h"
#include "token.h"

struct req *req_new(void)
{
    struct req *r = xcalloc(1, sizeof *r);
    arena_init(&r->arena);
    r->start_us = monotime_now_us();
    return r;
}

void req_free(struct req *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nresults; i++)
        PQclear(r->results[i]);
    free(r->results);
    jobs_outbox_free(&r->outbox);
    json_decref(r->json);
    free(r->resp_body);
    arena_cleanup(&r->arena);
    free(r);
}

/* ---- answering ---- */

void req_reply_raw(struct req *r, int status, const char *content_type, char *body, size_t len)
{
    free(r->resp_body);
    r->status = status;
    r->content_type_out = content_type;
    r->resp_body = body;
    r->resp_len = len;
}

void req_reply_json(struct req *r, int status, json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!text)
        text = xstrdup("{}");
    req_reply_raw(r, status, "application/json; charset=utf-8", text, strlen(text));
}

void req_reply_text(struct req *r, int status, const char *json_text)
{
    req_reply_raw(r, status, "application/json; charset=utf-8", xstrdup(json_text),
                  strlen(json_text));
}

void req_reply_empty(struct req *r, int status)
{
    req_reply_raw(r, status, NULL, NULL, 0);
}

static const char *req_status_title(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

void req_problem_errors(struct req *r, int status, const char *code, const char *detail,
                        json_t *errors)
{
    json_t *p = json_object();
    char type[128];
    snprintf(type, sizeof type, "urn:spp:problem:%s", code);
    json_object_set_new(p, "type", json_string(type));
    json_object_set_new(p, "title", json_string(req_status_title(status)));
    json_object_set_new(p, "status", json_integer(status));
    json_object_set_new(p, "detail", json_string(detail));
    json_object_set_new(p, "code", json_string(code));
    if (errors)
        json_object_set_new(p, "errors", errors);
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    req_reply_raw(r, status, "application/problem+json", text, strlen(text));
}

void req_problem(struct req *r, int status, const char *code, const char *detail)
{
    req_problem_errors(r, status, code, detail, NULL);
}

void req_invalid_field(struct req *r, const char *field, const char *rule, const char *message)
{
    json_t *errors = json_array();
    validate_add(errors, field, rule, "%s", message);
    req_problem_errors(r, 422, "validation_failed", "The request is not valid.", errors);
}

void req_header(struct req *r, const char *name, const char *value)
{
    if (r->nresp_headers >= REQ_MAX_HEADERS)
        return;
    r->resp_headers[r->nresp_headers][0] = arena_strdup(&r->arena, name);
    r->resp_headers[r->nresp_headers][1] = arena_strdup(&r->arena, value);
    r->nresp_headers++;
}

void req_etag(struct req *r, const char *version)
{
    /* What snprintf(tag, 48, "\"%s\"") made, without its cost on every GET. */
    char tag[48];
    size_t n = strnlen(version, sizeof tag - 3);
    tag[0] = '"';
    memcpy(tag + 1, version, n);
    tag[n + 1] = '"';
    tag[n + 2] = '\0';
    req_header(r, "ETag", tag);
}

void req_reply_created(struct req *r, const char *location, const char *json_text,
                       const char *version)
{
    req_header(r, "Location", location);
    if (version)
        req_etag(r, version);
    req_reply_text(r, 201, json_text);
}

/* ---- reading ---- */

const char *req_param(const struct req *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++)
        if (!strcmp(r->param_names[i], name))
            return r->param_values[i];
    return NULL;
}

const char *req_query_get(const struct req *r, const char *name)
{
    for (size_t i = 0; i < r->nquery; i++)
        if (!strcmp(r->query[i].key, name))
            return r->query[i].value;
    return NULL;
}

/* Decodes s[0..n) into the arena: %XX escapes, and '+' as a space (as forms send it); a '%' not
 * followed by two hex digits stays as it is. Sets *nul when the text decodes to a NUL byte. */
static char *req_url_decode(struct arena *a, const char *s, size_t n, int *nul)
{
    char *out = arena_alloc(a, n + 1), *w = out;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = token_hex_digit(s[i + 1])) >= 0 &&
            (lo = token_hex_digit(s[i + 2])) >= 0) {
            char c = (char)(hi << 4 | lo);
            if (c == '\0')
                *nul = 1;
            *w++ = c;
            i += 2;
        } else {
            *w++ = s[i] == '+' ? ' ' : s[i];
        }
    }
    *w = '\0';
    return out;
}

void req_parse_query(struct req *r, const char *query)
{
    size_t pieces = 1;
    for (const char *c = query; *c; c++)
        pieces += *c == '&';
    r->query = arena_alloc(&r->arena, pieces * sizeof *r->query);
    r->nquery = 0;
    const char *p = query;
    for (;;) {
        size_t len = strcspn(p, "&");
        if (len > 0) {
            struct kv *kv = &r->query[r->nquery++];
            const char *eq = memchr(p, '=', len);
            int nul = 0;
            kv->key = req_url_decode(&r->arena, p, eq ? (size_t)(eq - p) : len, &nul);
            kv->value = eq ? req_url_decode(&r->arena, eq + 1, len - (size_t)(eq - p) - 1, &nul)
                           : arena_strdup(&r->arena, "");
            if (!eq || eq + 1 == p + len) {
                kv->rule = "missing_value";
                kv->problem = "has no value: write name=value";
            } else if (nul) {
                kv->rule = "format";
                kv->problem = "must not contain a NUL byte";
            }
        }
        if (!p[len])
            break;
        p += len + 1;
    }
}

static const struct vfield req_page_params[] = {
    {"limit", V_INT, 0, 0, NULL, 1, 200},
    {"cursor", V_TEXT, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* The index of name among allowed (terminated by a NULL name), or -1. */
static int req_find_param(const struct vfield *allowed, const char *name)
{
    for (int i = 0; allowed && allowed[i].name; i++)
        if (!strcmp(allowed[i].name, name))
            return i;
    return -1;
}

/* Checks one value of a known parameter f, adding its problems to errors. */
static void req_check_param(const struct vfield *f, const char *k, const char *v, int cursor,
                            json_t *errors)
{
    if (!validate_utf8(v, strlen(v))) {
        validate_add(errors, k, "format", "is not valid UTF-8");
    } else if (f->type == V_INT) {
        long n;
        if (!validate_long(v, f->min, f->max, &n))
            validate_add(errors, k, "range", "must be a whole number from %ld to %ld", f->min,
                         f->max);
    } else if (f->type == V_BOOL) {
        if (strcmp(v, "true") && strcmp(v, "false"))
            validate_add(errors, k, "type", "must be true or false");
    } else if (cursor) {
        struct cursor c;
        if (cursor_decode(v, &c) != 0)
            validate_add(errors, k, "format", "is not a cursor this service issued");
    } else {
        json_t *js = json_string(v);
        validate_value(f, js, k, req_validate_ctx(), errors);
        json_decref(js);
    }
}

int req_check_query(struct req *r, const struct vfield *allowed, int paged)
{
    /* A repeat is found by marking each allowed parameter when seen, never by comparing every
     * pair: the work stays linear in the length of the query string. */
    int nallowed = 0;
    while (allowed && allowed[nallowed].name)
        nallowed++;
    unsigned char *seen = arena_alloc(&r->arena, (size_t)nallowed + 2);
    json_t *errors = json_array();
    for (size_t i = 0; i < r->nquery; i++) {
        const char *k = r->query[i].key, *v = r->query[i].value;
        int at = req_find_param(allowed, k);
        const struct vfield *f = at >= 0 ? &allowed[at] : NULL;
        if (!f && paged && (at = req_find_param(req_page_params, k)) >= 0) {
            f = &req_page_params[at];
            at += nallowed;
        }
        if (!f) {
            validate_add(errors, k, "unknown_parameter", "is not a parameter of this route");
        } else if (r->query[i].problem) {
            validate_add(errors, k, r->query[i].rule, "%s", r->query[i].problem);
        } else if (seen[at]) {
            if (seen[at] == 1)
                validate_add(errors, k, "repeated", "is given more than once");
            seen[at] = 2;
        } else {
            seen[at] = 1;
            req_check_param(f, k, v, f == &req_page_params[1], errors);
        }
    }
    if (json_array_size(errors) > 0) {
        req_problem_errors(r, 422, "validation_failed", "The query parameters are not valid.",
                           errors);
        return -1;
    }
    json_decref(errors);
    return 0;
}

static struct validate_ctx req_vctx = {tz_known};

const struct validate_ctx *req_validate_ctx(void)
{
    return &req_vctx;
}

int req_check_body(struct req *r, const struct vfield *fields, enum vmode mode)
{
    json_t *errors = json_array();
    if (validate_object(fields, r->json, mode, req_validate_ctx(), errors) > 0) {
        req_problem_errors(r, 422, "validation_failed", "The request body is not valid.", errors);
        return -1;
    }
    json_decref(errors);
    return 0;
}

/* ---- database ---- */

static void req_keep(struct req *r, PGresult *res)
{
    if (r->nresults == r->capresults) {
        r->capresults = r->capresults ? r->capresults * 2 : 8;
        r->results = xrealloc(r->results, r->capresults * sizeof *r->results);
    }
    r->results[r->nresults++] = res;
}

/* Client-facing words for the unique constraints of the schema. */
static const char *req_constraint_detail(const char *constraint)
{
    static const char *const table[][2] = {
        {"schools_urn_key", "A school with this urn already exists."},
        {"people_email_key", "A person with this email already exists."},
        {"conflicts_person_school_key", "This conflict is already declared."},
        {"bookings_live_key", "This person already has a live booking for this session."},
        {"accreditations_recorded_key", "This award is already recorded."},
        {NULL, NULL},
    };
    for (int i = 0; constraint && table[i][0]; i++)
        if (!strcmp(table[i][0], constraint))
            return table[i][1];
    return "The request conflicts with an existing record.";
}

/* The statement's result kept by the request, or NULL after answering 503: no result, or a
 * failure on a connection that broke (not the statement's fault). A successful result stands
 * even when the connection broke since (on a shared one, under another request's statement). */
static PGresult *req_db_kept(struct req *r, const struct db_stmt *stmt, PGresult *res)
{
    if (!res || (!db_ok(res) && db_broken(r->hc->db))) {
        if (res)
            PQclear(res);
        log_warn("PostgreSQL unreachable while running %s", stmt->name);
        req_header(r, "Retry-After", "1");
        req_problem(r, 503, "unavailable", "The database is unavailable; try again shortly.");
        return NULL;
    }
    req_keep(r, res);
    return res;
}

PGresult *req_db_raw(struct req *r, const struct db_stmt *stmt, int n, const struct db_arg *args)
{
    if (r->tx_end != REQ_TX_OPEN) {
        log_error("statement %s after the transaction was committed", stmt->name);
        req_problem(r, 500, "internal", "Something went wrong on our side.");
        return NULL;
    }
    return req_db_kept(r, stmt, db_exec(r->hc->db, stmt, n, args));
}

PGresult *req_db(struct req *r, const struct db_stmt *stmt, int n, const struct db_arg *args)
{
    PGresult *res = req_db_raw(r, stmt, n, args);
    if (!res)
        return NULL;
    if (db_ok(res))
        return res;
    req_db_answer(r, stmt, res);
    return NULL;
}

PGresult *req_db_commit(struct req *r, const struct db_stmt *stmt, int n, const struct db_arg *args)
{
    if (!r->in_tx || r->tx_keep_open)
        return req_db(r, stmt, n, args);
    if (r->tx_end != REQ_TX_OPEN)
        return req_db_raw(r, stmt, n, args); /* answers the misuse */
    int committed = 0;
    PGresult *res = req_db_kept(r, stmt, db_exec_commit(r->hc->db, stmt, n, args, &committed));
    if (!res)
        return NULL;
    if (!db_ok(res)) {
        /* The transaction is still open and aborted: the dispatcher rolls it back. */
        req_db_answer(r, stmt, res);
        return NULL;
    }
    r->tx_end = committed ? REQ_TX_COMMITTED : REQ_TX_COMMIT_FAILED;
    return res;
}

void req_db_answer(struct req *r, const struct db_stmt *stmt, const PGresult *res)
{
    const char *state = db_sqlstate(res);
    const struct vcheck *check;
    if (!strcmp(state, "23505")) {
        req_problem(r, 409, "conflict",
                    req_constraint_detail(PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME)));
    } else if (!strcmp(state, "23503")) {
        req_problem(r, 409, "conflict",
                    "Other records still refer to this one; remove or change them first.");
    } else if (!strcmp(state, "23514") && (check = validate_check_constraint(PQresultErrorField(
                                               res, PG_DIAG_CONSTRAINT_NAME))) != NULL) {
        req_invalid_field(r, check->field, check->rule, check->message);
    } else if (!strcmp(state, "40001") || !strcmp(state, "40P01")) {
        req_header(r, "Retry-After", "1");
        req_problem(r, 409, "conflict", "A concurrent change got in the way; try again.");
    } else {
        log_error("statement %s failed: SQLSTATE %s", stmt->name, state);
        req_problem(r, 500, "internal", "Something went wrong on our side.");
    }
}

const char *req_col(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* ---- jobs ---- */

int req_enqueue(struct req *r, const struct jobs_new *j, char *id)
{
    return req_enqueue_once(r, j, NULL, id);
}

int req_enqueue_once(struct req *r, const struct jobs_new *j, const char *pending_key, char *id)
{
    struct jobs_new copy = *j;
    if (!copy.requested_by)
        copy.requested_by = r->principal.key_id[0] ? r->principal.key_id : "admin-token";
    char err[512];
    int rc = jobs_enqueue_once(r->hc->db, &r->outbox, &copy, pending_key, id, err, sizeof err);
    if (rc < 0) {
        log_error("%s", err);
        req_problem(r, 500, "internal", "Something went wrong on our side.");
        return -1;
    }
    return 0;
}

void req_publish_after_commit(struct req *r, const char *job_id)
{
    jobs_outbox_add(&r->outbox, job_id, JOBS_STREAM);
}

int req_announce(struct req *r, const char *type, const char *data_json)
{
    PGresult *res = req_db(r, &job_routes_statements[JOB_ROUTES_ANNOUNCE],
                           DB_ARGS({"type", type}, {"data", data_json}));
    if (!res)
        return -1;
    if (!db_is_null(res, 0, "job_id"))
        req_publish_after_commit(r, db_value(res, 0, "job_id"));
    return 0;
}

void req_reply_accepted(struct req *r, const char *job_id)
{
    PGresult *res = req_db(r, &job_routes_statements[JOB_ROUTES_GET], DB_ARGS({"id", job_id}));
    if (!res)
        return;
    size_t len;
    char *body = req_row_json(r, res, 0, job_routes_json_fields, &len);
    if (!body)
        return;
    req_header(r, "Location", arena_printf(&r->arena, "/v1/jobs/%s", job_id));
    req_reply_raw(r, 202, "application/json; charset=utf-8", body, len);
}

/* ---- scope ---- */

void req_owner_from_row(const PGresult *res, int row, struct scope_owner *o)
{
    static const char *const names[4] = {"hub_id", "partnership_id", "school_id", "person_id"};
    char *slots[4] = {o->hub_id, o->partnership_id, o->school_id, o->person_id};
    /* Looked for from the last column found: the chain is listed in this order, after the
     * representation's columns in a single record's statement. */
    int col = 0;
    for (int i = 0; i < 4; i++) {
        col = db_col_from(res, names[i], col);
        if (col < 0)
            log_error("no result column %s", names[i]);
        const char *v = col < 0 || PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
        col = col < 0 ? 0 : col + 1;
        size_t n = v ? strnlen(v, 36) : 0; /* a UUID's 36 characters, as snprintf(.., 37) */
        memcpy(slots[i], v ? v : "", n);
        slots[i][n] = '\0';
    }
}

int req_allow(struct req *r, enum scope_kind kind, enum scope_op op, const struct scope_owner *o)
{
    switch (scope_check(&r->principal, kind, op, o)) {
    case SCOPE_OK:
        return 0;
    case SCOPE_NOT_FOUND:
        req_problem(r, 404, "not_found", "No such resource.");
        return -1;
    case SCOPE_FORBIDDEN:
        req_problem(r, 403, "forbidden", "Your key's role may not do this here.");
        return -1;
    }
    return -1;
}

/* ---- concurrency ---- */

int req_if_match(struct req *r, const char *current)
{
    if (!r->if_match)
        return 0;
    const char *p = r->if_match;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        if (*p == '*')
            return 0;
        if (!strncmp(p, "W/", 2))
            p += 2;
        int quoted = *p == '"';
        if (quoted)
            p++;
        size_t n = strcspn(p, quoted ? "\"" : ", ");
        if (n == strlen(current) && !strncmp(p, current, n))
            return 0;
        p += n;
        if (quoted && *p == '"')
            p++;
    }
    req_problem(r, 412, "precondition_failed",
                "The resource has changed since you read it (If-Match does not match its ETag).");
    return -1;
}

/* ---- lists ---- */

void req_page(struct req *r, struct page *pg)
{
    const char *l = req_query_get(r, "limit");
    long limit = 50;
    if (l)
        validate_long(l, 1, 200, &limit);
    pg->limit = limit;
    pg->limit_plus_one = arena_printf(&r->arena, "%ld", limit + 1);
    pg->cursor_micros = NULL;
    pg->cursor_id = NULL;
    const char *c = req_query_get(r, "cursor");
    struct cursor cur;
    if (c && cursor_decode(c, &cur) == 0) {
        pg->cursor_micros = arena_printf(&r->arena, "%lld", (long long)cur.micros);
        pg->cursor_id = arena_strdup(&r->arena, cur.id);
    }
}

/* Percent-encodes s for a query string. */
static void req_url_encode(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            buf_putc(b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_append(b, e, 3);
        }
    }
}

/* A result's columns for a representation (req_row_json), found by name once for all its
 * rows; the arrays are in the request's arena. */
struct req_json {
    const struct rowjson_field *fields; /* NULL: the text of column json */
    int json;                           /* that column */
    int *cols;                          /* each field's column */
    const char **values;                /* a row's values and lengths, for rowjson_object */
    size_t *lens;
};

/* Finds the columns of fields (or json) in res. Returns 0, or -1 after logging the one the
 * result lacks (a bug in a statement). */
static int req_json_open(struct req *r, const PGresult *res, const struct rowjson_field *fields,
                         struct req_json *j)
{
    memset(j, 0, sizeof *j);
    j->fields = fields;
    if (!fields) {
        if ((j->json = db_col(res, "json")) < 0) {
            log_error("%s: the result has no json column", r->path);
            return -1;
        }
        return 0;
    }
    int n = 0;
    while (fields[n].name)
        n++;
    j->cols = arena_alloc(&r->arena, (size_t)(n + 1) * sizeof *j->cols);
    j->values = arena_alloc(&r->arena, (size_t)(n + 1) * sizeof *j->values);
    j->lens = arena_alloc(&r->arena, (size_t)(n + 1) * sizeof *j->lens);
    for (int k = 0; k < n; k++) {
        /* The statements list the fields' columns in the fields' order. */
        const char *col = fields[k].col ? fields[k].col : fields[k].name;
        if ((j->cols[k] = db_col_from(res, col, k ? j->cols[k - 1] + 1 : 0)) < 0) {
            log_error("%s: the result has no column %s", r->path, col);
            return -1;
        }
    }
    return 0;
}

/* Appends row of res as j says. Returns 0, or -1 after logging a value not of its kind. */
static int req_json_row(struct req *r, const PGresult *res, int row, struct req_json *j,
                        struct buf *b)
{
    if (!j->fields) {
        buf_append(b, PQgetvalue(res, row, j->json), (size_t)PQgetlength(res, row, j->json));
        return 0;
    }
    for (int k = 0; j->fields[k].name; k++) {
        int c = j->cols[k];
        j->values[k] = PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c);
        j->lens[k] = (size_t)PQgetlength(res, row, c);
    }
    if (rowjson_object(b, j->fields, j->values, j->lens) != 0) {
        log_error("%s: a value of row %d is not of its field's kind", r->path, row);
        return -1;
    }
    return 0;
}

char *req_row_json(struct req *r, const PGresult *res, int row, const struct rowjson_field *fields,
                   size_t *len)
{
    struct req_json j;
    struct buf b;
    buf_init(&b);
    if (req_json_open(r, res, fields, &j) != 0 || req_json_row(r, res, row, &j, &b) != 0) {
        buf_cleanup(&b);
        req_problem(r, 500, "internal", "Something went wrong on our side.");
        return NULL;
    }
    return buf_steal(&b, len);
}

/* Appends the page's items to b. Returns 0, or -1 after logging what the result lacks. */
static int req_page_items(struct req *r, const PGresult *res, int shown,
                          const struct rowjson_field *fields, struct buf *b)
{
    struct req_json j;
    if (shown == 0)
        return 0;
    if (req_json_open(r, res, fields, &j) != 0)
        return -1;
    for (int i = 0; i < shown; i++) {
        size_t before = b->len;
        if (i)
            buf_putc(b, ',');
        if (req_json_row(r, res, i, &j, b) != 0)
            return -1;
        /* The buffer is sized once, from the first item: the others are alike. */
        if (i == 0 && shown > 1)
            buf_reserve(b, (b->len - before + 1) * (size_t)(shown - 1) * 5 / 4 + 64);
    }
    return 0;
}

void req_reply_page(struct req *r, const PGresult *res, const struct page *pg,
                    const struct rowjson_field *fields)
{
    int rows = PQntuples(res);
    int shown = rows > pg->limit ? (int)pg->limit : rows;
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "{\"items\":[");
    if (req_page_items(r, res, shown, fields, &b) != 0) {
        buf_cleanup(&b);
        req_problem(r, 500, "internal", "Something went wrong on our side.");
        return;
    }
    buf_puts(&b, "],\"next_cursor\":");
    if (rows > pg->limit) {
        struct cursor c;
        const char *micros = db_value(res, shown - 1, "micros"),
                   *id = db_value(res, shown - 1, "id");
        if (!micros || !id) {
            log_error("list %s: the result has no micros or id column", r->path);
            buf_cleanup(&b);
            req_problem(r, 500, "internal", "Something went wrong on our side.");
            return;
        }
        c.micros = strtoll(micros, NULL, 10);
        snprintf(c.id, sizeof c.id, "%s", id);
        char text[CURSOR_MAX];
        cursor_encode(&c, text);
        buf_printf(&b, "\"%s\"", text);

        struct buf link;
        buf_init(&link);
        buf_printf(&link, "<%s?", r->path);
        for (size_t i = 0; i < r->nquery; i++) {
            if (!strcmp(r->query[i].key, "cursor"))
                continue;
            req_url_encode(&link, r->query[i].key);
            buf_putc(&link, '=');
            req_url_encode(&link, r->query[i].value);
            buf_putc(&link, '&');
        }
        buf_printf(&link, "cursor=%s>; rel=\"next\"", text);
        req_header(r, "Link", link.data);
        buf_cleanup(&link);
    } else {
        buf_puts(&b, "null");
    }
    buf_putc(&b, '}');
    size_t len;
    char *body = buf_steal(&b, &len);
    req_reply_raw(r, 200, "application/json; charset=utf-8", body, len);
}
