#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

struct db {
    PGconn *conn;
    char *url;
    const struct db_stmt *const *sets;
    int begin_pending; /* db_begin was called and BEGIN has not been sent yet */
};

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
    free(db->url);
    free(db);
}

int db_broken(const struct db *db)
{
    return !db->conn || PQstatus(db->conn) != CONNECTION_OK;
}

PGconn *db_conn(struct db *db)
{
    return db->conn;
}

static int db_prepare_all(struct db *db, char *err, size_t errlen)
{
    for (const struct db_stmt *const *set = db->sets; set && *set; set++) {
        for (const struct db_stmt *s = *set; s->name; s++) {
            PGresult *res = PQprepare(db->conn, s->name, s->sql, 0, NULL);
            int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
            if (!ok)
                snprintf(err, errlen, "preparing %s: %s", s->name, PQresultErrorMessage(res));
            PQclear(res);
            if (!ok)
                return -1;
        }
    }
    return 0;
}

int db_ensure(struct db *db, char *err, size_t errlen)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    if (db->conn) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
    /* The URL comes last so that what it says overrides these defaults. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"3", "spp", db->url, NULL};
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        snprintf(err, errlen, "connecting to PostgreSQL: %s", PQerrorMessage(db->conn));
        /* libpq messages end in a newline. */
        size_t n = strlen(err);
        while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
            err[--n] = '\0';
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    PGresult *res =
        PQexec(db->conn, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
                         "SET IntervalStyle = 'iso_8601'; SET client_min_messages = warning");
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok || db_prepare_all(db, err, errlen) != 0) {
        if (!ok)
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

/* Sends BEGIN and a prepared statement in one round trip (libpq's pipeline mode), and
 * returns the statement's result; BEGIN's own when BEGIN failed. */
static PGresult *db_exec_begun(struct db *db, const char *name, int n, const char *const *params)
{
    PGconn *c = db->conn;
    if (!PQenterPipelineMode(c))
        return NULL;
    PGresult *begin = NULL, *res = NULL;
    if (PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) &&
        PQsendQueryPrepared(c, name, n, params, NULL, NULL, 0) && PQpipelineSync(c)) {
        /* Each query's results end with a NULL; the sync's result follows. */
        for (int q = 0; q < 2; q++) {
            PGresult *x;
            while ((x = PQgetResult(c)) != NULL) {
                PGresult **slot = q == 0 ? &begin : &res;
                if (*slot)
                    PQclear(x);
                else
                    *slot = x;
            }
        }
        if (PQstatus(c) == CONNECTION_OK)
            PQclear(PQgetResult(c)); /* PGRES_PIPELINE_SYNC */
    }
    if (!PQexitPipelineMode(c))
        log_warn("leaving pipeline mode: %s", PQerrorMessage(c));
    if (begin && PQresultStatus(begin) != PGRES_COMMAND_OK) {
        PQclear(res);
        return begin;
    }
    PQclear(begin);
    if (!res && PQstatus(c) == CONNECTION_OK)
        res = PQmakeEmptyPGresult(c, PGRES_FATAL_ERROR);
    return res;
}

PGresult *db_exec(struct db *db, const char *name, int n, const char *const *params)
{
    if (!db->conn)
        return NULL;
    int begin = db->begin_pending;
    db->begin_pending = 0;
    int idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
    PGresult *res = begin ? db_exec_begun(db, name, n, params)
                          : PQexecPrepared(db->conn, name, n, params, NULL, NULL, 0);
    if (idle && PQstatus(db->conn) == CONNECTION_BAD && db_reconnect(db) == 0) {
        PQclear(res);
        res = begin ? db_exec_begun(db, name, n, params)
                    : PQexecPrepared(db->conn, name, n, params, NULL, NULL, 0);
    }
    return res;
}

PGresult *db_exec_sql(struct db *db, const char *sql)
{
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
    PGresult *res = PQexec(db->conn, sql);
    if (idle && PQstatus(db->conn) == CONNECTION_BAD && db_reconnect(db) == 0) {
        PQclear(res);
        res = PQexec(db->conn, sql);
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

const char *db_sqlstate(const PGresult *res)
{
    const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return s ? s : "";
}
