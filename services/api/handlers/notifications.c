/* GET /v1/notifications: every reminder and message sent or to be sent, one per recipient and
 * channel, with its delivery status, attempts and last error; newest first. Admin keys see all;
 * hub, partnership and school keys the notifications of the people in their scope; a person key
 * its own. The rows are written by spp_notify and delivered by the worker (notification.deliver).
 */
#include "handlers.h"
#include "list.h"

/* The list is a list_desc (list.h); nothing else here runs SQL. */
const struct db_stmt notifications_statements[] = {
    {NULL, NULL},
};

static const char *const notification_states[] = {"pending", "sent", "failed", "skipped", NULL};

static const struct vfield notification_filters[] = {
    {"person_id", V_UUID, 0, 0, NULL, 0, 0},
    {"review_id", V_UUID, 0, 0, NULL, 0, 0},
    {"status", V_ENUM, 0, 0, notification_states, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const char *const notification_list_filters[] = {
    "n.person_id = $person_id",
    "n.review_id = $review_id",
    "n.status = $status",
    NULL,
};

static struct list_variants notification_list_variants;

/* notification_json (sql/0005_delivery.sql) written in C for the list's pages: the same members
 * in the same order, from the columns the list selects (the date as row_to_json writes those of
 * years 1 to 9999, whatever the session's DateStyle). */
static const struct rowjson_field notification_json_fields[] = {
    {"id", ROWJSON_STRING, NULL},        {"kind", ROWJSON_STRING, NULL},
    {"person_id", ROWJSON_STRING, NULL}, {"recipient", ROWJSON_STRING, NULL},
    {"channel", ROWJSON_STRING, NULL},   {"due_on", ROWJSON_STRING, NULL},
    {"review_id", ROWJSON_STRING, NULL}, {"status", ROWJSON_STRING, NULL},
    {"attempts", ROWJSON_RAW, NULL},     {"last_error", ROWJSON_STRING, NULL},
    {"sent_at", ROWJSON_TIME, NULL},     {"created_at", ROWJSON_TIME, "micros"},
    {NULL, ROWJSON_RAW, NULL},
};

/* The caller's scope through the recipient's chain; the keyset runs backwards. */
static const struct list_desc notification_list = {
    .name = "notification_list",
    .select = "SELECT n.id, n.kind, n.person_id, n.recipient, n.channel, "
              "to_char(n.due_on, 'YYYY-MM-DD') AS due_on, n.review_id, n.status, n.attempts, "
              "n.last_error, spp_micros(n.sent_at) AS sent_at, spp_micros(n.created_at) AS micros "
              "FROM notifications n LEFT JOIN people pe ON pe.id = n.person_id "
              "LEFT JOIN schools s ON s.id = pe.school_id "
              "LEFT JOIN partnerships p ON p.id = s.partnership_id",
    .fields = notification_json_fields,
    .scope = LIST_CHAIN("p.hub_id", "s.partnership_id", "s.id", "n.person_id"),
    .query = notification_filters,
    .filters = notification_list_filters,
    .after = "(n.created_at, n.id) < (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY n.created_at DESC, n.id DESC LIMIT $limit",
    .variants = &notification_list_variants,
};

void notifications_list(struct req *r)
{
    list_page(r, &notification_list);
}
