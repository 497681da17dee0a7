/* One skeleton for every list (list.h). A variant's key is (role, the page size when it is a
 * usual one, the filters present, cursor or not); its statement is built once by
 * sqlvariant_build and kept, so a request that finds its variant does no more than an atomic
 * load.
 *
 * Why the page size: PostgreSQL costs a generic plan whose LIMIT is a parameter as if it fetched
 * a tenth of the rows, so it would keep planning every call anew (a custom plan) although the
 * generic plan is the same index walk. A usual page size is therefore written into the variant
 * as a number (the tail's $limit, sqlvariant_inline), and the generic plan is costed for the
 * rows it fetches. Other sizes keep the parameter (custom plans, as before), so
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
#include "sqlparams.h"
#include "sqlvariant.h"
#include "xalloc.h"

/* Statement text of a variant at most this long (the longest list is under 2 KiB). */
#define LIST_SQL_MAX 8192
/* A parameter name at most this long, its NUL included. */
#define LIST_NAME_MAX 64

struct list_variant {
    struct db_stmt stmt; /* name and SQL, both owned */
    int nnames;
    char **names;  /* the statement's parameter names (owned), in order of first occurrence */
    int *specials; /* of each name: its enum list_special, or LIST_QUERY for a query parameter */
};

/* The names a list's fragments take their values from besides its query parameters (list.h). */
enum list_special {
    LIST_ID,
    LIST_SCOPE,
    LIST_HUB,
    LIST_KEY,
    LIST_TZ,
    LIST_MICROS,
    LIST_AFTER,
    LIST_LIMIT,
    LIST_AUDIT_ACTOR,
    LIST_AUDIT_ROUTE,
    LIST_AUDIT_REQUEST,
    LIST_QUERY, /* not one of them: the query parameter of that name */
};
static const char *const list_specials[LIST_QUERY] = {
    [LIST_ID] = "id",
    [LIST_SCOPE] = "scope",
    [LIST_HUB] = "hub",
    [LIST_KEY] = "key",
    [LIST_TZ] = "tz",
    [LIST_MICROS] = "micros",
    [LIST_AFTER] = "after",
    [LIST_LIMIT] = "limit",
    [LIST_AUDIT_ACTOR] = "audit_actor",
    [LIST_AUDIT_ROUTE] = "audit_route",
    [LIST_AUDIT_REQUEST] = "audit_request",
};

/* The enum list_special of name. */
static int list_special(const char *name)
{
    int k = 0;
    while (k < LIST_QUERY && strcmp(list_specials[k], name) != 0)
        k++;
    return k;
}

/* 1 when name is one of the descriptor's query parameters. */
static int list_queried(const struct list_desc *d, const char *name)
{
    for (const struct vfield *f = d->query; f && f->name; f++)
        if (!strcmp(f->name, name))
            return 1;
    return 0;
}

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
    while (d->filters && d->filters[n])
        n++;
    return n;
}

/* A descriptor whose query parameter has a reserved name (list_specials) or whose filter names
 * no parameter is a bug: aborts. */
static void list_check_desc(const struct list_desc *d)
{
    for (const struct vfield *f = d->query; f && f->name; f++)
        if (list_special(f->name) != LIST_QUERY) {
            log_error("list %s: query parameter %s has a reserved name", d->name, f->name);
            abort();
        }
    for (size_t i = 0; i < list_nfilters(d); i++) {
        char name[LIST_NAME_MAX];
        if (sqlvariant_first(d->filters[i], name, sizeof name) <= 0) {
            log_error("list %s: filter %zu names no parameter", d->name, i);
            abort();
        }
    }
}

