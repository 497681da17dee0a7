/* Choosing an improvement champion among the eligible (DESIGN §1.2): the fewest champion
 * assignments in the last 12 months, then the earliest accreditation, then the smallest id.
 * Deterministic and pure. */
#ifndef SPP_CHAMPION_H
#define SPP_CHAMPION_H

#include <stddef.h>

#include "caldate.h"

struct champion_candidate {
    const char *id;               /* UUID text; ties fall to the smallest */
    int assignments;              /* champion assignments in the last 12 months */
    struct caldate first_awarded; /* the earliest award that counts in the role */
};

/* The index of the candidate to choose, or -1 when there is none. */
int champion_pick(const struct champion_candidate *c, size_t n);

#endif
