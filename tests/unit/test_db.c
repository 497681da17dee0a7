/* The PostgreSQL connection module (common/db.c): reading result statuses and SQLSTATEs, what a
 * connection object does before it has connected or when the server cannot be reached, and,
 * against the test database (SPP_TEST_DATABASE_URL, migrated, as scripts/test.sh sets it up),
 * statements prepared on first use, COMMIT in the last statement's round trip, every
 * statement of the API and of the worker preparing, and pipelined sharing (callers on fibers
 * driven by a loop of the test's own, as the API's loop threads drive theirs). */
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "db.h"
#include "dispatch.h"
#include "fiber.h"
#include "unit.h"

START_TEST(db_ok_reads_the_status)
{
    static const struct {
        ExecStatusType st;
        int ok;
    } cases[] = {
        {PGRES_COMMAND_OK, 1},  {PGRES_TUPLES_OK, 1},    {PGRES_EMPTY_QUERY, 0},
        {PGRES_FATAL_ERROR, 0}, {PGRES_BAD_RESPONSE, 0}, {PGRES_NONFATAL_ERROR, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        PGresult *res = PQmakeEmptyPGresult(NULL, cases[i].st);
        ck_assert_ptr_nonnull(res);
        ck_assert_msg(db_ok(res) == cases[i].ok, "%s", PQresStatus(cases[i].st));
        /* A result made without a server carries no SQLSTATE: "" rather than NULL. */
        ck_assert_str_eq(db_sqlstate(res), "");
        PQclear(res);
    }
    ck_assert_int_eq(db_ok(NULL), 0);
    ck_assert_str_eq(db_sqlstate(NULL), "");
}
END_TEST

START_TEST(db_before_connecting)
{
    static const struct db_stmt stmts[] = {{"one", "SELECT 1"}, {NULL, NULL}};
    const struct db_stmt *const sets[] = {stmts, NULL};
    struct db *db = db_new("postgresql://spp@127.0.0.1:1/spp", sets);
    ck_assert_ptr_nonnull(db);
    ck_assert_int_eq(db_broken(db), 1);
    ck_assert_ptr_null(db_conn(db));
    ck_assert_ptr_null(db_exec(db, &stmts[0], DB_NO_ARGS));
    ck_assert_ptr_null(db_exec_sql(db, "SELECT 1"));
    db_free(db);
    db_free(NULL);
}
END_TEST

/* A loopback port that nothing listens on: bound, read, and closed again. */
static int db_closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

START_TEST(db_ensure_reports_an_unreachable_server)
{
    char url[128];
    snprintf(url, sizeof url, "postgresql://spp@127.0.0.1:%d/spp", db_closed_port());
    struct db *db = db_new(url, NULL);
    char err[512] = "";
    ck_assert_int_eq(db_ensure(db, err, sizeof err), -1);
    ck_assert_msg(strncmp(err, "connecting to PostgreSQL: ", 26) == 0, "%s", err);
    size_t n = strlen(err);
    ck_assert_uint_gt(n, 26);
    /* libpq's trailing newline is taken off: the message goes into one log line. */
    ck_assert_int_ne(err[n - 1], '\n');
    ck_assert_int_ne(err[n - 1], ' ');
    /* Nothing is kept from the failed attempt, and trying again fails the same way. */
    ck_assert_int_eq(db_broken(db), 1);
    ck_assert_ptr_null(db_conn(db));
    ck_assert_ptr_null(db_exec_sql(db, "SELECT 1"));
    ck_assert_int_eq(db_ensure(db, err, sizeof err), -1);
    db_free(db);
    /* A URL libpq cannot read is a failure with a reason too, not a crash. */
    db = db_new("postgresql://[", NULL);
    ck_assert_int_eq(db_ensure(db, err, sizeof err), -1);
    ck_assert_uint_gt(strlen(err), 26);
    db_free(db);
}
END_TEST

/* A connection to the test database. */
static struct db *db_test_connect(const struct db_stmt *const *sets)
{
    const char *url = getenv("SPP_TEST_DATABASE_URL");
    ck_assert_msg(url && *url, "SPP_TEST_DATABASE_URL must name the (migrated) test database");
    struct db *db = db_new(url, sets);
    char err[512];
    ck_assert_msg(db_ensure(db, err, sizeof err) == 0, "%s", err);
    return db;
}

/* Runs stmt and returns its single value (the caller frees it). */
static char *db_test_value(struct db *db, const struct db_stmt *stmt, int n,
                           const struct db_arg *args)
{
    PGresult *res = db_exec(db, stmt, n, args);
    ck_assert_msg(db_ok(res), "%s: %s", stmt->name, res ? PQresultErrorMessage(res) : "none");
    ck_assert_int_eq(PQntuples(res), 1);
    char *v = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

static const struct db_stmt db_test_stmts[] = {
    {"db_test_add", "SELECT $n::int + 1"},
    {"db_test_count", "SELECT count(*) FROM pg_prepared_statements WHERE name = $name"},
    {"db_test_pid", "SELECT pg_backend_pid()"},
    {"db_test_broken", "SELECT no_such_column FROM no_such_table"},
    {NULL, NULL},
};

START_TEST(db_prepares_on_first_use)
{
    struct db *db = db_test_connect(NULL);
    const struct db_stmt *add = &db_test_stmts[0], *count = &db_test_stmts[1];

    /* Connecting prepares nothing. */
    ck_assert_int_eq(db_is_prepared(db, add), 0);
    char *v = db_test_value(db, count, DB_ARGS({"name", add->name}));
    ck_assert_str_eq(v, "0");
    free(v);
    /* The first use prepares (Parse and execution in one round trip)... */
    v = db_test_value(db, add, DB_ARGS({"n", "2"}));
    ck_assert_str_eq(v, "3");
    free(v);
    ck_assert_int_eq(db_is_prepared(db, add), 1);
    v = db_test_value(db, count, DB_ARGS({"name", add->name}));
    ck_assert_str_eq(v, "1");
    free(v);
    /* ...and the second does not: a second Parse of the name would fail (42P05). */
    v = db_test_value(db, add, DB_ARGS({"n", "41"}));
    ck_assert_str_eq(v, "42");
    free(v);
    v = db_test_value(db, count, DB_ARGS({"name", add->name}));
    ck_assert_str_eq(v, "1");
    free(v);
    /* A statement that does not parse fails with its reason, stays unprepared, and leaves the
     * connection usable. */
    PGresult *res = db_exec(db, &db_test_stmts[3], DB_NO_ARGS);
    ck_assert_int_eq(db_ok(res), 0);
    ck_assert_str_eq(db_sqlstate(res), "42P01");
    PQclear(res);
    ck_assert_int_eq(db_is_prepared(db, &db_test_stmts[3]), 0);
    ck_assert_int_eq(db_broken(db), 0);
    v = db_test_value(db, add, DB_ARGS({"n", "2"}));
    ck_assert_str_eq(v, "3");
    free(v);
    db_free(db);
}
END_TEST

static const struct db_stmt db_test_named[] = {
    {"db_test_named",
     "SELECT $b::int - $a::int AS diff, $a::text AS a, $c::text IS NULL AS c_null"},
    {"db_test_mixed", "SELECT $1::int + $a::int"},
    {NULL, NULL},
};

START_TEST(db_takes_values_by_name)
{
    struct db *db = db_test_connect(NULL);
    const struct db_stmt *named = &db_test_named[0];
    /* Values in any order; a name used twice takes one value; NULL is SQL NULL. */
    PGresult *res = db_exec(db, named, DB_ARGS({"c", NULL}, {"a", "2"}, {"b", "7"}));
    ck_assert_msg(db_ok(res), "%s", res ? PQresultErrorMessage(res) : "none");
    ck_assert_str_eq(db_value(res, 0, "diff"), "5");
    ck_assert_str_eq(db_value(res, 0, "a"), "2");
    ck_assert_str_eq(db_value(res, 0, "c_null"), "t");
    PQclear(res);
    /* PostgreSQL prepared the numbered text. */
    char *v = db_test_value(db, &db_test_stmts[1], DB_ARGS({"name", named->name}));
    ck_assert_str_eq(v, "1");
    free(v);
    /* A missing value, a value for no parameter, a misspelt name or numbers mixed with names
     * fail without a round trip and leave the connection as it was. */
    const struct {
        int n;
        const struct db_arg *args;
    } wrong[] = {
        {DB_ARGS({"a", "1"}, {"b", "2"})},
        {DB_ARGS({"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"})},
        {DB_ARGS({"a", "1"}, {"b", "2"}, {"cc", "3"})},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
        res = db_exec(db, named, wrong[i].n, wrong[i].args);
        ck_assert_ptr_nonnull(res);
        ck_assert_int_eq(db_ok(res), 0);
        PQclear(res);
    }
    res = db_exec(db, &db_test_named[1], DB_ARGS({"a", "1"}));
    ck_assert_int_eq(db_ok(res), 0);
    PQclear(res);
    ck_assert_int_eq(db_is_prepared(db, &db_test_named[1]), 0);
    ck_assert_int_eq(db_broken(db), 0);
    /* And COMMIT travels with a named statement as with a numbered one. */
    db_begin(db);
    int committed = 0;
    res = db_exec_commit(db, named, DB_ARGS({"a", "1"}, {"b", "1"}, {"c", "x"}), &committed);
    ck_assert(db_ok(res));
    ck_assert_str_eq(db_value(res, 0, "diff"), "0");
    ck_assert_str_eq(db_value(res, 0, "c_null"), "f");
    ck_assert_int_eq(committed, 1);
    PQclear(res);
    ck_assert_int_eq(PQtransactionStatus(db_conn(db)), PQTRANS_IDLE);
    db_free(db);
}
END_TEST

START_TEST(db_reconnect_prepares_again)
{
    struct db *db = db_test_connect(NULL), *other = db_test_connect(NULL);
    const struct db_stmt *add = &db_test_stmts[0];
    char *pid = db_test_value(db, &db_test_stmts[2], DB_NO_ARGS);
    free(db_test_value(db, add, DB_ARGS({"n", "1"})));
    ck_assert_int_eq(db_is_prepared(db, add), 1);
    /* The server ends the session: its prepared statements go with it. */
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%s)", pid);
    PGresult *res = db_exec_sql(other, sql);
    ck_assert(db_ok(res));
    PQclear(res);
    /* libpq notices the closed socket on the next use; give the server a moment to close it. */
    usleep(100000);
    /* The next use finds the connection dead, reconnects, and prepares on the new session. */
    char *v = db_test_value(db, add, DB_ARGS({"n", "1"}));
    ck_assert_str_eq(v, "2");
    free(v);
    char *pid2 = db_test_value(db, &db_test_stmts[2], DB_NO_ARGS);
    ck_assert_str_ne(pid, pid2);
    ck_assert_int_eq(db_is_prepared(db, add), 1);
    free(pid);
    free(pid2);
    db_free(other);
    db_free(db);
}
END_TEST

START_TEST(db_runs_a_handle_made_at_run_time)
{
    struct db *db = db_test_connect(NULL);
    /* A statement built at run time (as for a combination of list filters): its identity is
     * the pointer, which must outlive the db. */
    struct db_stmt *dyn = malloc(sizeof *dyn);
    char *name = malloc(32), *sql = malloc(64);
    snprintf(name, 32, "db_test_dyn_%d", 7);
    snprintf(sql, 64, "SELECT $n::int * %d", 6);
    dyn->name = name;
    dyn->sql = sql;
    char *v = db_test_value(db, dyn, DB_ARGS({"n", "7"}));
    ck_assert_str_eq(v, "42");
    free(v);
    ck_assert_int_eq(db_is_prepared(db, dyn), 1);
    v = db_test_value(db, dyn, DB_ARGS({"n", "7"}));
    ck_assert_str_eq(v, "42");
    free(v);
    db_free(db);
    free(name);
    free(sql);
    free(dyn);
}
END_TEST

static const struct db_stmt db_test_tx[] = {
    {"db_test_tx_insert", "INSERT INTO db_test_rows (id, v) VALUES ($id::int, $v::int)"},
    {"db_test_tx_count", "SELECT count(*) FROM db_test_rows"},
    {NULL, NULL},
};

START_TEST(db_commits_with_the_last_statement)
{
    struct db *db = db_test_connect(NULL);
    /* A session's own table; v's uniqueness is checked at COMMIT. */
    PGresult *res = db_exec_sql(db, "CREATE TEMP TABLE db_test_rows (id int PRIMARY KEY, v int, "
                                    "UNIQUE (v) DEFERRABLE INITIALLY DEFERRED)");
    ck_assert(db_ok(res));
    PQclear(res);
    const struct db_stmt *ins = &db_test_tx[0], *count = &db_test_tx[1];
    /* BEGIN, the Parse, the INSERT and COMMIT in one round trip. */
    db_begin(db);
    int committed = -1;
    res = db_exec_commit(db, ins, DB_ARGS({"id", "1"}, {"v", "1"}), &committed);
    ck_assert(db_ok(res));
    ck_assert_str_eq(PQcmdTuples(res), "1");
    PQclear(res);
    ck_assert_int_eq(committed, 1);
    ck_assert_int_eq(PQtransactionStatus(db_conn(db)), PQTRANS_IDLE);
    char *v = db_test_value(db, count, DB_NO_ARGS);
    ck_assert_str_eq(v, "1");
    free(v);
    /* The statement succeeds, the COMMIT fails (the deferred check): nothing is saved, the
     * transaction is over, and the caller learns it from committed. */
    db_begin(db);
    res = db_exec(db, ins, DB_ARGS({"id", "2"}, {"v", "5"}));
    ck_assert(db_ok(res));
    PQclear(res);
    committed = -1;
    res = db_exec_commit(db, ins, DB_ARGS({"id", "3"}, {"v", "5"}), &committed);
    ck_assert(db_ok(res));
    PQclear(res);
    ck_assert_int_eq(committed, 0);
    ck_assert_int_eq(PQtransactionStatus(db_conn(db)), PQTRANS_IDLE);
    v = db_test_value(db, count, DB_NO_ARGS);
    ck_assert_str_eq(v, "1");
    free(v);
    /* The statement fails: its result is returned, COMMIT is not run, and the transaction is
     * still open, aborted, for the caller to roll back. */
    db_begin(db);
    committed = -1;
    res = db_exec_commit(db, ins, DB_ARGS({"id", "1"}, {"v", "9"}), &committed);
    ck_assert_int_eq(db_ok(res), 0);
    ck_assert_str_eq(db_sqlstate(res), "23505");
    PQclear(res);
    ck_assert_int_eq(committed, 0);
    ck_assert_int_eq(PQtransactionStatus(db_conn(db)), PQTRANS_INERROR);
    ck_assert_int_eq(db_end(db, 0), 0);
    ck_assert_int_eq(PQtransactionStatus(db_conn(db)), PQTRANS_IDLE);
    v = db_test_value(db, count, DB_NO_ARGS);
    ck_assert_str_eq(v, "1");
    free(v);
    db_free(db);
}
END_TEST

/* Nothing is prepared until used, so a statement that does not parse would be found only when
 * it first runs: this prepares every statement of the API and of the worker. */
START_TEST(db_every_statement_prepares)
{
    struct db *api = db_test_connect(dispatch_statements());
    char err[1024] = "";
    ck_assert_msg(db_prepare_all(api, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(db_is_prepared(api, &dispatch_statements()[0][0]), 1);
    db_free(api);
    /* The worker's kinds, runner and sweeper cannot be linked here without its main: the
     * worker checks its own (`spp-worker-test check-statements`, the build's binary beside
     * this one, with the product's kinds and the test kinds). */
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 64);
    ck_assert_int_gt(len, 0);
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    ck_assert_ptr_nonnull(slash);
    snprintf(slash + 1, 64, "spp-worker-test");
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "SPP_DATABASE_URL=\"$SPP_TEST_DATABASE_URL\" \"%s\" check-statements",
             exe);
    ck_assert_msg(system(cmd) == 0, "%s failed: a worker statement does not prepare", cmd);
    /* A statement that does not parse fails the check, by name. */
    static const struct db_stmt broken[] = {
        {"db_test_ok", "SELECT 1"}, {"db_test_typo", "SELEC 1"}, {NULL, NULL}};
    static const struct db_stmt *const broken_sets[] = {broken, NULL};
    struct db *db = db_test_connect(broken_sets);
    ck_assert_int_eq(db_prepare_all(db, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "db_test_typo") != NULL, "%s", err);
    ck_assert_int_eq(db_is_prepared(db, &broken[0]), 1);
    db_free(db);
    /* So does one whose parameter names or quoting are malformed. */
    static const struct db_stmt unclosed[] = {{"db_test_unclosed", "SELECT $a, 'x"}, {NULL, NULL}};
    static const struct db_stmt *const unclosed_sets[] = {unclosed, NULL};
    db = db_test_connect(unclosed_sets);
    ck_assert_int_eq(db_prepare_all(db, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "db_test_unclosed") != NULL, "%s", err);
    db_free(db);
}
END_TEST

/* ---- pipelined sharing: callers on fibers, a loop of the test's own ---- */

/* The runnable callers (fibers, FIFO) and whether a flush was asked for. */
struct pipe_env {
    struct fiber *run[64];
    int head, n;
    int queued;
    int max_depth; /* statements in flight at most, seen when a batch went */
    int batches;
};

static struct pipe_env pipe_env;

static void pipe_queued(void *arg)
{
    (void)arg;
    pipe_env.queued = 1;
}

static void *pipe_self(void *arg)
{
    (void)arg;
    return fiber_current();
}

static void pipe_suspend(void *arg)
{
    (void)arg;
    fiber_yield();
}

static void pipe_resume(void *arg, void *token)
{
    (void)arg;
    ck_assert_int_lt(pipe_env.n, 64);
    pipe_env.run[(pipe_env.head + pipe_env.n++) % 64] = token;
}

static const struct db_pipe_hooks pipe_hooks = {pipe_queued, pipe_self, pipe_suspend, pipe_resume,
                                                NULL};

/* The waits of a shared db's connecting: poll, as the API's waiter does outside a wait. */
static int pipe_wait(void *arg, int fd, int events, int timeout_ms)
{
    return db_wait_poll(arg, fd, events, timeout_ms);
}

/* One caller: runs stmt with n on the shared db and keeps the result. */
struct pipe_job {
    struct db *db;
    const struct db_stmt *stmt;
    char n[16];
    PGresult *res;
};

static void pipe_job_main(void *arg)
{
    struct pipe_job *j = arg;
    j->res = db_exec(j->db, j->stmt, DB_ARGS({"n", j->n}));
}

/* count jobs running stmt, job i with n = i. */
static void pipe_jobs(struct pipe_job *jobs, int count, const struct db_stmt *stmt)
{
    for (int i = 0; i < count; i++) {
        jobs[i] = (struct pipe_job){.stmt = stmt};
        snprintf(jobs[i].n, sizeof jobs[i].n, "%d", i);
    }
}

/* Runs the jobs as concurrent callers on db until every one has its result: the loop runs the
 * runnable fibers, sends the batch they queued, and reads results while statements are out. */
static void pipe_run(struct db *db, struct pipe_job *jobs, int count)
{
    pipe_env = (struct pipe_env){0};
    for (int i = 0; i < count; i++) {
        jobs[i].db = db;
        struct fiber *f = fiber_new(pipe_job_main, &jobs[i]);
        ck_assert_ptr_nonnull(f);
        pipe_resume(NULL, f);
    }
    int left = count;
    for (int turns = 0; left > 0; turns++) {
        ck_assert_int_lt(turns, 10000);
        while (pipe_env.n) {
            struct fiber *f = pipe_env.run[pipe_env.head];
            pipe_env.head = (pipe_env.head + 1) % 64;
            pipe_env.n--;
            if (fiber_resume(f))
                left--;
        }
        if (pipe_env.queued) {
            pipe_env.queued = 0;
            if (db_pipe_depth(db) > pipe_env.max_depth)
                pipe_env.max_depth = db_pipe_depth(db);
            pipe_env.batches++;
            int f;
            while ((f = db_pipe_flush(db)) == 1) {
                struct pollfd p = {PQsocket(db_conn(db)), POLLOUT, 0};
                ck_assert_int_ge(poll(&p, 1, 5000), 0);
            }
        }
        if (!pipe_env.n && db_pipe_depth(db) > 0) {
            struct pollfd p = {PQsocket(db_conn(db)), POLLIN, 0};
            ck_assert_int_eq(poll(&p, 1, 5000), 1);
            db_pipe_read(db);
        }
    }
    ck_assert_int_eq(db_pipe_depth(db), 0);
}

static const struct db_stmt pipe_stmts[] = {
    {"db_pipe_add", "SELECT $n::int + 1 AS v, pg_backend_pid() AS pid"},
    {"db_pipe_insert", "INSERT INTO db_pipe_rows (n) VALUES ($n::int) RETURNING n"},
    {"db_pipe_divide", "SELECT 1 / ($n::int - $n::int) AS v"},
    {"db_pipe_rows", "SELECT count(*) || '/' || sum(n) FROM db_pipe_rows"},
    {NULL, NULL},
};

/* A shared db on its own connection (non-blocking, as the API's are), with a fresh temporary
 * table for the writes. */
static struct db *pipe_connect(void)
{
    const char *url = getenv("SPP_TEST_DATABASE_URL");
    ck_assert_msg(url && *url, "SPP_TEST_DATABASE_URL must name the (migrated) test database");
    struct db *db = db_new(url, NULL);
    db_set_waiter(db, pipe_wait, NULL);
    db_set_pipe(db, &pipe_hooks);
    char err[512];
    ck_assert_msg(db_ensure(db, err, sizeof err) == 0, "%s", err);
    PGresult *res = db_exec_sql(db, "CREATE TEMP TABLE db_pipe_rows (n int PRIMARY KEY)");
    ck_assert_msg(db_ok(res), "%s", PQresultErrorMessage(res));
    PQclear(res);
    db_set_shared(db, 1);
    ck_assert_int_eq(db_shared(db), 1);
    return db;
}

START_TEST(db_pipe_shares_one_connection)
{
    struct db *db = pipe_connect();
    enum { N = 24 };
    struct pipe_job jobs[N];
    pipe_jobs(jobs, N, &pipe_stmts[0]);
    pipe_run(db, jobs, N);
    /* Every caller queued before the loop sent anything: one batch, one Parse. */
    ck_assert_int_eq(pipe_env.batches, 1);
    ck_assert_int_eq(pipe_env.max_depth, N);
    const char *pid = NULL;
    for (int i = 0; i < N; i++) {
        ck_assert_msg(db_ok(jobs[i].res), "%d: %s", i, PQresultErrorMessage(jobs[i].res));
        ck_assert_int_eq(atoi(PQgetvalue(jobs[i].res, 0, 0)), i + 1);
        if (!pid)
            pid = PQgetvalue(jobs[i].res, 0, 1);
        ck_assert_str_eq(PQgetvalue(jobs[i].res, 0, 1), pid);
    }
    ck_assert_int_eq(db_is_prepared(db, &pipe_stmts[0]), 1);
    for (int i = 0; i < N; i++)
        PQclear(jobs[i].res);
    /* Out of shared mode the connection is as before: no pipeline left open. */
    db_set_shared(db, 0);
    ck_assert_int_eq(PQpipelineStatus(db_conn(db)), PQ_PIPELINE_OFF);
    char *v = db_test_value(db, &pipe_stmts[0], DB_ARGS({"n", "41"}));
    ck_assert_str_eq(v, "42");
    free(v);
    db_free(db);
}
END_TEST

/* One statement of a batch fails: it gets its error, and the others, rolled back with the
 * batch's implicit transaction (or never run), are sent again, so that each write lands once. */
START_TEST(db_pipe_failure_in_a_batch_resends_the_others)
{
    struct db *db = pipe_connect();
    enum { N = 9, BAD = 4 };
    struct pipe_job jobs[N];
    pipe_jobs(jobs, N, &pipe_stmts[1]);
    jobs[BAD].stmt = &pipe_stmts[2];
    pipe_run(db, jobs, N);
    for (int i = 0; i < N; i++) {
        if (i == BAD) {
            ck_assert(!db_ok(jobs[i].res));
            ck_assert_str_eq(db_sqlstate(jobs[i].res), "22012"); /* division by zero */
        } else {
            ck_assert_msg(db_ok(jobs[i].res), "%d: %s", i, PQresultErrorMessage(jobs[i].res));
            ck_assert_int_eq(atoi(PQgetvalue(jobs[i].res, 0, 0)), i);
        }
        PQclear(jobs[i].res);
    }
    ck_assert_int_ge(pipe_env.batches, 2); /* the first, then the resent */
    db_set_shared(db, 0);
    char *v = db_test_value(db, &pipe_stmts[3], DB_NO_ARGS);
    ck_assert_str_eq(v, "8/32"); /* 0..8 without 4, each once */
    free(v);
    db_free(db);
}
END_TEST

/* The server ends the session under a shared db: the callers of the next batch find it lost,
 * one reconnects, and every statement runs again on the new session, prepared again. */
START_TEST(db_pipe_reconnects_when_the_session_ends)
{
    struct db *db = pipe_connect(), *other = db_test_connect(NULL);
    struct pipe_job one = {.stmt = &pipe_stmts[0], .n = "1"};
    pipe_run(db, &one, 1);
    ck_assert(db_ok(one.res));
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%s)", PQgetvalue(one.res, 0, 1));
    char *old = strdup(PQgetvalue(one.res, 0, 1));
    PQclear(one.res);
    PGresult *res = db_exec_sql(other, sql);
    ck_assert(db_ok(res));
    PQclear(res);
    usleep(100000);
    enum { N = 8 };
    struct pipe_job jobs[N];
    pipe_jobs(jobs, N, &pipe_stmts[0]);
    pipe_run(db, jobs, N);
    for (int i = 0; i < N; i++) {
        ck_assert_msg(db_ok(jobs[i].res), "%d: %s", i,
                      jobs[i].res ? PQresultErrorMessage(jobs[i].res) : "no result");
        ck_assert_int_eq(atoi(PQgetvalue(jobs[i].res, 0, 0)), i + 1);
        ck_assert_str_ne(PQgetvalue(jobs[i].res, 0, 1), old);
        PQclear(jobs[i].res);
    }
    free(old);
    db_free(other);
    db_free(db);
}
END_TEST

