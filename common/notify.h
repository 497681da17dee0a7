/* Notifications: the reminder kinds (DESIGN §4) a person can switch on or off in
 * notification_preferences. */
#ifndef SPP_NOTIFY_H
#define SPP_NOTIFY_H

/* Every reminder kind, NULL-terminated. A kind is on unless a person's preferences say false. */
extern const char *const notify_reminder_kinds[];

#endif
