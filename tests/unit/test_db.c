/* The PostgreSQL connection module (common/db.c), the part that needs no server: reading result
 * statuses and SQLSTATEs, and what a connection object does before it has connected or when
 * the server cannot be reached. Statements against a real server are the integration and fault
 * suites' business. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "db.h"
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
    const char *p[] = {"x"};
    ck_assert_ptr_null(db_exec(db, "one", 1, p));
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

Suite *db_suite(void)
{
    Suite *s = suite_create("db");
    TCase *tc = tcase_create("db");
    tcase_add_test(tc, db_ok_reads_the_status);
    tcase_add_test(tc, db_before_connecting);
    tcase_add_test(tc, db_ensure_reports_an_unreachable_server);
    suite_add_tcase(s, tc);
    return s;
}
