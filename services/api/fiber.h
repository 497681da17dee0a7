/* Fibers: functions that run on a stack of their own and can stop half-way (fiber_yield) to
 * be resumed later by the thread that started them. The API's loop threads run each request's
 * handler on one, so that a handler stays straight-line code while its loop thread serves
 * other requests during its database waits. A fiber belongs to the thread that made it: it is
 * resumed only there, and its stack comes from (and goes back to) that thread's free list.
 *
 * Stacks are FIBER_STACK_SIZE of address space (mmap, with a guard page below them), of which
 * only what a request touched is memory; a fiber that went deeper than FIBER_STACK_KEEP gives
 * its deep pages back when it ends. */
#ifndef SPP_FIBER_H
#define SPP_FIBER_H

#include <stddef.h>

/* 1 MiB: jansson parses the deepest body it accepts (2,047 levels) in 128–192 KiB of stack,
 * and json_dumps of such a value takes 512–768 KiB (measured with pthread stacks of those
 * sizes); libpq and OpenSSL need a few KiB. */
#define FIBER_STACK_SIZE ((size_t)1 << 20)
#define FIBER_STACK_KEEP ((size_t)64 << 10)

struct fiber;

typedef void (*fiber_fn)(void *arg);

/* A fiber that runs fn(arg) from its first fiber_resume; its stack comes from this thread's
 * free list, else a new mapping. Returns NULL when no stack could be mapped. */
struct fiber *fiber_new(fiber_fn fn, void *arg);
/* Runs f until it yields or returns. Returns 1 when fn returned: f is then freed (its stack
 * back on the free list), and must not be used again; 0 when it yielded. Only outside any
 * fiber (the thread's own stack), on the thread that made f. */
int fiber_resume(struct fiber *f);
/* Inside a fiber: goes back to the fiber_resume that ran it, until the next one. */
void fiber_yield(void);
/* The fiber running on this thread, NULL on the thread's own stack. */
struct fiber *fiber_current(void);
/* Unmaps this thread's spare stacks (before the thread ends). Stacks of fibers not finished
 * are not touched: they are freed by nobody, so finish every fiber first. */
void fiber_thread_cleanup(void);
/* How many stacks this thread keeps on its free list at most (default 64); the rest are
 * unmapped when their fibers end. */
void fiber_set_spare_max(int n);
/* This thread's spare stacks now (for tests and metrics). */
int fiber_spare_count(void);

/* The pure part: the layout of one mapping of len bytes (a multiple of page) at base, the
 * guard page first (lowest: stacks grow down). */
struct fiber_layout {
    char *guard;  /* the guard page, PROT_NONE */
    char *bottom; /* the stack's lowest usable byte */
    size_t size;  /* usable bytes from bottom */
    char *mark;   /* a word FIBER_STACK_KEEP below the top: when it changed, the fiber went deep */
};
/* The length to map for a stack of size usable bytes: size rounded up to page, plus the guard. */
size_t fiber_map_len(size_t size, size_t page);
void fiber_layout(char *base, size_t len, size_t page, struct fiber_layout *out);

#endif
