/* PostgreSQL connections (libpq) with prepared statements referred to by handle, prepared on
 * first use on each connection, reconnecting by themselves. */
#ifndef SPP_DB_H
#define SPP_DB_H

#include <libpq-fe.h>
#include <stddef.h>

/* A statement, referred to by a pointer to it (its handle): the compiler checks the name of
 * the handle, and a connection prepares the statement the first time it runs it (the Parse
 * travels with that first execution, in the same round trip). Each resource keeps its own
 * table of these, indexed by an enum, in one place. A handle must outlive every db that ran
 * it (static tables; a statement built at run time is kept for the process's life), and its
 * name must be unique in the process: it is the name of the prepared statement. */
struct db_stmt {
    const char *name;
    const char *sql;
};

/* A statement's parameters are named in its text, `$name` (a letter or `_`, then letters,
 * digits or `_`), and a call gives each of them its value by that name, in any order; a name
 * may occur several times in the text. db.c numbers the names in order of first occurrence when
 * it prepares the statement (sqlparams.h). A call must give every name exactly one value and no
 * value for a name the statement lacks: otherwise it fails without a round trip (an error
 * result, logged with the statement's and the parameter's name) — every statement runs in the
 * tests, which is where such a slip shows. value NULL is SQL NULL. */
struct db_arg {
    const char *name;
    const char *value;
};

/* The count and array of a call's values: DB_ARGS({"id", id}, {"name", name}). */
#define DB_ARGS(...)                                                                               \
    (int)(sizeof((const struct db_arg[]){__VA_ARGS__}) / sizeof(struct db_arg)),                   \
        (const struct db_arg[])                                                                    \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }
/* A call without values. */
#define DB_NO_ARGS 0, (const struct db_arg *)NULL

struct db;

/* Makes a connection object for url; sets is a NULL-terminated list of statement tables (each
 * ended by an entry with a NULL name): the statements the program knows, which
 * db_prepare_all prepares at once. Does not connect. */
struct db *db_new(const char *url, const struct db_stmt *const *sets);
void db_free(struct db *db);
/* What a wait is for, as a bit mask. */
enum { DB_WAIT_READ = 1, DB_WAIT_WRITE = 2 };
/* Waits until fd is ready for events or timeout_ms passes (-1: no limit). Returns the events
 * ready (an error or hang-up counts as ready), 0 at the time-out, -1 on failure. */
typedef int (*db_waiter)(void *arg, int fd, int events, int timeout_ms);
/* Every wait of db (connecting, sending, results) goes through waiter(arg, ...) instead of
 * poll(), and from its next (re)connection on the connection is in non-blocking mode: the API's
 * loop threads give a waiter that registers the socket in their event base and lets other
 * requests run meanwhile. Without one (NULL: the worker, migrate, seed, tests) db waits with
 * db_wait_poll and the connection blocks, so that direct libpq calls on db_conn (COPY) keep
 * their usual meaning. Call before the first db_ensure. */
void db_set_waiter(struct db *db, db_waiter waiter, void *arg);
/* Bumped each time db opens a connection (every socket libpq opens for it comes from one), so
 * that a waiter that keeps a socket registered between waits can tell a reused descriptor
 * number from its own: its registration stands while db_generation and PQsocket are what they
 * were when it registered. libpq also closes the socket by itself (the server went away):
 * PQsocket is then -1. */
unsigned db_generation(const struct db *db);
/* The default waiter: poll(2), EINTR retried; arg is unused. */
int db_wait_poll(void *arg, int fd, int events, int timeout_ms);
/* Pipelined sharing (the API's reads). A db given hooks (db_set_pipe) and put in shared mode
 * (db_set_shared) takes statements from several callers at once, each on its own stack (the
 * API's fibers): db_exec and db_exec_sql queue the statement on the connection in libpq's
 * pipeline mode, ask for a flush (queued), and suspend their caller until its result is there.
 * The loop that owns the connection calls db_pipe_flush once the callers running now have
 * queued theirs: one Sync ends the batch, so that PostgreSQL reads the batch at once and
 * answers it with one flush. It calls db_pipe_read when the socket is readable: results are
 * handed out in the order the statements went, each batch's callers resumed once its Sync came
 * back. A batch runs in one implicit transaction: when one of its statements fails, the others
 * were rolled back with it (or never ran), and their callers send them again, up to
 * DB_PIPE_TRIES times; the one that failed gets its error. A lost connection fails every
 * statement in flight; each caller reconnects (one at a time: the others wait for it) and sends
 * its statement once more, as db_exec does for an idle connection.
 *
 * Shared mode is for statements outside a transaction only: db_begin and db_exec_commit are
 * refused in it (an error result), and db_exec_sql takes a single statement. Whoever sets the
 * mode sees to it that no statement is in flight when it changes (db_pipe_depth). */
