/* The integration suites' shared fixtures: see fixtures.h. */
#include "fixtures.h"

#include <check.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "http.h"
#include "xalloc.h"

void test_accredit(const char *person, const char *role)
{
    char *path = xasprintf("/v1/people/%s/accreditations", person);
    char *body = xasprintf("{\"role\":\"%s\",\"awarded_on\":\"2026-01-05\"}", role);
    test_expect("POST", path, test_admin(), body, 201, NULL);
    free(body);
    free(path);
}

char *test_item(const char *review_path, const char *sub, const char *tok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = test_vformat(fmt, ap);
    va_end(ap);
    char *path = xasprintf("%s/%s", review_path, sub);
    struct http_resp *r = http_call("POST", path, tok, body, NULL);
    ck_assert_msg(r->status == 201, "POST %s %s -> %ld %s", path, body, r->status, r->body);
    const char *id = json_string_value(json_object_get(r->json, "id"));
    char *out = xstrdup(id ? id : "");
    http_free(r);
    free(path);
    free(body);
    return test_keep(out);
}

void test_chain_setup(struct test_chain *t)
{
    t->hub = test_hub();
    t->partnership = test_partnership(t->hub);
    t->school = test_school(t->partnership);
    t->person = test_person(t->school);
}

void test_two_setup(struct test_two *f, int other_in_hub, const char *review_fields)
{
    f->hub = test_hub();
    f->partnership = test_partnership(f->hub);
    f->other_partnership = test_partnership(other_in_hub ? f->hub : NULL);
    f->host = test_school(f->partnership);
    f->partner = test_school(f->partnership);
    f->outsider_school = test_school(f->other_partnership);
    f->host_key = test_key("school", f->host);
    f->hub_key = test_key("hub", f->hub);
    f->partnership_key = test_key("partnership", f->partnership);
    f->other_partnership_key = test_key("partnership", f->other_partnership);
    f->review = test_create("/v1/reviews", f->host_key, "{\"school_id\":\"%s\",%s}", f->host,
                            review_fields);
}

void test_cycle_setup(struct test_cycle *c, int champion_accredited)
{
    c->hub = test_hub();
    c->partnership = test_partnership(c->hub);
    c->host = test_school(c->partnership);
    c->partner_a = test_school(c->partnership);
    c->partner_b = test_school(c->partnership);
    c->host_tok = test_key("school", c->host);
    c->lead = test_person(c->partner_a);
    c->reviewer = test_person(c->partner_b);
    c->champion = test_person(c->partner_b);
    test_accredit(c->lead, "peer_reviewer");
    test_accredit(c->reviewer, "peer_reviewer");
    if (champion_accredited)
        test_accredit(c->champion, "improvement_champion");
    c->lead_tok = test_key("person", c->lead);
    c->reviewer_tok = test_key("person", c->reviewer);
    c->champion_tok = test_key("person", c->champion);
    c->review = test_create("/v1/reviews", c->host_tok,
                            "{\"school_id\":\"%s\",\"focus\":\"How well do our pupils read?\","
                            "\"focus_area\":\"our_impact\"}",
                            c->host);
    c->path = test_fmt("/v1/reviews/%s", c->review);
}

char *test_file_text(const char *dir, const char *name)
{
    char *file = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(file, "r");
    free(file);
    if (!f)
        return NULL;
    char *text = NULL;
    size_t cap = 0;
    ssize_t len = getdelim(&text, &cap, '\0', f);
    fclose(f);
    if (len > 0)
        return text;
    free(text);
    return NULL;
}

PGconn *test_db(void)
{
    const char *url = getenv("SPP_TEST_DATABASE_URL");
    ck_assert_msg(url != NULL, "SPP_TEST_DATABASE_URL is not set");
    PGconn *db = PQconnectdb(url);
    ck_assert_msg(PQstatus(db) == CONNECTION_OK, "%s", PQerrorMessage(db));
    return db;
}

char *test_db_value(PGconn *db, const char *sql, const char *a, const char *b)
{
    const char *p[] = {a, b};
    int n = b ? 2 : a ? 1 : 0;
    PGresult *res = PQexecParams(db, sql, n, NULL, n ? p : NULL, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK,
                  "%s: %s", sql, PQresultErrorMessage(res));
    char *v = xstrdup(PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    return test_keep(v);
}

char *test_sql_value(const char *sql, const char *param)
{
    PGconn *db = test_db();
    char *v = test_db_value(db, sql, param, NULL);
    PQfinish(db);
    return v;
}

long test_sql_long(const char *sql, const char *param)
{
    return atol(test_sql_value(sql, param));
}
