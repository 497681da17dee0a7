/* The one clock for measuring durations and deadlines (request timings, job run times, grace
 * periods, retry pauses): CLOCK_MONOTONIC, which wall-clock changes do not move. Not a time of
 * day: never store or show it. */
#ifndef SPP_MONOTIME_H
#define SPP_MONOTIME_H

#include <stdint.h>

/* Microseconds on the monotonic clock since an arbitrary fixed point. Thread-safe. */
int64_t monotime_now_us(void);

#endif
