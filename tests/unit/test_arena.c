/* The per-request arena (common/arena.c): zeroed, aligned, separate allocations, strings, and
 * the chunk placement of big allocations. Leaks and overruns are what the sanitized build of
 * this suite catches. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "unit.h"

START_TEST(arena_alloc_zeroed_aligned_separate)
{
    struct arena a;
    arena_init(&a);
    enum { N = 2000 };
    static unsigned char *p[N];
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(i % 37) + 1;
        p[i] = arena_alloc(&a, n);
        ck_assert_ptr_nonnull(p[i]);
        ck_assert_uint_eq((uintptr_t)p[i] % _Alignof(max_align_t), 0);
        for (size_t k = 0; k < n; k++)
            ck_assert_uint_eq(p[i][k], 0);
        memset(p[i], i & 0xFF, n);
    }
    /* No allocation overlapped another: each still holds its own pattern. */
    for (int i = 0; i < N; i++) {
        size_t n = (size_t)(i % 37) + 1;
        for (size_t k = 0; k < n; k++)
            ck_assert_uint_eq(p[i][k], (unsigned)(i & 0xFF));
    }
    arena_cleanup(&a);
    ck_assert_ptr_null(a.head);
}
END_TEST

START_TEST(arena_big_allocation_keeps_the_current_chunk)
{
    struct arena a;
    arena_init(&a);
    char *small = arena_alloc(&a, 1);
    char *big = arena_alloc(&a, 100000);
    memset(big, 'b', 100000);
    char *next = arena_alloc(&a, 1);
    /* The next small allocation follows the first in the same chunk. */
    ck_assert_ptr_eq(next, small + sizeof(max_align_t));
    ck_assert_int_eq(big[99999], 'b');
    /* A big allocation into an empty arena, then small ones. */
    struct arena c;
    arena_init(&c);
    char *first = arena_alloc(&c, 5000);
    memset(first, 'f', 5000);
    char *after = arena_alloc(&c, 8);
    ck_assert_ptr_nonnull(after);
    ck_assert_int_eq(after[0], 0);
    ck_assert_int_eq(first[4999], 'f');
    arena_cleanup(&c);
    arena_cleanup(&a);
    arena_cleanup(&a); /* twice is harmless */
}
END_TEST

START_TEST(arena_strings)
{
    struct arena a;
    arena_init(&a);
    const char *src = "review-2026";
    char *d = arena_strdup(&a, src);
    ck_assert_str_eq(d, src);
    ck_assert_ptr_ne(d, src);
    ck_assert_str_eq(arena_strndup(&a, "abcdef", 3), "abc");
    ck_assert_str_eq(arena_strndup(&a, "abc", 0), "");
    ck_assert_str_eq(arena_strdup(&a, ""), "");
    ck_assert_str_eq(arena_printf(&a, "%s/%d", "page", 3), "page/3");
    /* Longer than the 256-byte scratch buffer. */
    char word[601];
    memset(word, 'q', 600);
    word[600] = '\0';
    char *longer = arena_printf(&a, "<%s>", word);
    ck_assert_uint_eq(strlen(longer), 602);
    ck_assert_int_eq(longer[0], '<');
    ck_assert_int_eq(longer[601], '>');
    ck_assert_str_eq(arena_printf(&a, "%.*s", 256, word) + 255, "q");
    arena_cleanup(&a);
}
END_TEST

Suite *arena_suite(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("arena");
    tcase_add_test(tc, arena_alloc_zeroed_aligned_separate);
    tcase_add_test(tc, arena_big_allocation_keeps_the_current_chunk);
    tcase_add_test(tc, arena_strings);
    suite_add_tcase(s, tc);
    return s;
}