/* A transaction has no place on a shared connection: refused without a round trip. */
START_TEST(db_pipe_refuses_a_transaction)
{
    struct db *db = pipe_connect();
    int committed = 1;
    PGresult *res = db_exec_commit(db, &pipe_stmts[0], DB_ARGS({"n", "1"}), &committed);
    ck_assert(!db_ok(res));
    ck_assert_int_eq(committed, 0);
    PQclear(res);
    db_begin(db);
    res = db_exec(db, &pipe_stmts[0], DB_ARGS({"n", "1"}));
    ck_assert(!db_ok(res));
    PQclear(res);
    ck_assert_int_eq(db_end(db, 0), 0); /* nothing was sent */
    ck_assert_int_eq(db_pipe_depth(db), 0);
    db_free(db);
}
END_TEST

Suite *db_suite(void)
{
    Suite *s = suite_create("db");
    TCase *tc = tcase_create("db");
    tcase_add_test(tc, db_ok_reads_the_status);
    tcase_add_test(tc, db_before_connecting);
    tcase_add_test(tc, db_ensure_reports_an_unreachable_server);
    suite_add_tcase(s, tc);
    TCase *server = tcase_create("against the test database");
    tcase_set_timeout(server, 30);
    tcase_add_test(server, db_prepares_on_first_use);
    tcase_add_test(server, db_takes_values_by_name);
    tcase_add_test(server, db_reconnect_prepares_again);
    tcase_add_test(server, db_runs_a_handle_made_at_run_time);
    tcase_add_test(server, db_commits_with_the_last_statement);
    tcase_add_test(server, db_every_statement_prepares);
    tcase_add_test(server, db_pipe_shares_one_connection);
    tcase_add_test(server, db_pipe_failure_in_a_batch_resends_the_others);
    tcase_add_test(server, db_pipe_reconnects_when_the_session_ends);
    tcase_add_test(server, db_pipe_refuses_a_transaction);
    suite_add_tcase(s, server);
    return s;
}
