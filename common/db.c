#include "db.h"

#include <stdint.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "monotime.h"
#include "sqlparams.h"
#include "xalloc.h"

/* How long a connection attempt may take (libpq's connect_timeout, which only its blocking
 * PQconnectdb honours). */
#define DB_CONNECT_TIMEOUT_MS 3000

/* What a db knows of one statement: the text PostgreSQL prepares (its parameter names
 * rewritten to numbers) and the names in the order of those numbers. */
struct db_shape {
    const struct db_stmt *stmt;
    struct sqlparams_parsed parsed; /* the text to prepare and its names (nnames -1: malformed) */
    int prepared;                   /* the current connection has prepared it */
};

static void db_shape_free(struct db_shape *sh);

struct db {
    PGconn *conn;
    char *url;
    const struct db_stmt *const *sets;
    int begin_pending; /* db_begin was called and BEGIN has not been sent yet */
    /* The statements this db has run: an open-addressing set (a power of two in size, at most
     * half full) of what it knows of each; a rebuilt connection clears their prepared marks. */
    struct db_shape **shapes;
    size_t shapes_cap, shapes_count;
    db_waiter waiter; /* NULL: db_wait_poll, and the connection in blocking mode */
    void *wait_arg;
    unsigned generation; /* bumped by every db_connect: a new socket (db_generation) */
    /* Pipelined sharing (db_set_pipe): statements in flight, oldest first; next is the first
     * whose results are still to come, head..next those read and waiting for their batch's
     * Sync. */
    const struct db_pipe_hooks *pipe;
    int shared;
    struct db_ticket *head, *tail, *next;
    int depth;        /* tickets from head to tail */
    int unsynced;     /* tickets queued since the last Sync */
    int syncs;        /* Syncs sent whose PGRES_PIPELINE_SYNC has not been read */
    int batch_failed; /* a statement of the batch being read failed */
    int connecting;   /* a caller is (re)connecting: the others wait in connect_waiters */
    struct db_waiting *connect_waiters;
};

/* One statement in flight on a shared db, on its caller's stack. */
struct db_ticket {
    struct db_ticket *next;
    void *token;      /* the caller, for the resume hook */
    int nq;           /* queries sent: the Parse when it prepares, and the execution */
    int q;            /* queries whose results have all been read */
    int sync;         /* the batch's Sync went after it */
    int lost;         /* the connection failed before its batch came back */
    int batch_failed; /* another statement of its batch failed: its own was rolled back */
    PGresult *got[2]; /* the first result of each query */
};

/* A caller waiting for another's connection attempt, on its stack. */
struct db_waiting {
    struct db_waiting *next;
    void *token;
};

/* How many times a statement rolled back with a batch (or lost with a connection) is sent. */
#define DB_PIPE_TRIES 4

struct db *db_new(const char *url, const struct db_stmt *const *sets)
{
    struct db *db = xcalloc(1, sizeof *db);
    db->url = xstrdup(url);
    db->sets = sets;
    return db;
}

void db_free(struct db *db)
{
    if (!db)
        return;
    if (db->conn)
        PQfinish(db->conn);
    for (size_t i = 0; i < db->shapes_cap; i++)
        db_shape_free(db->shapes[i]);
    free(db->shapes);
    free(db->url);
    free(db);
}

/* The slot of s in the set of shapes: where it is, or the empty slot where it would go. */
static size_t db_shape_slot(const struct db *db, const struct db_stmt *s)
{
    size_t mask = db->shapes_cap - 1;
    uintptr_t h = (uintptr_t)s;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ULL;
    size_t i = (size_t)(h >> 20) & mask;
    while (db->shapes[i] && db->shapes[i]->stmt != s)
        i = (i + 1) & mask;
    return i;
}

static struct db_shape *db_shape_find(const struct db *db, const struct db_stmt *s)
{
    return db->shapes_count ? db->shapes[db_shape_slot(db, s)] : NULL;
}

