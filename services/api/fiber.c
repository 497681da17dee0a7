#include "fiber.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

/* Under AddressSanitizer every switch is announced (start before, finish after), so that ASan
 * knows which stack is current and reports nothing false about frames on the other one. */
#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif
#ifdef FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

/* The switch: on x86-64 a few instructions of our own (fiber_switch below), which save and load
 * the registers the ABI says a call preserves; elsewhere ucontext, whose every switch also
 * sets the signal mask with a system call (two a switch pair; bench/RESULTS.md measured 4 a
 * GET). SPP_FIBER_UCONTEXT forces ucontext. */
#if defined(__x86_64__) && !defined(SPP_FIBER_UCONTEXT)
#define FIBER_ASM 1
/* Pushes rbp, rbx, r12–r15 and the SSE and x87 control words on the current stack, stores the
 * stack pointer in *from, loads to as the stack pointer, pops the same from it and returns
 * into what it holds. */
void fiber_switch(void **from, void *to);
__asm__(".text\n"
        ".globl fiber_switch\n"
        ".hidden fiber_switch\n"
        ".type fiber_switch,@function\n"
        ".p2align 4\n"
        "fiber_switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    ldmxcsr (%rsp)\n"
        "    fldcw 4(%rsp)\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size fiber_switch,.-fiber_switch\n");
#endif

/* Written at the layout's mark when a stack is mapped or trimmed. */
#define FIBER_MARK 0x5350504669626572ULL

struct fiber {
#ifdef FIBER_ASM
    void *sp; /* the saved stack pointer while switched out */
#else
    ucontext_t ctx;
#endif
    fiber_fn fn;
    void *arg;
    int done;
    char *base; /* the mapping, guard page first */
    size_t len;
    struct fiber_layout lay;
    struct fiber *next_spare;
#ifdef FIBER_ASAN
    void *asan_fake_stack; /* ASan's fake stack of this fiber while it is switched out */
#endif
};

/* Per thread: the fiber running, the thread's own context while it runs, spare fibers. */
static _Thread_local struct fiber *fiber_running;
#ifdef FIBER_ASM
static _Thread_local void *fiber_caller;
#else
static _Thread_local ucontext_t fiber_caller;
#endif
static _Thread_local struct fiber *fiber_spares;
static _Thread_local int fiber_nspares;
static _Thread_local int fiber_spare_limit = 64;
#ifdef FIBER_ASAN
static _Thread_local const void *fiber_caller_bottom;
static _Thread_local size_t fiber_caller_size;
#endif

size_t fiber_map_len(size_t size, size_t page)
{
    return (size + page - 1) / page * page + page;
}

void fiber_layout(char *base, size_t len, size_t page, struct fiber_layout *out)
{
    out->guard = base;
    out->bottom = base + page;
    out->size = len - page;
    out->mark =
        out->size > FIBER_STACK_KEEP ? out->bottom + out->size - FIBER_STACK_KEEP : out->bottom;
}

