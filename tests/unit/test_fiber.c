/* Fibers (services/api/fiber.c): the stack layout, switching in and out, the free list, deep
 * pages given back, and the guard page. */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fiber.h"
#include "unit.h"

START_TEST(fiber_layout_puts_the_guard_below_the_stack)
{
    ck_assert_uint_eq(fiber_map_len(1 << 20, 4096), (1 << 20) + 4096);
    ck_assert_uint_eq(fiber_map_len(10000, 4096), 12288 + 4096); /* rounded up to pages */
    char *base = (char *)(uintptr_t)0x100000;
    struct fiber_layout l;
    fiber_layout(base, fiber_map_len(1 << 20, 4096), 4096, &l);
    ck_assert_ptr_eq(l.guard, base);
    ck_assert_ptr_eq(l.bottom, base + 4096);
    ck_assert_uint_eq(l.size, 1 << 20);
    ck_assert_ptr_eq(l.mark, l.bottom + l.size - FIBER_STACK_KEEP);
    /* A stack no larger than what is kept has its mark at the bottom. */
    fiber_layout(base, fiber_map_len(8192, 4096), 4096, &l);
    ck_assert_ptr_eq(l.mark, l.bottom);
}
END_TEST

struct trace {
    int steps[16];
    int n;
};

static void fiber_steps(void *arg)
{
    struct trace *t = arg;
    t->steps[t->n++] = 1;
    ck_assert_ptr_nonnull(fiber_current());
    fiber_yield();
    t->steps[t->n++] = 3;
    fiber_yield();
    t->steps[t->n++] = 5;
}