/* The shape of s, made the first time this db runs it. */
static struct db_shape *db_shape(struct db *db, const struct db_stmt *s)
{
    struct db_shape *sh = db_shape_find(db, s);
    if (sh)
        return sh;
    if (2 * (db->shapes_count + 1) > db->shapes_cap) {
        struct db_shape **old = db->shapes;
        size_t oldcap = db->shapes_cap;
        db->shapes_cap = oldcap ? 2 * oldcap : 64;
        db->shapes = xcalloc(db->shapes_cap, sizeof *db->shapes);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i])
                db->shapes[db_shape_slot(db, old[i]->stmt)] = old[i];
        free(old);
    }
    sh = xcalloc(1, sizeof *sh);
    sh->stmt = s;
    if (sqlparams_parse(s->sql, &sh->parsed) < 0)
        log_error("statement %s: malformed parameter names or quoting", s->name);
    db->shapes[db_shape_slot(db, s)] = sh;
    db->shapes_count++;
    return sh;
}

static void db_shape_free(struct db_shape *sh)
{
    if (!sh)
        return;
    sqlparams_parsed_free(&sh->parsed);
    free(sh);
}

int db_is_prepared(const struct db *db, const struct db_stmt *s)
{
    const struct db_shape *sh = db_shape_find(db, s);
    return sh && sh->prepared;
}

unsigned db_generation(const struct db *db)
{
    return db->generation;
}

void db_set_waiter(struct db *db, db_waiter waiter, void *arg)
{
    db->waiter = waiter;
    db->wait_arg = arg;
}

int db_wait_poll(void *arg, int fd, int events, int timeout_ms)
{
    (void)arg;
    struct pollfd p = {
        fd,
        (short)(((events & DB_WAIT_READ) ? POLLIN : 0) | ((events & DB_WAIT_WRITE) ? POLLOUT : 0)),
        0};
    int64_t deadline = timeout_ms >= 0 ? monotime_now_us() + (int64_t)timeout_ms * 1000 : 0;
    for (;;) {
        int n = poll(&p, 1, timeout_ms);
        if (n > 0) {
            /* An error or hang-up is "ready": the read or write that follows reports it. */
            int ready = (p.revents & (POLLIN | POLLERR | POLLHUP) ? DB_WAIT_READ : 0) |
                        (p.revents & (POLLOUT | POLLERR | POLLHUP) ? DB_WAIT_WRITE : 0);
            return ready & events ? ready & events : events;
        }
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
        if (timeout_ms >= 0) {
            int64_t left = deadline - monotime_now_us();
            timeout_ms = left > 0 ? (int)((left + 999) / 1000) : 0;
        }
    }
}

/* Waits for the connection's socket through the waiter. */
static int db_wait(struct db *db, int events, int timeout_ms)
{
    int fd = PQsocket(db->conn);
    if (fd < 0)
        return -1;
    return db->waiter ? db->waiter(db->wait_arg, fd, events, timeout_ms)
                      : db_wait_poll(NULL, fd, events, timeout_ms);
}

/* Sends what libpq holds and waits until a whole result (or the end of a query's results) is
 * there, so that PQgetResult returns without blocking. Returns 0, or -1 when the connection
 * failed (PQgetResult then reports it without waiting). */
static int db_await(struct db *db)
{
    PGconn *c = db->conn;
    int f;
    while ((f = PQflush(c)) == 1) {
        int ready = db_wait(db, DB_WAIT_READ | DB_WAIT_WRITE, -1);
        if (ready < 0 || ((ready & DB_WAIT_READ) && !PQconsumeInput(c)))
            return -1;
    }
    if (f < 0)
        return -1;
    while (PQisBusy(c)) {
        if (db_wait(db, DB_WAIT_READ, -1) < 0 || !PQconsumeInput(c))
            return -1;
    }
    return 0;
}

/* PQgetResult without blocking the thread: the waits go through the waiter. */
static PGresult *db_get_result(struct db *db)
{
    db_await(db);
    return PQgetResult(db->conn);
}

/* The rest of what PQexec does after sending: the last result (an error ends a multi-statement
 * text, so that is the error), NULL when none came. */
static PGresult *db_finish(struct db *db)
{
    PGresult *last = NULL, *res;
    while ((res = db_get_result(db)) != NULL) {
        PQclear(last);
        last = res;
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH ||
            PQstatus(db->conn) == CONNECTION_BAD)
            break;
    }
    return last;
}

