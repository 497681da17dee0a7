/* One Redis connection (hiredis), rebuilt on the next use after any failure. */
#ifndef SPP_REDIS_H
#define SPP_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

struct redis;

struct redis_addr {
    char host[256];
    int port;
    int db;
    char password[256];
};

/* Parses redis://[:password@]host[:port][/db]; returns 0 or -1. Pure. */
int redis_parse_url(const char *url, struct redis_addr *out);
/* A connection object for a parsed address; connects lazily. timeout_ms bounds connect and
 * every command. */
struct redis *redis_new(const struct redis_addr *addr, int timeout_ms);
void redis_free(struct redis *r);
/* Connects when needed; 0 or -1 (reason in err). */
int redis_ensure(struct redis *r, char *err, size_t errlen);
/* Runs a command; returns the reply (caller frees with freeReplyObject) or NULL when the server
 * could not be reached, in which case the connection is dropped and rebuilt next time. An
 * error reply is returned as a reply of type REDIS_REPLY_ERROR. */
redisReply *redis_command(struct redis *r, const char *fmt, ...);
redisReply *redis_command_argv(struct redis *r, int argc, const char **argv, const size_t *lens);

#endif
