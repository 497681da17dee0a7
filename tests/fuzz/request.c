/* The server's handling of a request before its handler, for the API harnesses: see request.h. */
#include "request.h"

#include <event2/http.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <string.h>

#include "arena.h"

enum http_method fuzz_method(const char *s, size_t n)
{
    static const char *const names[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strlen(names[i]) == n && !memcmp(names[i], s, n))
            return (enum http_method)i;
    return HTTP_OTHER;
}

int fuzz_read_query(struct req *r, const char *query)
{
    struct evkeyvalq q;
    TAILQ_INIT(&q);
    if (evhttp_parse_query_str(query, &q) != 0)
        return -1;
    size_t n = 0;
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &q, next) n++;
    r->query = arena_alloc(&r->arena, n * sizeof *r->query);
    TAILQ_FOREACH(kv, &q, next)
    {
        r->query[r->nquery].key = arena_strdup(&r->arena, kv->key);
        r->query[r->nquery].value = arena_strdup(&r->arena, kv->value);
        r->nquery++;
    }
    evhttp_clear_headers(&q);
    return 0;
}
