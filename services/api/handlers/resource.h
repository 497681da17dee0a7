/* What the resource handlers share beyond req.h: merge-patch, turning a JSON object into
 * statement parameters, and loading the owner chain of a referenced record. */
#ifndef SPP_RESOURCE_H
#define SPP_RESOURCE_H

#include "db.h"
#include "req.h"

/* The statements behind resource_chain and resource_person_live; each takes $id. */
enum { PERSON_ERASED, CHAIN_HUB, CHAIN_PARTNERSHIP, CHAIN_SCHOOL, CHAIN_PERSON };
extern const struct db_stmt resource_statements[];

/* Applies r->json as an RFC 7396 merge patch onto the JSON text current; returns the merged
 * object (new reference). */
json_t *resource_merge(const char *current, const json_t *patch);
/* Writes one statement value per writable field of fields (read-only ones skipped) from obj,
 * named by the field's name, so that the statement says `$name` where it writes the field and
 * the table's order does not matter: strings as they are, booleans "true"/"false", integers in
 * decimal, objects and arrays as JSON text, absent or null as NULL. Every string is a copy in
 * the request's arena, so obj may be freed before the values are used. args has room for room
 * entries: a table with more writable fields writes none past it and answers 500 (-1).
 * Returns the count. */
int resource_args(struct req *r, const struct vfield *fields, const json_t *obj,
                  struct db_arg *args, size_t room);
/* The number of writable fields of fields: the values resource_args writes. */
size_t resource_writable(const struct vfield *fields);
/* Loads the owner chain of the record id of kind (hub, partnership, school or person).
 * Returns 1 when it exists and the caller may see it, 0 when not (nothing answered), -1 after
 * answering a database error. */
int resource_chain(struct req *r, enum scope_kind kind, const char *id, struct scope_owner *o);
/* The prologue of work started on a partnership (compile a digest, plan reviews): 403 with
 * `forbidden` for school and person keys, 404 for a partnership the key cannot see. Returns 0
 * when the caller may go on, -1 after answering. */
int resource_partnership_work(struct req *r, const char *partnership_id, const char *forbidden);
/* Checks that the member field of body, when set, names a kind record the caller can see;
 * adds a problem to errors otherwise. Fills o (may be NULL) with its chain. Returns -1 only
 * after answering a database error. */
int resource_ref(struct req *r, const json_t *body, const char *field, enum scope_kind kind,
                 struct scope_owner *o, json_t *errors);
/* 1 when patch sets field to another value than the JSON text current holds. References a
 * PATCH leaves as they were are not checked again, so a client may send back what it read. */
int resource_changes(const char *current, const json_t *patch, const char *field);
/* Answers 403 and returns -1 when the caller's role may never take op on kind, wherever the
 * resource is, so that "a school creating a partnership" is refused before its body is read. */
int resource_role_may(struct req *r, enum scope_kind kind, enum scope_op op);
/* Runs stmt with its n values args (DB_ARGS): 404 `not_found` with the detail missing when it
 * returns no row. Returns the result (owned by the request) or NULL after answering. */
PGresult *resource_row(struct req *r, const struct db_stmt *stmt, int n, const struct db_arg *args,
                       const char *missing);
/* Runs stmt with the path's {id} as $id: 404 when there is no such row. Returns the result
 * (owned by the request) or NULL after answering. */
PGresult *resource_fetch(struct req *r, const struct db_stmt *stmt);
/* Runs stmt (a single-resource statement taking $id, with the owner chain in columns hub_id,
 * partnership_id, school_id, person_id: req_owner_from_row) for the path's {id}, answers
 * 404 when there is no such row and 404/403 when the caller may not take op on it. Returns the
 * result (owned by the request) or NULL after answering. */
PGresult *resource_load(struct req *r, const struct db_stmt *stmt, enum scope_kind kind,
                        enum scope_op op);
/* The path's person ({id}) must exist and be seen by the caller: 404 otherwise. Fills o (may
 * be NULL) with its chain. Returns 0, or -1 after answering. */
int resource_person(struct req *r, struct scope_owner *o);
/* For a person's sub-collections (kind SCOPE_CONFLICT or SCOPE_PERSON_DETAIL): checks that
 * the path's person exists and the caller sees it (else 404) and may take op on that kind of
 * detail (else 403). Returns -1 after answering. */
int resource_person_detail(struct req *r, enum scope_kind kind, enum scope_op op);
/* 409 `conflict` when person_id names an erased person's tombstone (DESIGN 1.4: nothing new,
 * a booking, a conflict, an unavailability, is recorded for them). Returns 0, or -1 after
 * answering. */
int resource_person_live(struct req *r, const char *person_id);
/* Answers 422 validation_failed with errors when it is not empty (and returns -1); frees it. */
int resource_errors(struct req *r, json_t *errors);
/* A record's representation is written by req_row_json from the columns of its fields
 * (rowjson.h), or is the text of column json when fields is NULL (a resource whose SQL function
 * still writes it). */
struct rowjson_field;
/* Answers 201 for a create whose statement returned the record's representation (fields), its
 * version and id: Location is the collection posted to plus the new id, with the ETag. */
void resource_created(struct req *r, const PGresult *res, const struct rowjson_field *fields);
/* Answers status with a single resource: the representation of row (fields) and the ETag of
 * column version when the result has one. */
void resource_reply(struct req *r, int status, const PGresult *res, int row,
                    const struct rowjson_field *fields);
/* The representation of row of res (fields) as text in the request's arena, for a merge patch
 * or a comparison; NULL after answering 500 (a statement that lacks a column). */
const char *resource_json(struct req *r, const PGresult *res, int row,
                          const struct rowjson_field *fields);
/* Fills who with the access audit's actor (the key id, "bootstrap" for the bootstrap admin
 * token), route ("GET /v1/people/{id}") and request id, in that order, for the last three
 * parameters of an audited statement (DESIGN §1.4; the list of them is audit.c's). The strings
 * belong to the request. */
void resource_audit_who(struct req *r, const char *who[3]);
/* The same three as statement values named actor, route and request_id ($actor, $route,
 * $request_id in an audited statement). Returns 3, the count written. */
int resource_audit_args(struct req *r, struct db_arg args[3]);

#endif
