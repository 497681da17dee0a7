/* Allocation that never returns NULL: failure is decided once, here, by aborting. */
#ifndef SPP_XALLOC_H
#define SPP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Copies exactly n bytes of s, which must hold that many (unlike strndup it does not stop at a
 * NUL), and adds a terminating NUL. */
char *xstrndup(const char *s, size_t n);
/* printf into a fresh heap string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
