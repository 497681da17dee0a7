#include "phase.h"

#include <stddef.h>
#include <string.h>

const char *const phase_names[] = {"build", "embed", "sustain", NULL};

int phase_index(const char *name)
{
    for (int i = 0; name && phase_names[i]; i++)
        if (!strcmp(name, phase_names[i]))
            return i;
    return -1;
}

int phase_next_ok(const char *from, const char *to)
{
    int f = phase_index(from), t = phase_index(to);
    return f >= 0 && t == f + 1 ? 0 : -1;
}