/* Builds the variant for key: the role's scope, the filters of mask, the cursor when `after`. */
static struct list_variant *list_make(const struct list_desc *d, enum scope_role role,
                                      unsigned lslot, uint32_t mask, int after, unsigned key)
{
    list_check_desc(d);
    size_t nf = list_nfilters(d);
    const char *conds[SQLVARIANT_MAX_CONDS];
    uint32_t present = 0;
    size_t n = 0;
    if (d->scope[role])
        present |= UINT32_C(1) << n;
    conds[n++] = d->scope[role];
    for (size_t i = 0; i < nf; i++) {
        if (mask & (UINT32_C(1) << i))
            present |= UINT32_C(1) << n;
        conds[n++] = d->filters[i];
    }
    if (after)
        present |= UINT32_C(1) << n;
    conds[n++] = d->after;
    /* A usual page size goes into the tail as a number. */
    const char *tail = d->tail;
    char fixed[LIST_SQL_MAX], digits[24];
    if (lslot) {
        snprintf(digits, sizeof digits, "%ld", list_limits[lslot - 1] + 1);
        if (sqlvariant_inline(tail, list_specials[LIST_LIMIT], digits, fixed, sizeof fixed) < 0) {
            log_error("list %s: the tail does not take the limit", d->name);
            abort();
        }
        tail = fixed;
    }
    char *sql = xmalloc(LIST_SQL_MAX);
    if (sqlvariant_build(d->select, conds, n, present, tail, sql, LIST_SQL_MAX) < 0) {
        log_error("list %s: variant %u does not build", d->name, key);
        abort();
    }
    /* The names db.c will number (the same rewrite), each with where its value comes from. */
    struct sqlparams_parsed parsed;
    if (sqlparams_parse(sql, &parsed) < 0) {
        log_error("list %s: variant %u has malformed parameter names", d->name, key);
        abort();
    }
    struct list_variant *v = xcalloc(1, sizeof *v);
    v->nnames = parsed.nnames;
    v->names = parsed.names;
    v->specials = xcalloc((size_t)v->nnames + 1, sizeof *v->specials);
    for (int k = 0; k < v->nnames; k++) {
        v->specials[k] = list_special(v->names[k]);
        if (v->specials[k] == LIST_QUERY && !list_queried(d, v->names[k])) {
            log_error("list %s: no value for $%s", d->name, v->names[k]);
            abort();
        }
    }
    free(parsed.sql); /* the names stay with v; db.c numbers the text itself */
    char name[64];
    snprintf(name, sizeof name, "%s_v%u", d->name, key);
    v->stmt.name = xstrdup(name);
    v->stmt.sql = sql;
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

/* What a request gives the names that are not query parameters. */
struct list_ctx {
    struct page pg;
    const char *who[3]; /* resource_audit_who, filled when first asked */
    int have_who;
};

/* The value of the parameter name for this request; special is list_special(name). */
static const char *list_value(struct req *r, struct list_ctx *c, int special, const char *name)
{
    switch (special) {
    case LIST_ID:
        return req_param(r, "id");
    case LIST_SCOPE:
        return r->principal.role == ROLE_ADMIN ? NULL : r->principal.scope_id;
    case LIST_HUB:
        return r->principal.hub_id[0] ? r->principal.hub_id : NULL;
    case LIST_KEY:
        return r->principal.key_id[0] ? r->principal.key_id : NULL;
    case LIST_TZ:
        return system_config()->tz;
    case LIST_MICROS:
        return c->pg.cursor_micros;
    case LIST_AFTER:
        return c->pg.cursor_id;
    case LIST_LIMIT:
        return c->pg.limit_plus_one;
    case LIST_AUDIT_ACTOR:
    case LIST_AUDIT_ROUTE:
    case LIST_AUDIT_REQUEST:
        if (!c->have_who) {
            resource_audit_who(r, c->who);
            c->have_who = 1;
        }
        return c->who[special - LIST_AUDIT_ACTOR];
    default:
        return req_query_get(r, name);
    }
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
    /* Which filters are present: those whose first name has a value. */
    uint32_t mask = 0;
    for (size_t i = 0; i < nf; i++) {
        char name[LIST_NAME_MAX];
        if (sqlvariant_first(d->filters[i], name, sizeof name) > 0 &&
            list_value(r, &c, list_special(name), name))
            mask |= UINT32_C(1) << i;
    }
    int after = c.pg.cursor_micros != NULL;
    enum scope_role role = r->principal.role;
    const struct list_variant *v = list_variant(d, role, list_limit_slot(c.pg.limit), mask, after);
    struct db_arg *args = arena_alloc(&r->arena, (size_t)(v->nnames + 1) * sizeof *args);
    for (int k = 0; k < v->nnames; k++)
        args[k] = (struct db_arg){v->names[k], list_value(r, &c, v->specials[k], v->names[k])};
    /* req_db prepares the variant on a connection the first time it runs there (db.h). */
    PGresult *res = req_db(r, &v->stmt, v->nnames, args);
    if (res)
        req_reply_page(r, res, &c.pg, d->fields);
}

void list_page(struct req *r, const struct list_desc *d)
{
    if (list_check(r, d) == 0)
        list_answer(r, d);
}
