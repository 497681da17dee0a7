/* One skeleton for every list (list.h). A variant's key is (role, the filters present, cursor
 * or not); its statement is built once by sqlvariant_build and kept, so a request that finds its
 * variant does no more than an atomic load. */
#include "list.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "handlers.h"
#include "log.h"
#include "sqlvariant.h"
#include "xalloc.h"

/* Statement text of a variant at most this long (the longest list is under 2 KiB). */
#define LIST_SQL_MAX 8192

struct list_variant {
    struct db_stmt stmt; /* name and SQL, both owned */
    int nparams;
};

/* Serialises the making of variants; finding one takes no lock. */
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t list_nfilters(const struct list_desc *d)
{
    size_t n = 0;
    while (d->filters && d->filters[n].sql)
        n++;
    return n;
}

/* The number of sources (parameters) of c. */
static int list_nsources(const struct list_cond *c)
{
    int n = 0;
    while (n < LIST_SOURCES && c->from[n])
        n++;
    return n;
}

/* Builds the variant for key: the role's scope, the filters of mask, the cursor when `after`.
 * A descriptor whose fragment does not take as many parameters as it names sources is a bug:
 * aborts. */
static struct list_variant *list_make(const struct list_desc *d, enum scope_role role,
                                      uint32_t mask, int after, unsigned key)
{
    size_t nf = list_nfilters(d);
    const char *conds[SQLVARIANT_MAX_CONDS];
    uint32_t present = 0;
    size_t n = 0;
    const struct list_cond *scope = &d->scope[role];
    if (scope->sql)
        present |= UINT32_C(1) << n;
    conds[n++] = scope->sql;
    for (size_t i = 0; i < nf; i++) {
        if (mask & (UINT32_C(1) << i))
            present |= UINT32_C(1) << n;
        conds[n++] = d->filters[i].sql;
    }
    if (after)
        present |= UINT32_C(1) << n;
    conds[n++] = d->after.sql;
    for (size_t i = 0; i < n; i++) {
        const struct list_cond *c = i == 0 ? scope : i <= nf ? &d->filters[i - 1] : &d->after;
        if ((present & (UINT32_C(1) << i)) && sqlvariant_params(c->sql) != list_nsources(c)) {
            log_error("list %s: condition %zu takes other parameters than it names", d->name, i);
            abort();
        }
    }
    if (sqlvariant_params(d->tail.sql) != list_nsources(&d->tail)) {
        log_error("list %s: the tail takes other parameters than it names", d->name);
        abort();
    }
    char *sql = xmalloc(LIST_SQL_MAX);
    int nparams = sqlvariant_build(d->select, conds, n, present, d->tail.sql, sql, LIST_SQL_MAX);
    if (nparams < 0) {
        log_error("list %s: variant %u does not build", d->name, key);
        abort();
    }
    struct list_variant *v = xcalloc(1, sizeof *v);
    char name[64];
    snprintf(name, sizeof name, "%s_v%u", d->name, key);
    v->stmt.name = xstrdup(name);
    v->stmt.sql = sql;
    v->nparams = nparams;
    return v;
}

/* The variant for (role, mask, after), made on first use. */
static const struct list_variant *list_variant(const struct list_desc *d, enum scope_role role,
                                               uint32_t mask, int after)
{
    size_t nf = list_nfilters(d);
    unsigned key = ((unsigned)role << (nf + 1)) | (mask << 1) | (unsigned)after;
    _Atomic(struct list_variant *) *slots = atomic_load(&d->variants->slots);
    struct list_variant *v = slots ? atomic_load(&slots[key]) : NULL;
    if (v)
        return v;
    pthread_mutex_lock(&list_lock);
    slots = atomic_load(&d->variants->slots);
    if (!slots) {
        slots = xcalloc((size_t)5 << (nf + 1), sizeof *slots);
        atomic_store(&d->variants->slots, slots);
    }
    v = atomic_load(&slots[key]);
    if (!v) {
        v = list_make(d, role, mask, after, key);
        atomic_store(&slots[key], v);
    }
    pthread_mutex_unlock(&list_lock);
    return v;
}

/* The one place that runs a variant. It is prepared on this connection the first time it is
 * used there: a list runs outside any transaction (GET), so the attempt that finds no such
 * statement (SQLSTATE 26000) costs one round trip and nothing else. When db_exec prepares
 * statements on first use by itself, this becomes req_db on the handle. */