struct db_pipe_hooks {
    /* A statement was queued: have db_pipe_flush called soon, after the callers that are
     * ready to run have queued theirs (the loop's current turn). */
    void (*queued)(void *arg);
    /* The caller running now, as a token for resume. */
    void *(*self)(void *arg);
    /* Suspends the caller running now until resume(arg, its token). */
    void (*suspend)(void *arg);
    /* Lets the suspended caller token go on, later (never from inside this call). */
    void (*resume)(void *arg, void *token);
    void *arg;
};
/* hooks must outlive db; NULL: never shared. */
void db_set_pipe(struct db *db, const struct db_pipe_hooks *hooks);
void db_set_shared(struct db *db, int on);
int db_shared(const struct db *db);
/* Sends the Sync of the statements queued since the last one, and as much as the socket takes.
 * Returns 0 when everything is written, 1 when more waits for the socket to be writable, -1
 * when the connection failed (its statements in flight are failed and their callers resumed). */
int db_pipe_flush(struct db *db);
/* Reads what the socket has and hands out the results of every batch whose Sync came back.
 * A failed connection fails every statement in flight. */
void db_pipe_read(struct db *db);
/* Statements queued or in flight now (for tests and metrics). */
int db_pipe_depth(const struct db *db);

/* Connects (or reconnects) when the connection is absent or broken: session settings are UTC
 * and ISO dates; no statement is prepared yet. Returns 0, or -1 with the reason in err. */
int db_ensure(struct db *db, char *err, size_t errlen);
/* Connects when needed and prepares every statement of the sets given to db_new that this
 * connection has not prepared: the check that all of them parse (the tests run it). Returns 0,
 * or -1 with the statement's name and the reason in err. */
int db_prepare_all(struct db *db, char *err, size_t errlen);
/* 1 when this connection has prepared stmt. */
int db_is_prepared(const struct db *db, const struct db_stmt *stmt);
/* Runs a statement with its n values args, by name (DB_ARGS; a NULL value is SQL NULL),
 * preparing it first, in the same round trip, when this connection has not. Returns the
 * result, which the caller clears, or NULL when there is no connection. A result whose status
 * is an error is returned as it is (BEGIN's or the Parse's when that failed, or one made without
 * a round trip when the values do not match the statement's names); a broken connection is
 * noticed and rebuilt on the next db_ensure. */
PGresult *db_exec(struct db *db, const struct db_stmt *stmt, int n, const struct db_arg *args);
/* Like db_exec, and sends COMMIT in the same round trip: for a transaction's last statement.
 * Returns the statement's result; *committed is 1 when the transaction committed, 0 when the
 * statement failed (the transaction is then still open, aborted: db_end(db, 0) ends it) or
 * COMMIT failed (the transaction is over, rolled back, as when db_end fails). */
PGresult *db_exec_commit(struct db *db, const struct db_stmt *stmt, int n,
                         const struct db_arg *args, int *committed);
/* Runs plain SQL without parameters (transaction control, migrations). Same contract. */
PGresult *db_exec_sql(struct db *db, const char *sql);
/* Starts a transaction without a round trip of its own: BEGIN is sent with the next
 * statement (db_exec pipelines the two, db_exec_sql prefixes the text). */
void db_begin(struct db *db);
/* Ends the transaction db_begin started with COMMIT (commit = 1) or ROLLBACK; when no statement
 * was sent since db_begin there is none, and this sends nothing. Returns 0, or -1 when it
 * failed (a COMMIT that rolled back included). */
int db_end(struct db *db, int commit);
/* 1 when res is a successful command or query result. */
int db_ok(const PGresult *res);
/* Result columns by the names the statement's SELECT list gives them (alias an expression),
 * compared exactly (PostgreSQL folds unquoted aliases to lower case):
 * the index of the column name in res, or -1 when there is none. In a loop over rows, take
 * the index once, before the loop. */
int db_col(const PGresult *res, const char *name);
/* The same, looking first at column from onwards and then at those before it, without a log
 * line when there is none: for columns read in the order the statement lists them, where each
 * is found at the first look. */
int db_col_from(const PGresult *res, const char *name, int from);
/* PQgetvalue, PQgetisnull and a value or NULL for SQL NULL, by column name. */
const char *db_value(const PGresult *res, int row, const char *name);
int db_is_null(const PGresult *res, int row, const char *name);
const char *db_value_or_null(const PGresult *res, int row, const char *name);
/* The SQLSTATE of a failed result ("" when none). */
const char *db_sqlstate(const PGresult *res);
/* 1 when the connection is gone (the failure was not the statement's fault). */
int db_broken(const struct db *db);
PGconn *db_conn(struct db *db);

#endif
