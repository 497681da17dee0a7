/* The check a service's statement tables pass (test_routes.c). */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "unit.h"

size_t unit_statements_check(const struct db_stmt *const *sets)
{
    size_t n = 0;
    for (size_t s = 0; sets[s]; s++)
        for (const struct db_stmt *st = sets[s]; st->name; st++)
            n++;
    const char **names = calloc(n ? n : 1, sizeof *names);
    size_t k = 0;
    for (size_t s = 0; sets[s]; s++)
        for (const struct db_stmt *st = sets[s]; st->name; st++) {
            ck_assert_msg(st->name[0] != '\0', "an unnamed statement in set %zu", s);
            ck_assert_msg(st->sql && st->sql[0], "%s has no SQL", st->name);
            for (size_t i = 0; i < k; i++)
                ck_assert_msg(strcmp(names[i], st->name) != 0, "%s is named twice", st->name);
            names[k++] = st->name;
            unsigned char used[100] = {0};
            int max = 0;
            for (const char *p = strchr(st->sql, '$'); p; p = strchr(p + 1, '$')) {
                if (p[1] < '0' || p[1] > '9')
                    continue;
                int v = atoi(p + 1);
                ck_assert_msg(v >= 1 && v < 100, "%s: $%d", st->name, v);
                used[v] = 1;
                if (v > max)
                    max = v;
            }
            for (int v = 1; v <= max; v++)
                ck_assert_msg(used[v], "%s uses $%d but not $%d", st->name, max, v);
        }
    free(names);
    return n;
}
