/* Allocation that never returns NULL (common/xalloc.c). */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "xalloc.h"

START_TEST(xalloc_copies)
{
    const char *src = "hubs and partnerships";
    char *d = xstrdup(src);
    ck_assert_str_eq(d, src);
    ck_assert_ptr_ne(d, src);
    free(d);
    d = xstrndup(src, 4);
    ck_assert_str_eq(d, "hubs");
    free(d);
    /* Exactly n bytes, unlike strndup: s must hold them, and a NUL among them is copied. */
    d = xstrndup("a\0b", 3);
    ck_assert_mem_eq(d, "a\0b\0", 4);
    free(d);
    d = xstrndup("", 0);
    ck_assert_str_eq(d, "");
    free(d);
}
END_TEST

START_TEST(xalloc_sizes)
{
    unsigned char *z = xcalloc(1000, 4);
    for (int i = 0; i < 4000; i++)
        ck_assert_uint_eq(z[i], 0);
    free(z);
    /* Zero bytes is still a pointer to free, never NULL. */
    void *p = xmalloc(0);
    ck_assert_ptr_nonnull(p);
    free(p);
    p = xcalloc(0, 0);
    ck_assert_ptr_nonnull(p);
    free(p);
    char *r = xmalloc(4);
    memcpy(r, "abc", 4);
    r = xrealloc(r, 100000);
    ck_assert_str_eq(r, "abc");
    free(r);
    r = xrealloc(NULL, 8); /* like malloc */
    ck_assert_ptr_nonnull(r);
    free(r);
}
END_TEST

START_TEST(xalloc_asprintf)
{
    char *s = xasprintf("%s=%d", "limit", 50);
    ck_assert_str_eq(s, "limit=50");
    free(s);
    char word[5001];
    memset(word, 'a', 5000);
    word[5000] = '\0';
    s = xasprintf("%s!", word);
    ck_assert_uint_eq(strlen(s), 5001);
    ck_assert_int_eq(s[5000], '!');
    free(s);
    s = xasprintf("%s", "");
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

#ifndef __SANITIZE_ADDRESS__
/* Failure is decided in one place: the process aborts rather than return NULL. (Left out of
 * the sanitized build, whose allocator reports the impossible size itself and exits.) */
START_TEST(xalloc_aborts_when_memory_runs_out)
{
    volatile size_t huge = SIZE_MAX / 2;
    void *p = xcalloc(huge, 4); /* overflows: calloc refuses */
    free(p);
}
END_TEST

START_TEST(xmalloc_aborts_when_memory_runs_out)
{
    volatile size_t huge = SIZE_MAX - 16;
    void *p = xmalloc(huge);
    free(p);
}
END_TEST
#endif

Suite *xalloc_suite(void)
{
    Suite *s = suite_create("xalloc");
    TCase *tc = tcase_create("xalloc");
    tcase_add_test(tc, xalloc_copies);
    tcase_add_test(tc, xalloc_sizes);
    tcase_add_test(tc, xalloc_asprintf);
#ifndef __SANITIZE_ADDRESS__
    tcase_add_test_raise_signal(tc, xalloc_aborts_when_memory_runs_out, SIGABRT);
    tcase_add_test_raise_signal(tc, xmalloc_aborts_when_memory_runs_out, SIGABRT);
#endif
    suite_add_tcase(s, tc);
    return s;
}