static PGresult *list_exec(struct req *r, const struct db_stmt *stmt, int n,
                           const char *const *params)
{
    PGresult *res = req_db_raw(r, stmt->name, n, params);
    if (res && !db_ok(res) && !strcmp(db_sqlstate(res), "26000") &&
        PQtransactionStatus(db_conn(r->hc->db)) == PQTRANS_IDLE) {
        PGresult *prep = PQprepare(db_conn(r->hc->db), stmt->name, stmt->sql, 0, NULL);
        int ok = db_ok(prep);
        if (!ok)
            log_error("preparing %s: %s", stmt->name, PQresultErrorMessage(prep));
        PQclear(prep);
        if (ok)
            res = req_db_raw(r, stmt->name, n, params);
    }
    if (res && !db_ok(res)) {
        req_db_answer(r, stmt->name, res);
        return NULL;
    }
    return res;
}

/* What a request gives the sources that are not query parameters. */
struct list_ctx {
    struct page pg;
    const char *who[3]; /* audit_who, filled when first asked */
    int have_who;
};

static const char *list_source(struct req *r, struct list_ctx *c, const char *from)
{
    if (from[0] != '@')
        return req_query_get(r, from);
    const char *what = from + 1;
    if (!strcmp(what, "id"))
        return req_param(r, "id");
    if (!strcmp(what, "scope"))
        return r->principal.role == ROLE_ADMIN ? NULL : r->principal.scope_id;
    if (!strcmp(what, "hub"))
        return r->principal.hub_id[0] ? r->principal.hub_id : NULL;
    if (!strcmp(what, "key"))
        return r->principal.key_id[0] ? r->principal.key_id : NULL;
    if (!strcmp(what, "tz"))
        return handlers_config()->tz;
    if (!strcmp(what, "micros"))
        return c->pg.cursor_micros;
    if (!strcmp(what, "after"))
        return c->pg.cursor_id;
    if (!strcmp(what, "limit"))
        return c->pg.limit_plus_one;
    int w = !strcmp(what, "actor")     ? 0
            : !strcmp(what, "route")   ? 1
            : !strcmp(what, "request") ? 2
                                       : -1;
    if (w < 0) {
        log_error("list: unknown source %s", from);
        abort();
    }
    if (!c->have_who) {
        audit_who(r, c->who);
        c->have_who = 1;
    }
    return c->who[w];
}

/* Appends the values of c's sources to p at *n. */
static void list_put(struct req *r, struct list_ctx *c, const struct list_cond *cond,
                     const char **p, int *n)
{
    for (int i = 0; i < LIST_SOURCES && cond->from[i]; i++)
        p[(*n)++] = list_source(r, c, cond->from[i]);
}

int list_check(struct req *r, const struct list_desc *d)
{
    return req_check_query(r, d->query, 1);
}

void list_answer(struct req *r, const struct list_desc *d)
{
    struct list_ctx c;
    memset(&c, 0, sizeof c);
    req_page(r, &c.pg);
    size_t nf = list_nfilters(d);
    /* Which filters are present: those whose first source has a value. */
    uint32_t mask = 0;
    for (size_t i = 0; i < nf; i++)
        if (list_source(r, &c, d->filters[i].from[0]))
            mask |= UINT32_C(1) << i;
    int after = c.pg.cursor_micros != NULL;
    enum scope_role role = r->principal.role;
    const struct list_variant *v = list_variant(d, role, mask, after);
    const char **p = arena_alloc(&r->arena, (size_t)(v->nparams + 1) * sizeof *p);
    int n = 0;
    if (d->scope[role].sql)
        list_put(r, &c, &d->scope[role], p, &n);
    for (size_t i = 0; i < nf; i++)
        if (mask & (UINT32_C(1) << i))
            list_put(r, &c, &d->filters[i], p, &n);
    if (after)
        list_put(r, &c, &d->after, p, &n);
    list_put(r, &c, &d->tail, p, &n);
    PGresult *res = list_exec(r, &v->stmt, n, p);
    if (res)
        req_reply_page(r, res, &c.pg, PQfnumber(res, "json"), PQfnumber(res, "micros"),
                       PQfnumber(res, "id"));
}

void list_page(struct req *r, const struct list_desc *d)
{
    if (list_check(r, d) == 0)
        list_answer(r, d);
}
