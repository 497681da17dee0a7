/* iCalendar rendering over libical's component tree (see ical.h). */
#include "ical.h"

#include <libical/ical.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
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

/* Appends the content line "name:value" for a TEXT value, escaped as RFC 5545 §3.3.11 says
 * (backslash, semicolon, comma and newline) and folded at 75 octets between UTF-8 sequences,
 * ending in CRLF. For X- properties, whose value is TEXT by default (§3.8.8.2): libical leaves
 * their commas and semicolons unescaped, whatever the value's type, which a strict parser reads
 * as a list or a parameter; so the person's name in X-WR-CALNAME is written here. */
static void ical_text_line(struct buf *b, const char *name, const char *value)
{
    struct buf line;
    buf_init(&line);
    buf_puts(&line, name);
    buf_putc(&line, ':');
    char *text = ical_text(value);
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            buf_puts(&line, "\\n");
            continue;
        }
        if (*p == '\\' || *p == ';' || *p == ',')
            buf_putc(&line, '\\');
        buf_putc(&line, *p);
    }
    free(text);
    size_t col = 0;
    for (size_t i = 0; i < line.len;) {
        size_t n = 1; /* the whole UTF-8 sequence starting at i */
        while (i + n < line.len && ((unsigned char)line.data[i + n] & 0xC0) == 0x80)
            n++;
        if (col + n > 75) {
            buf_puts(b, "\r\n ");
            col = 1;
        }
        buf_append(b, line.data + i, n);
        col += n;
        i += n;
    }
    buf_puts(b, "\r\n");
    buf_cleanup(&line);
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
    /* The calendar's name goes after the calendar's own properties, before its first event
     * (user text cannot hold CRLF, so the first CRLF BEGIN:VEVENT or END:VCALENDAR is ours). */
    const char *at = strstr(out, "\r\nBEGIN:VEVENT\r\n");
    if (!at)
        at = strstr(out, "\r\nEND:VCALENDAR\r\n");
    struct buf b;
    buf_init(&b);
    size_t head = at ? (size_t)(at - out) + 2 : strlen(out);
    buf_append(&b, out, head);
    ical_text_line(&b, "X-WR-CALNAME", name ? name : "SPP");
    buf_puts(&b, out + head);
    free(out);
    return buf_steal(&b, NULL);
}