/* PQexec, PQexecPrepared and PQprepare with their waits through the waiter. */
static PGresult *db_run_sql(struct db *db, const char *sql)
{
    return PQsendQuery(db->conn, sql) ? db_finish(db) : NULL;
}

static PGresult *db_run_prepare(struct db *db, const char *name, const char *sql)
{
    return PQsendPrepare(db->conn, name, sql, 0, NULL) ? db_finish(db) : NULL;
}

/* PQconnectdbParams with its waits through the waiter, within DB_CONNECT_TIMEOUT_MS. Returns
 * 0 with db->conn connected; -1 with db->conn holding libpq's reason; -2 when the time ran out
 * (db->conn is then closed and NULL). */
static int db_connect(struct db *db, const char *const *keys, const char *const *vals)
{
    db->generation++;
    db->conn = PQconnectStartParams(keys, vals, 1);
    if (!db->conn) {
        log_error("libpq: out of memory");
        abort();
    }
    int64_t deadline = monotime_now_us() + DB_CONNECT_TIMEOUT_MS * 1000LL;
    PostgresPollingStatusType st =
        PQstatus(db->conn) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        int64_t left = deadline - monotime_now_us();
        int events = st == PGRES_POLLING_READING ? DB_WAIT_READ : DB_WAIT_WRITE;
        if (left <= 0 || db_wait(db, events, (int)((left + 999) / 1000)) <= 0) {
            PQfinish(db->conn);
            db->conn = NULL;
            return -2;
        }
        st = PQconnectPoll(db->conn);
    }
    return st == PGRES_POLLING_OK ? 0 : -1;
}

int db_broken(const struct db *db)
{
    return !db->conn || PQstatus(db->conn) != CONNECTION_OK;
}

PGconn *db_conn(struct db *db)
{
    return db->conn;
}

static void db_pipe_fail(struct db *db);
static int db_connect_session(struct db *db, char *err, size_t errlen);

int db_ensure(struct db *db, char *err, size_t errlen)
{
    /* On a shared db another caller may be connecting it: wait for its attempt. */
    while (db->connecting && db->pipe) {
        struct db_waiting w = {db->connect_waiters, db->pipe->self(db->pipe->arg)};
        db->connect_waiters = &w;
        db->pipe->suspend(db->pipe->arg);
    }
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    if (db->head)
        db_pipe_fail(db); /* statements of the connection given up */
    db->connecting = 1;
    int rc = db_connect_session(db, err, errlen);
    db->connecting = 0;
    struct db_waiting *w = db->connect_waiters;
    db->connect_waiters = NULL;
    while (w) {
        struct db_waiting *next = w->next;
        db->pipe->resume(db->pipe->arg, w->token);
        w = next;
    }
    return rc;
}

