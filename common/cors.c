#include "cors.h"

#include <string.h>
#include <strings.h>

int cors_origin_allowed(const char *list, const char *origin)
{
    if (!list || !origin || !*origin)
        return 0;
    size_t olen = strlen(origin);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m && p[m - 1] == ' ')
            m--;
        if (m == 1 && *p == '*')
            return 1;
        if (m && m == olen && !strncasecmp(p, origin, m))
            return 1;
        p += n;
    }
    return 0;
}
