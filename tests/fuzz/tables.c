/* Picking a handler field table from a fuzz input (see tables.h). */
#include "tables.h"

#include <string.h>

static const struct fuzz_table *fuzz_tables_at(size_t i)
{
    for (const struct fuzz_table *const *set = fuzz_table_sets; *set; set++)
        for (const struct fuzz_table *t = *set; t->name; t++)
            if (i-- == 0)
                return t;
    return NULL;
}

size_t fuzz_tables_count(void)
{
    size_t n = 0;
    for (const struct fuzz_table *const *set = fuzz_table_sets; *set; set++)
        for (const struct fuzz_table *t = *set; t->name; t++)
            n++;
    return n;
}

const struct fuzz_table *fuzz_tables_pick(const uint8_t **data, size_t *size)
{
    const uint8_t *nl = memchr(*data, '\n', *size);
    size_t len = nl ? (size_t)(nl - *data) : *size;
    size_t count = fuzz_tables_count();
    if (count == 0)
        return NULL;
    const struct fuzz_table *pick = NULL;
    uint32_t hash = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ (*data)[i]) * 16777619u;
    for (size_t i = 0; i < count && !pick; i++) {
        const struct fuzz_table *t = fuzz_tables_at(i);
        if (strlen(t->name) == len && !memcmp(t->name, *data, len))
            pick = t;
    }
    if (!pick)
        pick = fuzz_tables_at(hash % count);
    size_t used = nl ? len + 1 : len;
    *data += used;
    *size -= used;
    return pick;
}
