/* A partnership's SPP phase (DESIGN §1): build → embed → sustain, moved forward exactly one step
 * at a time by POST /v1/partnerships/{id}/phase. Pure functions. */
#ifndef SPP_PHASE_H
#define SPP_PHASE_H

/* The phases in order, NULL-terminated: also the enum a request's "to" is validated against. */
extern const char *const phase_names[];

/* The position of name in phase_names, or -1 when it is not a phase. */
int phase_index(const char *name);
/* 0 when to is the phase right after from; -1 otherwise (same, backward, skipping, unknown). */
int phase_next_ok(const char *from, const char *to);

#endif
