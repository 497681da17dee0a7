/* The skeleton of a sub-collection: items that belong to one parent record and are reached
 * through it, /v1/reviews/{id}/<name>[/{item_id}] (team, evidence, findings, actions, best
 * practices) and /v1/people/{id}/<name>[/{item_param}] (conflicts, unavailability). Each is a
 * descriptor (struct subcollection) and one list / get / create / update / delete serves them
 * all; what a sub-collection decides for itself (eligibility, who records evidence, the
 * evidence a finding cites, …) is its check and before_delete functions.
 *
 * Statements are named by handle (a pointer into the sub-collection's own statement table, so
 * a wrong name does not compile), their parameters by name ($id, the item; $review_id or
 * $person_id, the parent; $<field> for each writable field of the body) and their result
 * columns by name: json (the representation), version (absent for items that are never edited:
 * no ETag then), id, and micros (a list's keyset, with id). */
#ifndef SPP_SUBCOLLECTION_H
#define SPP_SUBCOLLECTION_H

#include "db.h"
#include "list.h"
#include "req.h"

/* Whose items they are, which decides how scope is asked. */
enum subcollection_owner {
    /* The path's review: reviews_load, READ to read and the descriptor's act to change; every
     * change runs with the review row locked, items are versioned and changed under If-Match. */
    SUBCOLLECTION_OF_REVIEW,
    /* The path's person: resource_person_detail with the descriptor's kind; items are created
     * and deleted, never edited, and the list takes the four scope filters. */
    SUBCOLLECTION_OF_PERSON,
};

struct subcollection;

/* What a create or a PATCH is about to write, for the descriptor's check. */
struct subcollection_write {
    const struct subcollection *s;
    const char *parent_id; /* the path's {id} */
    const char *item_id;   /* NULL on a create */
    const char *current;   /* the item's JSON text before a PATCH; NULL on a create */
    const json_t *item;    /* the item as it will be: the body, or the body merged (borrowed) */
    struct db_arg *args;   /* the writable fields' values, by field name (subcollection_param) */
    int nargs;
};

struct subcollection {
    enum subcollection_owner owner;
    enum review_act act;    /* OF_REVIEW: what creating, changing and deleting an item take */
    enum scope_kind kind;   /* OF_PERSON: SCOPE_CONFLICT or SCOPE_PERSON_DETAIL */
    const char *item_param; /* the path parameter that names one item */
    /* The body's fields: the writable ones are the $<field> values of insert and update, in
     * any order. */
    const struct vfield *fields;
    /* The page of the parent's items (list.h): the path's {id} is the parent; an OF_PERSON
     * list also applies the caller's scope through the person's chain. */
    const struct list_desc *list;
    /* The parent is $review_id (OF_REVIEW) or $person_id (OF_PERSON), the item $id. */
    const struct db_stmt *get;    /* ($id, parent) -> json [, version] */
    const struct db_stmt *lock;   /* the same FOR UPDATE; NULL for items never edited */
    const struct db_stmt *insert; /* (parent, $<field>…) -> json [, version], id */
    const struct db_stmt *update; /* ($id, parent, $<field>…) -> json, version; NULL: none */
    const struct db_stmt *remove; /* ($id, parent) */
    /* The sub-collection's own rules on a create or PATCH, run once the body is valid and the
     * values are set; may replace values (subcollection_param). NULL: none. Returns 0, or -1
     * after answering. */
    int (*check)(struct req *r, struct subcollection_write *w);
    /* Before a delete (the item loaded, and locked when it has a lock): 0, or -1 after
     * answering. NULL: none. */
    int (*before_delete)(struct req *r, const char *parent_id, const char *item_id);
};

/* The handlers, each for the path's parent and item. */
void subcollection_list(struct req *r, const struct subcollection *s);
void subcollection_get(struct req *r, const struct subcollection *s);
void subcollection_create(struct req *r, const struct subcollection *s);
void subcollection_update(struct req *r, const struct subcollection *s);
void subcollection_delete(struct req *r, const struct subcollection *s);

/* The value of the writable field named field, to read or replace (with a string the request
 * owns). A field that is not a writable one of the descriptor is a bug: aborts. */
const char **subcollection_param(struct subcollection_write *w, const char *field);
/* 1 on a create, where every field is new; on a PATCH, whether it sets field to another value
 * (resource_changes). */
int subcollection_changes(const struct req *r, const struct subcollection_write *w,
                          const char *field);

#endif
