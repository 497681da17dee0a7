/* GET /v1/notifications: every reminder and message sent or to be sent, one per recipient and
 * channel, with its delivery status, attempts and last error; newest first. Admin keys see all;
 * hub, partnership and school keys the notifications of the people in their scope; a person key
 * its own. The rows are written by spp_notify and delivered by the worker (notification.deliver).
 */
#include "handlers.h"

const struct db_stmt notification_statements[] = {
    /* $1..$4 the caller's scope (hub, partnership, school, person); $5..$7 the filters; the
     * keyset runs backwards. */
    [NOTIFICATION_LIST] =
        {"notification_list",
         "SELECT notification_json(n)::text, spp_micros(n.created_at), n.id FROM notifications n "
         "LEFT JOIN people pe ON pe.id = n.person_id LEFT JOIN schools s ON s.id = pe.school_id "
         "LEFT JOIN partnerships p ON p.id = s.partnership_id "
         "WHERE ($1::uuid IS NULL OR p.hub_id = $1) AND ($2::uuid IS NULL OR s.partnership_id = "
         "$2) "
         "AND ($3::uuid IS NULL OR s.id = $3) AND ($4::uuid IS NULL OR n.person_id = $4) "
         "AND ($5::uuid IS NULL OR n.person_id = $5) AND ($6::uuid IS NULL OR n.review_id = $6) "
         "AND ($7::text IS NULL OR n.status = $7) "
         "AND ($8::bigint IS NULL OR (n.created_at, n.id) < (spp_from_micros($8), $9::uuid)) "
         "ORDER BY n.created_at DESC, n.id DESC LIMIT $10"},
    {NULL, NULL},
};

static const char *const notification_states[] = {"pending", "sent", "failed", "skipped", NULL};

static const struct vfield notification_filters[] = {
    {"person_id", V_UUID, 0, 0, NULL, 0, 0},
    {"review_id", V_UUID, 0, 0, NULL, 0, 0},
    {"status", V_ENUM, 0, 0, notification_states, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void notifications_list(struct req *r)
{
    if (req_check_query(r, notification_filters, 1) != 0)
        return;
    struct page pg;
    req_page(r, &pg);
    const char *scope[4];
    scope_list_filter(&r->principal, scope);
    const char *p[] = {scope[0],
                       scope[1],
                       scope[2],
                       scope[3],
                       req_query_get(r, "person_id"),
                       req_query_get(r, "review_id"),
                       req_query_get(r, "status"),
                       pg.cursor_micros,
                       pg.cursor_id,
                       pg.limit_plus_one};
    PGresult *res = req_db(r, &notification_statements[NOTIFICATION_LIST], 10, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}
