/* Request counters and latency histograms by route, rendered in Prometheus text format. */
#ifndef SPP_METRICS_H
#define SPP_METRICS_H

#include <stdint.h>

struct buf;
struct db;

/* route is an index into routes[], or -1 for a request that matched none. Thread-safe. */
void metrics_observe(int route, int status, int64_t duration_us);
void metrics_render(struct buf *out);
/* Where the queue depth gauge comes from (the server registers its own at start, so that
 * metrics does not depend on the server that depends on it). Until then it reads 0. */
void metrics_queue_depth_from(int (*depth)(void));
/* The job ledger in summary (spp_jobs by status, the oldest due job), from a sample taken at
 * most every 5 s with db, the calling handler's connection. Left out while PostgreSQL is down.
 * Thread-safe. */
void metrics_render_jobs(struct db *db, struct buf *out);
/* Frees the sample (at exit). */
void metrics_cleanup(void);

#endif
