/* Memory for one piece of work (an API request, a job): everything allocated here is released
 * at once by arena_cleanup. */
#ifndef SPP_ARENA_H
#define SPP_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head;
};

void arena_init(struct arena *a);
void arena_cleanup(struct arena *a);
void *arena_alloc(struct arena *a, size_t n); /* zeroed, never NULL */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
