/* The worker's own metrics (DESIGN §4 observability), served in Prometheus text format on
 * SPP_WORKER_METRICS_LISTEN. */
#ifndef SPP_WMETRICS_H
#define SPP_WMETRICS_H

#include <stdint.h>

struct buf;

enum wmetrics_outcome { WM_SUCCEEDED, WM_RETRIED, WM_DEAD, WM_FENCED, WM_RELEASED, WM_OUTCOMES };

void wmetrics_started(int64_t wait_us); /* enqueue (or due time) -> start */
void wmetrics_finished(enum wmetrics_outcome o, int64_t run_us);
void wmetrics_set_queue(long depth, double oldest_due_s); /* from the sweeper */
void wmetrics_inflight(int delta);
/* Appends the metrics' text (what GET /metrics answers) to b. */
void wmetrics_render(struct buf *b);
/* Starts the HTTP server thread; a bind failure is logged and the worker runs without it. */
void wmetrics_serve(const char *listen);
void wmetrics_stop(void);

#endif