/* db_ensure's work: a new connection with the session's settings. */
static int db_connect_session(struct db *db, char *err, size_t errlen)
{
    if (db->conn) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
    /* A new session has none of the old one's prepared statements. */
    for (size_t i = 0; i < db->shapes_cap; i++)
        if (db->shapes[i])
            db->shapes[i]->prepared = 0;
    /* The URL comes last so that what it says overrides these defaults. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"3", "spp", db->url, NULL};
    int rc = db_connect(db, keys, vals);
    if (rc == -2) {
        snprintf(err, errlen, "connecting to PostgreSQL: timeout expired");
        return -1;
    }
    if (rc != 0 || PQstatus(db->conn) != CONNECTION_OK) {
        snprintf(err, errlen, "connecting to PostgreSQL: %s", PQerrorMessage(db->conn));
        /* libpq messages end in a newline. */
        size_t n = strlen(err);
        while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
            err[--n] = '\0';
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    /* With a waiter the connection does not block the thread: PQflush and PQgetResult are only
     * called once the waiter says the socket is ready. */
    if (db->waiter && PQsetnonblocking(db->conn, 1) != 0) {
        snprintf(err, errlen, "setting up the session: %s", PQerrorMessage(db->conn));
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    PGresult *res =
        db_run_sql(db, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
                       "SET IntervalStyle = 'iso_8601'; SET client_min_messages = warning");
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) {
        snprintf(err, errlen, "setting up the session: %s", PQerrorMessage(db->conn));
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    return 0;
}

/* A statement sent on a connection that turns out to be dead (the server restarted since the
 * last use) is sent once more on a fresh connection, but only when the connection was idle,
 * outside a transaction: the server never saw it, and no earlier work of a transaction is
 * lost with the old session. Callers run every change inside BEGIN/COMMIT. */
static int db_reconnect(struct db *db)
{
    char err[512];
    if (db_ensure(db, err, sizeof err) != 0) {
        log_warn("%s", err);
        return -1;
    }
    return 0;
}

int db_prepare_all(struct db *db, char *err, size_t errlen)
{
    if (db_ensure(db, err, errlen) != 0)
        return -1;
    for (const struct db_stmt *const *set = db->sets; set && *set; set++) {
        for (const struct db_stmt *s = *set; s->name; s++) {
            struct db_shape *sh = db_shape(db, s);
            if (sh->prepared)
                continue;
            if (sh->parsed.nnames < 0) {
                snprintf(err, errlen, "preparing %s: malformed parameter names or quoting",
                         s->name);
                return -1;
            }
            PGresult *res = db_run_prepare(db, s->name, sh->parsed.sql);
            int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
            if (!ok)
                snprintf(err, errlen, "preparing %s: %s", s->name, PQresultErrorMessage(res));
            PQclear(res);
            if (!ok)
                return -1;
            sh->prepared = 1;
        }
    }
    return 0;
}

/* One round trip in libpq's pipeline mode: BEGIN when db_begin asked for it, the statement's
 * Parse when this connection has not prepared it yet, its execution, and COMMIT when commit
 * is set, then a sync. Returns the first failure among BEGIN and the Parse, else the
 * statement's result; *committed is 1 only when COMMIT was sent and committed. */
static PGresult *db_pipeline(struct db *db, struct db_shape *sh, int n, const char *const *params,
                             int begin, int commit, int *committed)
{
    PGconn *c = db->conn;
    const struct db_stmt *s = sh->stmt;
    int prepare = !sh->prepared;
    *committed = 0;
    if (!PQenterPipelineMode(c))
        return NULL;
    enum { Q_BEGIN, Q_PARSE, Q_EXEC, Q_COMMIT, Q_N };
    int sent[Q_N] = {begin, prepare, 1, commit};
    PGresult *got[Q_N] = {NULL, NULL, NULL, NULL};
    int ok = (!begin || PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0)) &&
             (!prepare || PQsendPrepare(c, s->name, sh->parsed.sql, 0, NULL)) &&
             PQsendQueryPrepared(c, s->name, n, params, NULL, NULL, 0) &&
             (!commit || PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0)) &&
             PQpipelineSync(c);
    if (ok) {
        /* Each query's results end with a NULL; the sync's result follows. */
        for (int q = 0; q < Q_N; q++) {
            if (!sent[q])
                continue;
            PGresult *x;
            while ((x = db_get_result(db)) != NULL) {
                if (got[q])
                    PQclear(x);
                else
                    got[q] = x;
            }
        }
        if (PQstatus(c) == CONNECTION_OK)
            PQclear(db_get_result(db)); /* PGRES_PIPELINE_SYNC */
    }
    if (!PQexitPipelineMode(c))
        log_warn("leaving pipeline mode: %s", PQerrorMessage(c));
    if (prepare && got[Q_PARSE] && PQresultStatus(got[Q_PARSE]) == PGRES_COMMAND_OK)
        sh->prepared = 1;
    /* COMMIT of a failed transaction "succeeds" with the tag ROLLBACK. */
    *committed = commit && db_ok(got[Q_COMMIT]) && !strcmp(PQcmdStatus(got[Q_COMMIT]), "COMMIT");
    PGresult *res = NULL;
    for (int q = 0; q < Q_N && !res; q++)
        if (got[q] && (q == Q_EXEC || PQresultStatus(got[q]) != PGRES_COMMAND_OK))
            res = got[q];
    for (int q = 0; q < Q_N; q++)
        if (got[q] != res)
            PQclear(got[q]);
    if (!res && PQstatus(c) == CONNECTION_OK)
        res = PQmakeEmptyPGresult(c, PGRES_FATAL_ERROR);
    return res;
}

/* A failed result for a call the statement cannot take, without a round trip. */
static PGresult *db_misuse(const struct db_shape *sh, const char *why, const char *name)
{
    log_error("statement %s: %s%s", sh->stmt->name, why, name ? name : "");
    return PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
}

