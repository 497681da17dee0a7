/* The HTTP server: loop threads sharing one port, a bounded hand-off queue, and a fixed pool
 * of handler threads that each own one PostgreSQL and one Redis connection. */
#ifndef SPP_SERVER_H
#define SPP_SERVER_H

struct config;

/* Runs until SIGTERM or SIGINT, then lets in-flight requests finish (up to the grace period).
 * Returns the process exit code. */
int server_run(const struct config *cfg);
/* The number of requests waiting for a handler (for /metrics). */
int server_queue_depth(void);
/* 1 once SIGTERM arrived. */
int server_draining(void);

#endif
