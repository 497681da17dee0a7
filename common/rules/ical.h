/* iCalendar (RFC 5545) feeds rendered with libical: a list of events in, the VCALENDAR text
 * out. Text is escaped (backslash, semicolon, comma, newline) and lines folded at 75 octets
 * without splitting a UTF-8 sequence; lines end in CRLF. Pure: no clock (the DTSTAMP instant is
 * passed in) and no I/O. */
#ifndef SPP_ICAL_H
#define SPP_ICAL_H

#include <stddef.h>
#include <time.h>

#include "caldate.h"

struct ical_event {
    const char *uid;         /* stable across renderings, e.g. "review-visit-<id>@spp" */
    const char *summary;     /* required */
    const char *description; /* NULL or "" leaves it out */
    const char *location;    /* NULL or "" leaves it out */
    int all_day;
    /* all_day: the first and the last day (inclusive); DTEND is written as last + 1 day, the
     * exclusive end RFC 5545 wants for DATE values. */
    struct caldate first_day, last_day;
    /* Otherwise: the start and end instants, written in UTC (…Z). */
    time_t starts_at, ends_at;
};

/* The VCALENDAR (PRODID, VERSION 2.0, METHOD PUBLISH, X-WR-CALNAME name) holding the n events,
 * each stamped with stamp. Returns a heap string the caller frees. */
char *ical_render(const char *name, const struct ical_event *events, size_t n, time_t stamp);

#endif
