/* Notifications: the reminder kinds (DESIGN §4) a person can switch on or off in
 * notification_preferences. */
#ifndef SPP_NOTIFY_H
#define SPP_NOTIFY_H

#include <jansson.h>

struct mail_context;
struct mail_message;

/* Every reminder kind, NULL-terminated. A kind is on unless a person's preferences say false. */
extern const char *const notify_reminder_kinds[];

/* Renders the notification of kind with its data (gathered when it was created: names, dates
 * already formatted in the partnership's time zone; review_id, when there is one, becomes a
 * link) into subject, plain text and HTML in the frame of common/rules/mail.h, every user string
 * escaped in the HTML. ctx (may be NULL) gives the public URL for links, the recipient's
 * partnership for the header and, for a reminder kind, the one-click unsubscribe URL for the
 * footer. Returns 0, or -1 for an unknown kind. Pure. */
int notify_render(const char *kind, const json_t *data, const struct mail_context *ctx,
                  struct mail_message *out);

#endif
