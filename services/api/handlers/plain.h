/* The skeleton of a plain resource: a top-level collection /v1/<name>[/{id}] whose records sit
 * in the owner chain (hubs, partnerships, schools, people). Each is a descriptor (struct
 * resource_desc) and one list / get / create / patch / delete serves them all; what a resource
 * decides for itself (a partnership's phase, a hub's summary) stays in its own file around
 * plain_load.
 *
 * Statements are named by handle (a pointer into the resource's own statement table, so a
 * wrong name does not compile), their parameters by name ($id, the record's id; $<field> for
 * each writable field of the body; $actor, $route, $request_id for an audited change) and their
 * result columns by name: the representation (the columns of its fields, or json), version, id (of
 * a created record), micros (a list's keyset, with id) and the owner chain hub_id, partnership_id,
 * school_id, person_id (req_owner_from_row). */
#ifndef SPP_PLAIN_H
#define SPP_PLAIN_H

#include "db.h"
#include "list.h"
#include "req.h"

struct resource_desc {
    enum scope_kind kind; /* SCOPE_HUB, SCOPE_PARTNERSHIP, SCOPE_SCHOOL or SCOPE_PERSON */
    /* The body's fields: the writable ones are the $<field> values of insert and update, in
     * any order. */
    const struct vfield *fields;
    const struct list_desc *list; /* the collection's page (list.h) */
    /* The representation: the columns get, lock, insert and update return for it and how
     * each becomes JSON (rowjson.h), NULL when they return it whole as column json. */
    const struct rowjson_field *json;
    const struct db_stmt *get;    /* ($id) -> the representation, version, the owner chain */
    const struct db_stmt *lock;   /* the same FOR UPDATE */
    const struct db_stmt *insert; /* ($<field>…) -> the representation, version, id */
    const struct db_stmt *update; /* ($id, $<field>…) -> the representation, version */
    const struct db_stmt *remove; /* ($id) */
    /* Refuse a create by role alone (resource_role_may) before the body is read. */
    int role_gate;
    /* The body's reference to the record above (partnership_id, hub_id) and its kind; NULL for
     * a record with none above it (a hub: its create takes an empty chain). Moving a record
     * takes the rights to remove it from where it is and to create it where it lands. */
    const char *parent_field;
    enum scope_kind parent_kind;
    /* A field naming a person who must be within the record (its lead contact), and the
     * problem's detail when not; NULL: none. A new record has no people, so any is refused. */
    const char *member_field;
    const char *member_detail;
    /* Changes are audited (a person's, DESIGN §1.4): insert, update and remove also take
     * resource_audit_args's $actor, $route and $request_id, for the audit row their statement
     * writes. */
    int audited;
    /* A boolean column of lock marking a tombstone (an erased person): a PATCH of one answers
     * 409 `conflict` with frozen_detail before anything else is checked. NULL: none. */
    const char *frozen_column;
    const char *frozen_detail;
    /* What a resource adds to a write, called after every check above with the object about
     * to be written: on a create a copy of the body (cur NULL), on a PATCH the merged record
     * (cur the locked row). It may complete obj (a person's full preferences map) or refuse
     * (answering, and returning -1). NULL: none. */
    int (*before_write)(struct req *r, const PGresult *cur, json_t *obj);
};

/* The handlers, each for the path's {id} where they take one. */
void plain_list(struct req *r, const struct resource_desc *d);
void plain_get(struct req *r, const struct resource_desc *d);
void plain_create(struct req *r, const struct resource_desc *d);
void plain_update(struct req *r, const struct resource_desc *d);
void plain_delete(struct req *r, const struct resource_desc *d);

/* Loads the path's record (locked when lock is set): 404 when there is none, 404/403 when the
 * caller may not take op on it. Returns the result (owned by the request) or NULL after
 * answering. */
PGresult *plain_load(struct req *r, const struct resource_desc *d, int lock, enum scope_op op);
/* Answers 200 with the record of res (get, lock, insert or update): its representation and
 * ETag. */
void plain_reply(struct req *r, const struct resource_desc *d, const PGresult *res);

#endif