START_TEST(fiber_yields_and_resumes_in_order)
{
    struct trace t = {{0}, 0};
    ck_assert_ptr_null(fiber_current());
    struct fiber *f = fiber_new(fiber_steps, &t);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(t.n, 0); /* nothing runs before the first resume */
    ck_assert_int_eq(fiber_resume(f), 0);
    ck_assert_ptr_null(fiber_current());
    t.steps[t.n++] = 2;
    ck_assert_int_eq(fiber_resume(f), 0);
    t.steps[t.n++] = 4;
    ck_assert_int_eq(fiber_resume(f), 1); /* returned */
    ck_assert_int_eq(t.n, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(t.steps[i], i + 1);
    fiber_thread_cleanup();
}
END_TEST

/* Each fiber keeps a local on its own stack across yields, interleaved with the others. */
struct counter {
    int id, rounds, sum;
};

static void fiber_count(void *arg)
{
    struct counter *c = arg;
    volatile int local[64];
    for (int i = 0; i < 64; i++)
        local[i] = c->id * 1000 + i;
    for (int r = 0; r < c->rounds; r++) {
        fiber_yield();
        for (int i = 0; i < 64; i++)
            ck_assert_int_eq(local[i], c->id * 1000 + i);
        c->sum += c->id;
    }
}

START_TEST(fiber_interleaves_many_with_their_own_stacks)
{
    enum { N = 40 };
    struct counter cs[N];
    struct fiber *fs[N];
    for (int i = 0; i < N; i++) {
        cs[i] = (struct counter){i + 1, 10 + i % 5, 0};
        fs[i] = fiber_new(fiber_count, &cs[i]);
        ck_assert_ptr_nonnull(fs[i]);
    }
    int live = N;
    while (live > 0) {
        for (int i = 0; i < N; i++) {
            if (fs[i] && fiber_resume(fs[i])) {
                fs[i] = NULL;
                live--;
            }
        }
    }
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(cs[i].sum, cs[i].id * cs[i].rounds);
    fiber_thread_cleanup();
}
END_TEST

static void fiber_nothing(void *arg)
{
    *(int *)arg += 1;
}

START_TEST(fiber_stacks_come_back_through_the_free_list)
{
    fiber_set_spare_max(2);
    int runs = 0;
    struct fiber *a = fiber_new(fiber_nothing, &runs);
    struct fiber *b = fiber_new(fiber_nothing, &runs);
    struct fiber *c = fiber_new(fiber_nothing, &runs);
    ck_assert_int_eq(fiber_spare_count(), 0);
    ck_assert_int_eq(fiber_resume(a), 1);
    ck_assert_int_eq(fiber_resume(b), 1);
    ck_assert_int_eq(fiber_spare_count(), 2);
    ck_assert_int_eq(fiber_resume(c), 1); /* the list is full: unmapped */
    ck_assert_int_eq(fiber_spare_count(), 2);
    struct fiber *d = fiber_new(fiber_nothing, &runs); /* reuses a spare */
    ck_assert_ptr_eq(d, b);                            /* the last one back */
    ck_assert_int_eq(fiber_spare_count(), 1);
    ck_assert_int_eq(fiber_resume(d), 1);
    ck_assert_int_eq(runs, 4);
    fiber_thread_cleanup();
    ck_assert_int_eq(fiber_spare_count(), 0);
    fiber_set_spare_max(64);
}
END_TEST

/* Touches depth bytes of stack (recursing in 4 KiB frames), then yields so that the caller can
 * look at the stack while the frames are there. */
static void fiber_touch(int depth)
{
    volatile char frame[4096];
    memset((char *)frame, 1, sizeof frame);
    if (depth > (int)sizeof frame)
        fiber_touch(depth - (int)sizeof frame);
    else
        fiber_yield();
    frame[0]++;
}

/* How many of the npages pages from p are in memory. */
static int fiber_resident(char *p, size_t npages)
{
    unsigned char vec[512];
    ck_assert_uint_le(npages, sizeof vec);
    ck_assert_int_eq(mincore(p, npages * 4096, vec), 0);
    int n = 0;
    for (size_t i = 0; i < npages; i++)
        n += vec[i] & 1;
    return n;
}

static void fiber_report_sp(void *arg)
{
    volatile char here = 0;
    *(char **)arg = (char *)&here;
    fiber_yield();
}

static void fiber_deep_report(void *arg)
{
    char **at = arg;
    volatile char here = 0;
    at[0] = (char *)&here;
    fiber_touch(256 << 10);
}

START_TEST(fiber_trims_what_a_deep_fiber_touched)
{
    if (sysconf(_SC_PAGESIZE) != 4096)
        ck_abort_msg("this test assumes 4 KiB pages");
    char *top = NULL;
    struct fiber *f = fiber_new(fiber_deep_report, &top);
    ck_assert_int_eq(fiber_resume(f), 0); /* 256 KiB touched below top, yielded */
    char *low = (char *)(((uintptr_t)top & ~(uintptr_t)4095) - (192 << 10));
    ck_assert_int_ge(fiber_resident(low, 32), 30); /* 128 KiB, 192 KiB below the top */
    ck_assert_int_eq(fiber_resume(f), 1);
    ck_assert_int_le(fiber_resident(low, 32), 1); /* given back when it ended */
    /* A shallow fiber keeps its pages: nothing to give back. */
    char *sp = NULL;
    struct fiber *g = fiber_new(fiber_report_sp, &sp);
    ck_assert_ptr_eq(g, f);
    ck_assert_int_eq(fiber_resume(g), 0);
    char *near = (char *)((uintptr_t)sp & ~(uintptr_t)4095);
    ck_assert_int_eq(fiber_resident(near, 1), 1);
    ck_assert_int_eq(fiber_resume(g), 1);
    ck_assert_int_eq(fiber_resident(near, 1), 1);
    fiber_thread_cleanup();
}
END_TEST

static void fiber_overflow(void *arg)
{
    (void)arg;
    fiber_touch(2 << 20); /* past the 1 MiB stack: into the guard page */
}

START_TEST(fiber_overflow_stops_at_the_guard_page)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* AddressSanitizer's report of the overflow is expected: keep it out of the logs that
         * the test command searches for reports. */
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        struct fiber *f = fiber_new(fiber_overflow, NULL);
        fiber_resume(f);
        _exit(0); /* reached only if the overflow went unnoticed */
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    /* SIGSEGV in a plain build; AddressSanitizer reports the overflow and exits non-zero. */
    ck_assert(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0));
}
END_TEST

Suite *fiber_suite(void)
{
    Suite *s = suite_create("fiber");
    TCase *tc = tcase_create("fiber");
    tcase_add_test(tc, fiber_layout_puts_the_guard_below_the_stack);
    tcase_add_test(tc, fiber_yields_and_resumes_in_order);
    tcase_add_test(tc, fiber_interleaves_many_with_their_own_stacks);
    tcase_add_test(tc, fiber_stacks_come_back_through_the_free_list);
    tcase_add_test(tc, fiber_trims_what_a_deep_fiber_touched);
    tcase_add_test(tc, fiber_overflow_stops_at_the_guard_page);
    suite_add_tcase(s, tc);
    return s;
}
