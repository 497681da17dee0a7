/* The check a service's statement tables pass (test_routes.c). */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "sqlparams.h"
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
            /* Parameters by name only: the text rewrites (sqlparams.h), and no `$1` is left in
             * a statement that names none. */
            size_t len = strlen(st->sql);
            char *out = malloc(3 * len + 1);
            struct sqlparams_name *found = calloc(len / 2 + 1, sizeof *found);
            int nnames = sqlparams_rewrite(st->sql, out, 3 * len + 1, found, (int)(len / 2 + 1));
            ck_assert_msg(nnames >= 0, "%s: malformed parameter names or quoting", st->name);
            for (const char *p = strchr(st->sql, '$'); nnames == 0 && p; p = strchr(p + 1, '$'))
                ck_assert_msg(p[1] < '0' || p[1] > '9', "%s numbers its parameters", st->name);
            free(found);
            free(out);
        }
    free(names);
    return n;
}