static size_t fiber_page(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

void fiber_set_spare_max(int n)
{
    fiber_spare_limit = n < 0 ? 0 : n;
}

int fiber_spare_count(void)
{
    return fiber_nspares;
}

static void fiber_unmap(struct fiber *f)
{
    munmap(f->base, f->len);
    free(f);
}

/* The context makecontext starts from, once per stack (getcontext costs a system call; each
 * reuse only makes it again). Apart, so that nothing of the caller lives across getcontext. */
__attribute__((noinline)) static int fiber_context_init(struct fiber *f)
{
#ifndef FIBER_ASM
    if (getcontext(&f->ctx) != 0) {
        fiber_unmap(f);
        return -1;
    }
#endif
    (void)f;
    return 0;
}

/* A fiber from the free list, else a fresh mapping. */
static struct fiber *fiber_take(void)
{
    struct fiber *f = fiber_spares;
    if (f) {
        fiber_spares = f->next_spare;
        fiber_nspares--;
        return f;
    }
    size_t page = fiber_page(), len = fiber_map_len(FIBER_STACK_SIZE, page);
    char *base = mmap(NULL, len, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    if (mprotect(base, page, PROT_NONE) != 0) {
        munmap(base, len);
        return NULL;
    }
    f = xcalloc(1, sizeof *f);
    f->base = base;
    f->len = len;
    fiber_layout(base, len, page, &f->lay);
    *(uint64_t *)f->lay.mark = FIBER_MARK;
    return fiber_context_init(f) == 0 ? f : NULL;
}

/* f ended: its deep pages go back to the kernel when it went past the mark, then it goes on
 * the free list, or is unmapped when the list is full. */
static void fiber_give_back(struct fiber *f)
{
    if (*(volatile uint64_t *)f->lay.mark != FIBER_MARK) {
        madvise(f->lay.bottom, (size_t)(f->lay.mark - f->lay.bottom), MADV_DONTNEED);
        *(uint64_t *)f->lay.mark = FIBER_MARK;
    }
    if (fiber_nspares >= fiber_spare_limit) {
        fiber_unmap(f);
        return;
    }
    f->next_spare = fiber_spares;
    fiber_spares = f;
    fiber_nspares++;
}

/* From the thread's own stack into f, until f switches back. */
static void fiber_switch_in(struct fiber *f)
{
#ifdef FIBER_ASM
    fiber_switch(&fiber_caller, f->sp);
#else
    if (swapcontext(&fiber_caller, &f->ctx) != 0) {
        log_error("fiber: swapcontext failed");
        abort();
    }
#endif
}

/* From f back to the thread's own stack, until f is switched in again. */
static void fiber_switch_out(struct fiber *f)
{
#ifdef FIBER_ASM
    fiber_switch(&f->sp, fiber_caller);
#else
    if (swapcontext(&f->ctx, &fiber_caller) != 0) {
        log_error("fiber: swapcontext failed");
        abort();
    }
#endif
}

/* The first code on a fiber's stack: runs its function, then leaves for good. */
static void fiber_entry(void)
{
    struct fiber *f = fiber_running;
#ifdef FIBER_ASAN
    __sanitizer_finish_switch_fiber(NULL, &fiber_caller_bottom, &fiber_caller_size);
#endif
    f->fn(f->arg);
    f->done = 1;
#ifdef FIBER_ASAN
    /* NULL: this stack's frames are gone, ASan may forget its fake stack. */
    __sanitizer_start_switch_fiber(NULL, fiber_caller_bottom, fiber_caller_size);
#endif
    fiber_switch_out(f);
    abort(); /* nothing switches into a fiber that ended */
}

struct fiber *fiber_new(fiber_fn fn, void *arg)
{
    struct fiber *f = fiber_take();
    if (!f)
        return NULL;
    f->fn = fn;
    f->arg = arg;
    f->done = 0;
#ifdef FIBER_ASAN
    f->asan_fake_stack = NULL;
    /* A reused stack may carry the poison of its last fiber's frames. */
    __asan_unpoison_memory_region(f->lay.bottom, f->lay.size);
#endif
#ifdef FIBER_ASM
    /* What fiber_switch pops: the control words (the defaults), six registers, then
     * fiber_entry as the return address, above which a null return address for fiber_entry
     * itself; the stack pointer at fiber_entry's first instruction is 8 past a multiple of 16,
     * as after a call. */
    void **sp = (void **)((uintptr_t)(f->lay.bottom + f->lay.size) & ~(uintptr_t)15);
    *--sp = NULL;
    *--sp = (void *)(uintptr_t)fiber_entry;
    for (int i = 0; i < 6; i++)
        *--sp = NULL;
    *--sp = (void *)(uintptr_t)(0x1F80u | (uint64_t)0x037Fu << 32);
    f->sp = sp;
#else
    f->ctx.uc_stack.ss_sp = f->lay.bottom;
    f->ctx.uc_stack.ss_size = f->lay.size;
    f->ctx.uc_link = NULL;
    makecontext(&f->ctx, fiber_entry, 0);
#endif
    return f;
}

int fiber_resume(struct fiber *f)
{
    fiber_running = f;
#ifdef FIBER_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(&fake, f->lay.bottom, f->lay.size);
#endif
    fiber_switch_in(f);
#ifdef FIBER_ASAN
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
    fiber_running = NULL;
    if (!f->done)
        return 0;
    fiber_give_back(f);
    return 1;
}

void fiber_yield(void)
{
    struct fiber *f = fiber_running;
#ifdef FIBER_ASAN
    __sanitizer_start_switch_fiber(&f->asan_fake_stack, fiber_caller_bottom, fiber_caller_size);
#endif
    fiber_switch_out(f);
#ifdef FIBER_ASAN
    __sanitizer_finish_switch_fiber(f->asan_fake_stack, &fiber_caller_bottom, &fiber_caller_size);
#endif
}

struct fiber *fiber_current(void)
{
    return fiber_running;
}

void fiber_thread_cleanup(void)
{
    while (fiber_spares) {
        struct fiber *f = fiber_spares;
        fiber_spares = f->next_spare;
        fiber_unmap(f);
    }
    fiber_nspares = 0;
}
