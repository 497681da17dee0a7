/* The text of one statement variant: a query whose optional conditions are left out when absent
 * instead of being written `($n IS NULL OR col = $n)`, so that PostgreSQL's generic plan for the
 * variant is the plan for exactly the conditions it has (an index walk, not a full scan that it
 * re-plans on every call). Pure: no I/O, no allocation but the caller's buffer.
 *
 * Every piece is a fixed SQL fragment from the program (never user text) that names its
 * parameters, `$name` (common/sqlparams.h: db.c numbers the names when it prepares the
 * statement), so the pieces are put together as they are: a name that several pieces write is
 * one parameter, and the caller passes the values by name. A fragment writes `$` only to start a
 * parameter's name: no numbered parameter, no dollar quoting, no `$` in a literal. */
#ifndef SPP_SQLVARIANT_H
#define SPP_SQLVARIANT_H

#include <stddef.h>
#include <stdint.h>

/* At most this many conditions in one build (bits of the presence mask). */
#define SQLVARIANT_MAX_CONDS 32

/* Copies the name of fragment's first parameter (without its `$`) to name, of size bytes.
 * Returns the name's length, 0 when fragment is NULL or names no parameter, or -1 when fragment
 * is malformed (a `$` that does not start a name) or name is too small. */
int sqlvariant_first(const char *fragment, char *name, size_t size);

/* Writes head, then " WHERE " and the conditions conds[i] whose bit i is set in present joined by
 * " AND " (each in parentheses; nothing when none is present), then " " and tail (NULL: none),
 * every fragment as it is. Returns the length written, or -1 when a fragment kept is malformed or
 * missing, nconds exceeds SQLVARIANT_MAX_CONDS or out (of outlen bytes) is too small. */
int sqlvariant_build(const char *head, const char *const *conds, size_t nconds, uint32_t present,
                     const char *tail, char *out, size_t outlen);

/* Writes fragment with every `$name` replaced by the decimal number digits, for a value that is
 * fixed in a variant (a page's LIMIT, so that the generic plan is costed for the rows it
 * fetches). Returns how many times name occurs, or -1 when fragment is malformed, name is not
 * one of its parameters, digits is not 1 to 9 decimal digits or out (of outlen bytes) is too
 * small. */
int sqlvariant_inline(const char *fragment, const char *name, const char *digits, char *out,
                      size_t outlen);

#endif
