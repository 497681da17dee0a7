/* The skeleton of every list: GET of a collection, a keyset page of up to `limit` items in a
 * fixed order, scoped to the caller and narrowed by the query's filters. A list is a descriptor
 * (struct list_desc): the base SELECT, the scope condition per role, the filters (query parameter
 * → SQL condition), the cursor's keyset condition and the order. list_page checks the query
 * (422), fills the parameters by name and runs the statement for exactly the conditions present:
 * one prepared statement per combination (common/sqlvariant.h), built on first use and kept for
 * the life of the process, so that PostgreSQL's generic plan for it is an index walk instead of
 * the full scan that `($n IS NULL OR col = $n)` gave.
 *
 * Every condition is a fixed fragment written here, never user text; its parameters are numbered
 * locally $1..$k and take the values of its sources, in order. A source is a query parameter's
 * name, or one of: "@id" the path's {id}; "@scope" the caller's scope id (its hub, partnership,
 * school or person); "@hub" the hub above the caller (NULL when none); "@key" the caller's api
 * key id; "@tz" the schedules' time zone; "@micros" and "@after" the cursor's position; "@limit"
 * the page's limit + 1; "@actor", "@route", "@request" the access audit's caller (audit_who). */
#ifndef SPP_LIST_H
#define SPP_LIST_H

#include "req.h"
#include "rowjson.h"

#define LIST_SOURCES 4

struct list_cond {
    const char *sql; /* NULL: no condition */
    const char *from[LIST_SOURCES];
};

/* Scope conditions for a role: all rows, no row, or rows whose column is the caller's scope.
 * (Kept on one line each: clang-format would spread them over six.) */
// clang-format off
#define LIST_ALL     {NULL, {NULL}}
#define LIST_NONE    {"false", {NULL}}
#define LIST_ON(col) {col " = $1", {"@scope"}}
/* Admin sees all; each other role the rows whose column in the chain (hub, partnership, school,
 * person) is its scope id. A role that sees none of the records writes its scope out with
 * LIST_NONE instead. */
#define LIST_CHAIN(hub, partnership, school, person)                                               \
    {LIST_ALL, LIST_ON(hub), LIST_ON(partnership), LIST_ON(school), LIST_ON(person)}
/* Every role: for lists whose parent's check (404/403) is their scope. */
#define LIST_SCOPE_ANY {LIST_ALL, LIST_ALL, LIST_ALL, LIST_ALL, LIST_ALL}
// clang-format on
/* Through a person's chain (a record joined to people pe, schools s, partnerships p). */
#define LIST_SCOPE_PERSON LIST_CHAIN("p.hub_id", "s.partnership_id", "pe.school_id", "pe.id")
/* People pe, their schools s and partnerships p, joined to alias a's person_id. */
#define LIST_PERSON_JOINS(a)                                                                       \
    " JOIN people pe ON pe.id = " a ".person_id JOIN schools s ON s.id = pe.school_id "            \
    "LEFT JOIN partnerships p ON p.id = s.partnership_id"

/* The descriptor of a list of the path's parent's items, oldest first: from is the FROM clause
 * with the items' table as alias a, json the items' representation function, parent the column
 * that must be the path's {id}, scope one of the LIST_SCOPE_ macros, store the descriptor's
 * struct list_variants. */
#define LIST_ITEMS(lname, json, from, a, parent, scope_, store)                                    \
    {                                                                                              \
        .name = lname,                                                                             \
        .select = "SELECT " json "(" a ")::text AS json, spp_micros(" a                            \
                  ".created_at) AS micros, " a ".id FROM " from,                                   \
        .scope = scope_,                                                                           \
        .filters = (const struct list_cond[]){{parent " = $1", {"@id"}}, {NULL, {NULL}}},          \
        .after = {"(" a ".created_at, " a ".id) > (spp_from_micros($1), $2::uuid)",                \
                  {"@micros", "@after"}},                                                          \
        .tail = {"ORDER BY " a ".created_at, " a ".id LIMIT $1", {"@limit"}}, .variants = &(store) \
    }

/* The variants of one list by key (role, usual page size or not, filters present, cursor or
 * not), made on first use and kept for the life of the process; list.c owns them. A descriptor
 * points at a zeroed one of its own. */
struct list_variant;
struct list_variants {
    _Atomic(struct list_variant *) *_Atomic slots;
};

struct list_desc {
    const char *name; /* the statements are named <name>_v<n> */
    /* SELECT <json> AS json, <keyset micros> AS micros, <id> AS id FROM …: no WHERE, no
     * parameter. With fields, the select names the fields' columns instead of json. */
    const char *select;
    /* NULL: each item is the row's json column (the resource's representation function).
     * Else the items are written in C from these columns (rowjson.h), which must give the same
     * bytes as the resource's function: PostgreSQL then reads the rows and builds no JSON. */
    const struct rowjson_field *fields;
    struct list_cond scope[5];  /* by enum scope_role; a role's condition always applies */
    const struct vfield *query; /* the query parameters allowed besides limit and cursor */
    /* Conditions each present when its first source has a value, ended by a NULL sql. */
    const struct list_cond *filters;
    struct list_cond after; /* the keyset past the cursor: ("@micros", "@after") */
    /* ORDER BY … LIMIT $1 ("@limit") and whatever follows the page's query. */
    struct list_cond tail;
    struct list_variants *variants; /* a zeroed struct of the descriptor's own */
};

/* Checks the query against the descriptor (422 with every bad or unknown parameter). Returns 0,
 * or -1 after answering. */
int list_check(struct req *r, const struct list_desc *d);
/* Runs the page's statement and answers 200 with the page (or the database's problem). */
void list_answer(struct req *r, const struct list_desc *d);
/* list_check, then list_answer: a list with no rule of its own in between. */
void list_page(struct req *r, const struct list_desc *d);

#endif
