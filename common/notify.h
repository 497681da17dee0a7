/* Notifications: the reminder kinds (DESIGN §4) a person can switch on or off in
 * notification_preferences. */
#ifndef SPP_NOTIFY_H
#define SPP_NOTIFY_H

#include <jansson.h>

/* Every reminder kind, NULL-terminated. A kind is on unless a person's preferences say false. */
extern const char *const notify_reminder_kinds[];

/* One rendered message. */
struct notify_message {
    char *subject; /* heap strings; notify_message_cleanup frees them */
    char *text;
    char *html;
};

/* Renders the notification of kind with its data (gathered when it was created: names, dates
 * already formatted in the partnership's time zone, links) into subject, plain text and HTML,
 * every user string escaped in the HTML. Returns 0, or -1 for an unknown kind. Pure. */
int notify_render(const char *kind, const json_t *data, struct notify_message *out);
void notify_message_cleanup(struct notify_message *m);

#endif