static PGresult *db_pipe_call(struct db *db, struct db_shape *sh, const char *sql, int n,
                              const char *const *params);

/* Runs sh's statement with its values params in the order of its names. */
static PGresult *db_run(struct db *db, struct db_shape *sh, int n, const char *const *params,
                        int commit, int *committed)
{
    if (db->shared) {
        if (commit || db->begin_pending)
            return db_misuse(sh, "a transaction on a shared connection", NULL);
        return db_pipe_call(db, sh, NULL, n, params);
    }
    if (!db->conn)
        return NULL;
    int begin = db->begin_pending;
    db->begin_pending = 0;
    int idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
    PGresult *res = db_pipeline(db, sh, n, params, begin, commit, committed);
    if (idle && PQstatus(db->conn) == CONNECTION_BAD && db_reconnect(db) == 0) {
        PQclear(res);
        res = db_pipeline(db, sh, n, params, begin, commit, committed);
    }
    return res;
}

/* db_run with the values of args put in the order of the statement's names: every name of the
 * statement has exactly one value, and every value a name. */
static PGresult *db_call(struct db *db, const struct db_stmt *stmt, int n,
                         const struct db_arg *args, int commit, int *committed)
{
    struct db_shape *sh = db_shape(db, stmt);
    *committed = 0;
    if (sh->parsed.nnames < 0)
        return db_misuse(sh, "malformed parameter names or quoting", NULL);
    if (n != sh->parsed.nnames)
        return db_misuse(sh, n < sh->parsed.nnames ? "too few values" : "a value for no parameter",
                         NULL);
    const char *local[32];
    const char **vals = n <= 32 ? local : xmalloc((size_t)n * sizeof *vals);
    PGresult *res = NULL;
    for (int k = 0; k < n && !res; k++) {
        int j = 0;
        while (j < n && strcmp(args[j].name, sh->parsed.names[k]))
            j++;
        if (j == n)
            res = db_misuse(sh, "no value for $", sh->parsed.names[k]);
        else
            vals[k] = args[j].value;
    }
    if (!res)
        res = db_run(db, sh, n, vals, commit, committed);
    if (vals != local)
        free(vals);
    return res;
}

PGresult *db_exec(struct db *db, const struct db_stmt *stmt, int n, const struct db_arg *args)
{
    int committed;
    return db_call(db, stmt, n, args, 0, &committed);
}

PGresult *db_exec_commit(struct db *db, const struct db_stmt *stmt, int n,
                         const struct db_arg *args, int *committed)
{
    return db_call(db, stmt, n, args, 1, committed);
}

PGresult *db_exec_sql(struct db *db, const char *sql)
{
    if (db->shared) {
        if (db->begin_pending) {
            log_error("a transaction on a shared connection: %s", sql);
            return PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
        }
        return db_pipe_call(db, NULL, sql, 0, NULL);
    }
    if (!db->conn)
        return NULL;
    /* Simple query protocol: BEGIN goes in front of the text, and PQexec returns the result
     * of the last statement (or of the first that failed). */
    char *text = NULL;
    if (db->begin_pending) {
        size_t n = strlen(sql);
        text = xmalloc(n + 8);
        memcpy(text, "BEGIN; ", 7);
        memcpy(text + 7, sql, n + 1);
        sql = text;
        db->begin_pending = 0;
    }
    int idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
    PGresult *res = db_run_sql(db, sql);
    if (idle && PQstatus(db->conn) == CONNECTION_BAD && db_reconnect(db) == 0) {
        PQclear(res);
        res = db_run_sql(db, sql);
    }
    free(text);
    return res;
}

void db_begin(struct db *db)
{
    db->begin_pending = 1;
}

int db_end(struct db *db, int commit)
{
    if (db->begin_pending) {
        /* Nothing was sent: there is no transaction to end. */
        db->begin_pending = 0;
        return 0;
    }
    PGresult *res = db_exec_sql(db, commit ? "COMMIT" : "ROLLBACK");
    /* COMMIT of a failed transaction "succeeds" with the tag ROLLBACK. */
    int ok = db_ok(res) && (!commit || !strcmp(PQcmdStatus(res), "COMMIT"));
    PQclear(res);
    return ok ? 0 : -1;
}

