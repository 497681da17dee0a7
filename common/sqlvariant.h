/* The text of one statement variant: a query whose optional conditions are left out when absent
 * instead of being written `($n IS NULL OR col = $n)`, so that PostgreSQL's generic plan for the
 * variant is the plan for exactly the conditions it has (an index walk, not a full scan that it
 * re-plans on every call). Pure: no I/O, no allocation but the caller's buffer.
 *
 * Every piece is a fixed SQL fragment from the program (never user text) whose parameters are
 * numbered locally $1..$k (each of them used at least once); sqlvariant_build numbers them
 * densely across the pieces it keeps, in their order, so that the caller passes the values in
 * that same order. A fragment holds no other `$` (no dollar quoting). */
#ifndef SPP_SQLVARIANT_H
#define SPP_SQLVARIANT_H

#include <stddef.h>
#include <stdint.h>

/* At most this many conditions in one build (bits of the presence mask). */
#define SQLVARIANT_MAX_CONDS 32

/* The number of local parameters of fragment (0 for NULL or none), or -1 when it is malformed: a
 * `$` not followed by a number from 1 to 99, or a number in 1..k that is never used. */
int sqlvariant_params(const char *fragment);

/* Writes head, then " WHERE " and the conditions conds[i] whose bit i is set in present joined by
 * " AND " (each in parentheses; nothing when none is present), then " " and tail (NULL: none),
 * renumbering every fragment's parameters after those of the fragments kept before it. Returns
 * the number of parameters of the whole statement, or -1 when a fragment is malformed, nconds
 * exceeds SQLVARIANT_MAX_CONDS or out (of outlen bytes) is too small. */
int sqlvariant_build(const char *head, const char *const *conds, size_t nconds, uint32_t present,
                     const char *tail, char *out, size_t outlen);

/* Writes fragment with its local parameter $k replaced everywhere by the decimal number digits
 * and the parameters after it moved down by one, for a value that is fixed in a variant (a
 * page's LIMIT, so that the generic plan is costed for the rows it fetches). Returns the number
 * of parameters left, or -1 when fragment is malformed, k is not one of its parameters, digits is
 * not 1 to 9 decimal digits or out (of outlen bytes) is too small. */
int sqlvariant_inline(const char *fragment, int k, const char *digits, char *out, size_t outlen);

#endif
