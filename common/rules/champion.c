#include "champion.h"

#include <string.h>

/* <0 when a should be chosen before b. */
static int champion_order(const struct champion_candidate *a, const struct champion_candidate *b)
{
    if (a->assignments != b->assignments)
        return a->assignments < b->assignments ? -1 : 1;
    int d = caldate_cmp(a->first_awarded, b->first_awarded);
    if (d != 0)
        return d;
    return strcmp(a->id, b->id);
}

int champion_pick(const struct champion_candidate *c, size_t n)
{
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (best < 0 || champion_order(&c[i], &c[best]) < 0)
            best = (int)i;
    return best;
}
