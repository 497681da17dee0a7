/* iCalendar rendering over libical's component tree (see ical.h). */
#include "ical.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define ICAL_PRODID "-//SPP//Schools Partnership Programme//EN"

static struct icaltimetype ical_date(struct caldate d)
{
    struct icaltimetype t = icaltime_null_date();
    t.year = d.y;
    t.month = d.m;
    t.day = d.d;
    return t;
}

static struct icaltimetype ical_utc(time_t at)
{
    return icaltime_from_timet_with_zone(at, 0, icaltimezone_get_utc_timezone());
}

/* A copy of user text fit for a TEXT value (heap, the caller frees it): RFC 5545 allows no
 * control character there but HTAB, and libical writes them as they are (an ESC in a school
 * name reached the feed; found by tests/fuzz/fuzz_ical). CRLF and CR become LF, which libical
 * escapes as \n; any other control character becomes a space. */
static char *ical_text(const char *s)
{
    char *out = xstrdup(s ? s : ""), *w = out;
    for (const char *p = out; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\r') {
            *w++ = '\n';
            if (p[1] == '\n')
                p++;
        } else {
            *w++ = (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F ? ' ' : (char)c;
        }
    }
    *w = '\0';
    return out;
}

/* An X- property: libical escapes backslashes and newlines in its value but, as an X- value
 * may be anything, leaves commas and semicolons as they are (which calendar clients read back
 * unchanged, X-WR-CALNAME being a single value). */
static icalproperty *ical_x(const char *x_name, const char *value)
{
    char *text = ical_text(value);
    icalproperty *p = icalproperty_new_x(text);
    free(text);
    icalproperty_set_x_name(p, x_name);
    return p;
}

/* make(text) for user text, through ical_text (libical copies the value). */
static icalproperty *ical_prop(icalproperty *(*make)(const char *), const char *value)
{
    char *text = ical_text(value);
    icalproperty *p = make(text);
    free(text);
    return p;
}

static icalcomponent *ical_vevent(const struct ical_event *e, time_t stamp)
{
    icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_property(ev, ical_prop(icalproperty_new_uid, e->uid));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(ical_utc(stamp)));
    if (e->all_day) {
        icalcomponent_add_property(ev, icalproperty_new_dtstart(ical_date(e->first_day)));
        icalcomponent_add_property(
            ev, icalproperty_new_dtend(ical_date(caldate_add_days(e->last_day, 1))));
        /* A day out of the office that shows as busy, like a meeting. */
        icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
    } else {
        icalcomponent_add_property(ev, icalproperty_new_dtstart(ical_utc(e->starts_at)));
        icalcomponent_add_property(ev, icalproperty_new_dtend(ical_utc(e->ends_at)));
    }
    icalcomponent_add_property(ev, ical_prop(icalproperty_new_summary, e->summary));
    if (e->description && e->description[0])
        icalcomponent_add_property(ev, ical_prop(icalproperty_new_description, e->description));
    if (e->location && e->location[0])
        icalcomponent_add_property(ev, ical_prop(icalproperty_new_location, e->location));
    return ev;
}

char *ical_render(const char *name, const struct ical_event *events, size_t n, time_t stamp)
{
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    icalcomponent_add_property(cal, icalproperty_new_prodid(ICAL_PRODID));
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
    icalcomponent_add_property(cal, ical_x("X-WR-CALNAME", name ? name : "SPP"));
    for (size_t i = 0; i < n; i++)
        icalcomponent_add_component(cal, ical_vevent(&events[i], stamp));
    /* The _r form hands over a buffer of libical's allocator; copy it into ours. */
    char *text = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    char *out = xstrdup(text ? text : "");
    icalmemory_free_buffer(text);
    /* libical 3.0 folds a line whose last piece is 74 octets long once more, between its own CR
     * and LF, writing "CR CRLF SP LF": a bare CR and a bare LF (found by tests/fuzz/fuzz_ical).
     * User text holds no CR or LF (ical_text), so that sequence is always this: one CRLF. */
    char *w = out;
    for (const char *p = out; *p;) {
        if (!strncmp(p, "\r\r\n \n", 5)) {
            *w++ = '\r';
            *w++ = '\n';
            p += 5;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return out;
}