int db_ok(const PGresult *res)
{
    if (!res)
        return 0;
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

int db_col(const PGresult *res, const char *name)
{
    /* The names are the statements' own lower-case aliases, compared as they are: PQfnumber
     * would copy and case-fold name on every call (it showed in a GET's profile). */
    int n = res ? PQnfields(res) : 0;
    for (int col = 0; col < n; col++)
        if (!strcmp(PQfname(res, col), name))
            return col;
    log_error("no result column %s", name);
    return -1;
}

int db_col_from(const PGresult *res, const char *name, int from)
{
    int n = res ? PQnfields(res) : 0;
    for (int i = 0; i < n; i++) {
        int col = (from + i) % n;
        if (!strcmp(PQfname(res, col), name))
            return col;
    }
    return -1;
}

const char *db_value(const PGresult *res, int row, const char *name)
{
    return PQgetvalue(res, row, db_col(res, name));
}

int db_is_null(const PGresult *res, int row, const char *name)
{
    return PQgetisnull(res, row, db_col(res, name));
}

const char *db_value_or_null(const PGresult *res, int row, const char *name)
{
    int col = db_col(res, name);
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

const char *db_sqlstate(const PGresult *res)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}

/* ---- pipelined sharing ---- */

void db_set_pipe(struct db *db, const struct db_pipe_hooks *hooks)
{
    db->pipe = hooks;
}

void db_set_shared(struct db *db, int on)
{
    db->shared = on && db->pipe;
}

int db_shared(const struct db *db)
{
    return db->shared;
}

int db_pipe_depth(const struct db *db)
{
    return db->depth;
}

/* The connection failed (or its protocol state is unknown): it is closed, and every statement
 * in flight is lost and its caller resumed (it reconnects and sends it again). */
static void db_pipe_fail(struct db *db)
{
    struct db_ticket *t = db->head;
    db->head = db->tail = db->next = NULL;
    db->depth = db->unsynced = db->syncs = db->batch_failed = 0;
    if (db->conn) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
    while (t) {
        struct db_ticket *next = t->next;
        t->lost = 1;
        db->pipe->resume(db->pipe->arg, t->token);
        t = next;
    }
}

int db_pipe_flush(struct db *db)
{
    PGconn *c = db->conn;
    if (!c || !db->head)
        return 0;
    if (db->unsynced) {
        if (!PQpipelineSync(c)) {
            log_warn("sending a pipeline's sync: %s", PQerrorMessage(c));
            db_pipe_fail(db);
            return -1;
        }
        db->tail->sync = 1;
        db->unsynced = 0;
        db->syncs++;
    }
    int f = PQflush(c);
    if (f < 0) {
        log_warn("sending a pipeline: %s", PQerrorMessage(c));
        db_pipe_fail(db);
        return -1;
    }
    return f;
}

void db_pipe_read(struct db *db)
{
    PGconn *c = db->conn;
    if (!c || !db->head)
        return;
    if (!PQconsumeInput(c)) {
        log_warn("reading a pipeline: %s", PQerrorMessage(c));
        db_pipe_fail(db);
        return;
    }
    /* The tickets of the batches that came back, in order, resumed at the end. */
    struct db_ticket *done = NULL, *done_tail = NULL;
    while (!PQisBusy(c)) {
        PGresult *res = PQgetResult(c);
        struct db_ticket *t = db->next;
        if (res && PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            /* Its batch: from head to the ticket the Sync followed, all read. */
            struct db_ticket *first = db->head, *last = first;
            while (last && !last->sync)
                last = last->next;
            if (!last || db->syncs <= 0) {
                log_error("a pipeline's sync without its statements");
                db_pipe_fail(db);
                break;
            }
            db->head = last->next;
            if (!db->head)
                db->tail = NULL;
            last->next = NULL;
            db->syncs--;
            for (struct db_ticket *x = first; x; x = x->next) {
                x->batch_failed = db->batch_failed;
                db->depth--;
            }
            db->batch_failed = 0;
            if (done_tail)
                done_tail->next = first;
            else
                done = first;
            done_tail = last;
            continue;
        }
        if (!t) {
            if (res) {
                log_error("a pipeline's result without its statement");
                PQclear(res);
                db_pipe_fail(db);
            }
            break;
        }
        if (!res) {
            /* The end of one query's results. */
            if (++t->q == t->nq)
                db->next = t->next;
            continue;
        }
        if (PQresultStatus(res) == PGRES_FATAL_ERROR)
            db->batch_failed = 1;
        if (t->q < 2 && !t->got[t->q])
            t->got[t->q] = res;
        else
            PQclear(res);
    }
    if (db->conn && PQstatus(db->conn) == CONNECTION_BAD) {
        log_warn("reading a pipeline: %s", PQerrorMessage(db->conn));
        db_pipe_fail(db);
    }
    if (db->conn && !db->head && PQpipelineStatus(db->conn) != PQ_PIPELINE_OFF &&
        !PQexitPipelineMode(db->conn))
        log_warn("leaving pipeline mode: %s", PQerrorMessage(db->conn));
    while (done) {
        struct db_ticket *next = done->next;
        db->pipe->resume(db->pipe->arg, done->token);
        done = next;
    }
}

/* Runs one statement (sh's, or the text sql when sh is NULL) on a shared db: queues it,
 * suspends the caller until its batch came back, and sends it again while its batch rolled it
 * back or the connection was lost (DB_PIPE_TRIES in all). */
static PGresult *db_pipe_call(struct db *db, struct db_shape *sh, const char *sql, int n,
                              const char *const *params)
{
    const struct db_pipe_hooks *h = db->pipe;
    for (int attempt = 1;; attempt++) {
        char err[512];
        if (db_ensure(db, err, sizeof err) != 0) {
            log_warn("%s", err);
            return NULL;
        }
        PGconn *c = db->conn;
        struct db_ticket t = {0};
        int prepare = sh && !sh->prepared;
        t.nq = 1 + prepare;
        if ((PQpipelineStatus(c) == PQ_PIPELINE_OFF && !PQenterPipelineMode(c)) ||
            (prepare && !PQsendPrepare(c, sh->stmt->name, sh->parsed.sql, 0, NULL)) ||
            !(sh ? PQsendQueryPrepared(c, sh->stmt->name, n, params, NULL, NULL, 0)
                 : PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0))) {
            log_warn("queueing a statement: %s", PQerrorMessage(c));
            db_pipe_fail(db);
            if (attempt < DB_PIPE_TRIES)
                continue;
            return NULL;
        }
        /* Later statements of sh need no Parse of their own: this one goes first. */
        if (prepare)
            sh->prepared = 1;
        if (db->tail)
            db->tail->next = &t;
        else
            db->head = &t;
        db->tail = &t;
        if (!db->next)
            db->next = &t;
        db->depth++;
        if (db->unsynced++ == 0)
            h->queued(h->arg);
        t.token = h->self(h->arg);
        h->suspend(h->arg);

        int parsed = !prepare || (t.got[0] && PQresultStatus(t.got[0]) == PGRES_COMMAND_OK);
        /* The first failure among the Parse and the execution, else the execution's. */
        PGresult *res = NULL;
        for (int q = 0; q < t.nq && !res; q++)
            if (t.got[q] && (q == t.nq - 1 || PQresultStatus(t.got[q]) != PGRES_COMMAND_OK))
                res = t.got[q];
        for (int q = 0; q < t.nq; q++)
            if (t.got[q] != res)
                PQclear(t.got[q]);
        if (!parsed && !t.lost)
            sh->prepared = 0; /* the Parse failed or was rolled back: the next one prepares */
        ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        /* A statement whose Parse was rolled back with another's batch: prepare it again. */
        int unprepared = sh && st == PGRES_FATAL_ERROR && res && !strcmp(db_sqlstate(res), "26000");
        if (unprepared)
            sh->prepared = 0;
        int again =
            t.lost || st == PGRES_PIPELINE_ABORTED || unprepared || (t.batch_failed && db_ok(res));
        if (!again)
            return res;
        PQclear(res);
        if (attempt >= DB_PIPE_TRIES) {
            log_warn("statement %s: rolled back with its batch %d times",
                     sh ? sh->stmt->name : "(text)", attempt);
            return t.lost ? NULL : PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
        }
    }
}
