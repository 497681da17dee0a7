/* Request counters and latency histograms by route, rendered in Prometheus text format. */
#ifndef SPP_METRICS_H
#define SPP_METRICS_H

#include <stdint.h>

struct buf;

/* route is an index into routes[], or -1 for a request that matched none. Thread-safe. */
void metrics_observe(int route, int status, int64_t duration_us);
void metrics_render(struct buf *out);

#endif
