/* One skeleton for every list (list.h). A variant's key is (role, the page size when it is a
 * usual one, the filters present, cursor or not); its statement is built once by
 * sqlvariant_build and kept, so a request that finds its variant does no more than an atomic
 * load.
 *
 * Why the page size: PostgreSQL costs a generic plan whose LIMIT is a parameter as if it fetched
 * a tenth of the rows, so it would keep planning every call anew (a custom plan) although the
 * generic plan is the same index walk. A usual page size is therefore written into the variant
 * as a number (the descriptor's "@limit" source, sqlvariant_inline), and the generic plan is
 * costed for the rows it fetches. Other sizes keep the parameter (custom plans, as before), so
 * that a connection holds at most LIST_LIMITS + 1 variants of each combination. */
#include "list.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "handlers.h"
#include "resource.h"
#include "log.h"
#include "sqlvariant.h"
#include "xalloc.h"

/* Statement text of a variant at most this long (the longest list is under 2 KiB). */
#define LIST_SQL_MAX 8192

struct list_variant {
    struct db_stmt stmt; /* name and SQL, both owned */
    int nparams;
    int fixed_limit; /* the page's limit + 1 is written in the SQL: "@limit" takes no parameter */
};

/* The page sizes written into their variants (the default is 50; the rest are the usual ones). */
static const long list_limits[] = {10, 20, 25, 50, 100, 200};
#define LIST_LIMITS (sizeof list_limits / sizeof list_limits[0])

/* 1 + the index of limit in list_limits, or 0 when it is not a usual size. */
static unsigned list_limit_slot(long limit)
{
    for (size_t i = 0; i < LIST_LIMITS; i++)
        if (list_limits[i] == limit)
            return (unsigned)i + 1;
    return 0;
}

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
                                      unsigned lslot, uint32_t mask, int after, unsigned key)
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
    /* A usual page size goes into the tail as a number. */
    const char *tail = d->tail.sql;
    char fixed[LIST_SQL_MAX], digits[24];
    if (lslot) {
        int k = 0;
        for (int i = 0; i < LIST_SOURCES && d->tail.from[i]; i++)
            if (!strcmp(d->tail.from[i], "@limit"))
                k = i + 1;
        snprintf(digits, sizeof digits, "%ld", list_limits[lslot - 1] + 1);
        if (!k || sqlvariant_inline(tail, k, digits, fixed, sizeof fixed) < 0) {
            log_error("list %s: the tail does not take the limit", d->name);
            abort();
        }
        tail = fixed;
    }
    char *sql = xmalloc(LIST_SQL_MAX);
    int nparams = sqlvariant_build(d->select, conds, n, present, tail, sql, LIST_SQL_MAX);
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
    v->fixed_limit = lslot != 0;
    return v;
}

/* The variant for (role, the limit's slot, mask, after), made on first use. */
static const struct list_variant *list_variant(const struct list_desc *d, enum scope_role role,
                                               unsigned lslot, uint32_t mask, int after)
{
    size_t nf = list_nfilters(d);
    unsigned key =
        (((unsigned)role * (LIST_LIMITS + 1) + lslot) << (nf + 1)) | (mask << 1) | (unsigned)after;
    _Atomic(struct list_variant *) *slots = atomic_load(&d->variants->slots);
    struct list_variant *v = slots ? atomic_load(&slots[key]) : NULL;
    if (v)
        return v;
    pthread_mutex_lock(&list_lock);
    slots = atomic_load(&d->variants->slots);
    if (!slots) {
        slots = xcalloc((size_t)5 * (LIST_LIMITS + 1) << (nf + 1), sizeof *slots);
        atomic_store(&d->variants->slots, slots);
    }
    v = atomic_load(&slots[key]);
    if (!v) {
        v = list_make(d, role, lslot, mask, after, key);
        atomic_store(&slots[key], v);
    }
    pthread_mutex_unlock(&list_lock);
    return v;
}

/* What a request gives the sources that are not query parameters. */
struct list_ctx {
    struct page pg;
    const char *who[3]; /* resource_audit_who, filled when first asked */
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
        return system_config()->tz;
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
        resource_audit_who(r, c->who);
        c->have_who = 1;
    }
    return c->who[w];
}

/* Appends the values of c's sources to p at *n; "@limit" only when it is not written in the
 * variant. */
static void list_put(struct req *r, struct list_ctx *c, const struct list_cond *cond,
                     int fixed_limit, const char **p, int *n)
{
    for (int i = 0; i < LIST_SOURCES && cond->from[i]; i++)
        if (!fixed_limit || strcmp(cond->from[i], "@limit") != 0)
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
    const struct list_variant *v = list_variant(d, role, list_limit_slot(c.pg.limit), mask, after);
    const char **p = arena_alloc(&r->arena, (size_t)(v->nparams + 1) * sizeof *p);
    int n = 0;
    if (d->scope[role].sql)
        list_put(r, &c, &d->scope[role], 0, p, &n);
    for (size_t i = 0; i < nf; i++)
        if (mask & (UINT32_C(1) << i))
            list_put(r, &c, &d->filters[i], 0, p, &n);
    if (after)
        list_put(r, &c, &d->after, 0, p, &n);
    list_put(r, &c, &d->tail, v->fixed_limit, p, &n);
    if (n != v->nparams) {
        log_error("list %s: %d parameters for a statement that takes %d", d->name, n, v->nparams);
        abort();
    }
    /* req_db prepares the variant on a connection the first time it runs there (db.h). */
    PGresult *res = req_db(r, &v->stmt, n, p);
    if (res)
        req_reply_page(r, res, &c.pg, d->fields);
}

void list_page(struct req *r, const struct list_desc *d)
{
    if (list_check(r, d) == 0)
        list_answer(r, d);
}
