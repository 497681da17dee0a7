/* The HTTP server: loop threads sharing one port, each running its requests' handlers on
 * fibers over its own pool of non-blocking PostgreSQL connections (server.c says how). */
#ifndef SPP_SERVER_H
#define SPP_SERVER_H

struct config;

/* Runs until SIGTERM or SIGINT, then lets in-flight requests finish (up to the grace period).
 * Returns the process exit code. */
int server_run(const struct config *cfg);
/* The number of requests waiting for a PostgreSQL connection (for /metrics). */
int server_queue_depth(void);
/* 1 once SIGTERM arrived. */
int server_draining(void);

#endif
