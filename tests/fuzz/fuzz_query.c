/* Query strings as a request meets them: split by libevent's evhttp_parse_query_str and copied
 * into the request the way server_read_request does, then req_check_query against one of the
 * handlers' field tables (tables.h), paged or not, then what a handler does next with a
 * query that passed (req_page: limit and cursor), and If-Match against a version.
 *
 * Input: "[paged ]<table>\n<query string>\n<If-Match>", e.g.
 * "paged school_filters\nlimit=2&cursor=abc\nW/\"3\"".
 *
 * Beyond crashes and sanitizer reports it aborts when a refusal is not a 422 problem in JSON,
 * when a query that passed leaves an answer behind, or when req_page yields a limit outside
 * 1..200 or half a cursor. */
#include <event2/http.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "req.h"
#include "request.h"
#include "tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int paged = 0;
    if (size >= 6 && !memcmp(data, "paged ", 6)) {
        paged = 1;
        data += 6;
        size -= 6;
    }
    const struct fuzz_table *t = fuzz_tables_pick(&data, &size);
    if (!t)
        abort();
    struct req *r = req_new();
    char *text = arena_strndup(&r->arena, (const char *)data, size);
    char *if_match = strchr(text, '\n');
    if (if_match)
        *if_match++ = '\0';
    r->if_match = if_match;

    if (text[0] && fuzz_read_query(r, text) != 0)
        goto done;
    if (req_check_query(r, t->fields, paged) != 0) {
        json_t *p = r->resp_body ? json_loadb(r->resp_body, r->resp_len, 0, NULL) : NULL;
        if (r->status != 422 || !json_is_array(json_object_get(p, "errors")))
            abort();
        json_decref(p);
        goto done;
    }
    if (r->status != 0 || r->resp_body)
        abort();
    if (paged) {
        struct page pg;
        req_page(r, &pg);
        if (pg.limit < 1 || pg.limit > 200 || !pg.limit_plus_one ||
            !pg.cursor_micros != !pg.cursor_id)
            abort();
    }
    if (req_if_match(r, "3") != 0 && r->status != 412)
        abort();
done:
    req_free(r);
    return 0;
}
