/* The iCalendar renderer (common/rules/ical.c): a calendar name and events decoded from the input
 * through ical_render. The strings are the user's (school names, course locations, review
 * focus), so they may hold line breaks, commas, semicolons, backslashes and long runs.
 *
 * Input: NUL-separated strings: the calendar's name, then per event (up to 16) a control
 * string (byte 0: all day when odd; bytes 1-5: the first day or start instant; bytes 6-8: the
 * length), its uid, summary, description and location. Strings must be valid UTF-8 (as text
 * from PostgreSQL is); dates are real days of 1970-2100 and instants fall before year 10000,
 * like those calendar.c reads (but before year 3000: see below).
 *
 * Beyond crashes and sanitizer reports it aborts when the text is not one VCALENDAR of n
 * VEVENTs in CRLF lines of at most 75 octets (a bare CR or LF would let a string start a
 * property or component of its own) without control characters, or not valid UTF-8 once
 * unfolded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ical.h"
#include "validate.h"

#define FUZZ_MAX_EVENTS 16

static unsigned fuzz_byte(const char *s, size_t i)
{
    return i < strlen(s) ? (unsigned char)s[i] : 0;
}

static struct caldate fuzz_day(unsigned n)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    struct caldate d = {1970 + (int)(n % 131), 1 + (int)(n / 131 % 12), 1};
    int leap = (d.y % 4 == 0 && d.y % 100 != 0) || d.y % 400 == 0;
    d.d = 1 + (int)(n / 1572 % (unsigned)(mdays[d.m - 1] + (d.m == 2 && leap)));
    return d;
}

static void fuzz_check_calendar(const char *s, size_t n)
{
    const char *head = "BEGIN:VCALENDAR\r\n", *tail = "END:VCALENDAR\r\n";
    size_t len = strlen(s);
    if (strncmp(s, head, strlen(head)) || len < strlen(tail) ||
        strcmp(s + len - strlen(tail), tail))
        abort();
    size_t events = 0, line = 0;
    char *unfolded = malloc(len + 1), *u = unfolded;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r' || s[i] == '\n') {
            if (s[i] != '\r' || s[i + 1] != '\n')
                abort(); /* a bare CR or LF */
            if (line > 75)
                abort();
            i++;
            line = 0;
            if (!strncmp(s + i + 1, "BEGIN:VEVENT\r\n", 14))
                events++;
            if (s[i + 1] == ' ')
                i++; /* a folded line goes on */
            else
                *u++ = '\n';
            continue;
        }
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7F)
            abort(); /* RFC 5545 allows no control character but HTAB in a value */
        line++;
        *u++ = s[i];
    }
    *u = '\0';
    if (events != n || !validate_utf8(unfolded, (size_t)(u - unfolded)))
        abort();
    free(unfolded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!validate_utf8((const char *)data, size))
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    const char *parts[1 + 5 * FUZZ_MAX_EVENTS];
    size_t nparts = 0;
    for (size_t at = 0; at <= size && nparts < sizeof parts / sizeof *parts;) {
        parts[nparts++] = text + at;
        at += strlen(text + at) + 1;
    }

    struct ical_event events[FUZZ_MAX_EVENTS];
    size_t n = 0;
    for (size_t i = 1; i + 5 <= nparts; i += 5, n++) {
        const char *ctl = parts[i];
        struct ical_event *e = &events[n];
        memset(e, 0, sizeof *e);
        e->uid = parts[i + 1];
        e->summary = parts[i + 2];
        e->description = parts[i + 3];
        e->location = parts[i + 4];
        e->all_day = fuzz_byte(ctl, 0) & 1;
        unsigned long long at = 0, span = 0;
        for (size_t b = 1; b <= 5; b++)
            at = at << 8 | fuzz_byte(ctl, b);
        for (size_t b = 6; b <= 8; b++)
            span = span << 8 | fuzz_byte(ctl, b);
        e->first_day = fuzz_day((unsigned)(at % 1000000007ULL));
        e->last_day = caldate_add_days(e->first_day, (int)(span % 400));
        /* libical writes instants after year 3000 as 00000000T000000 (its limit); timed
         * events come from training sessions, which are not that far ahead. */
        e->starts_at = (time_t)(at % 32503680000ULL); /* before 3000-01-01 */
        e->ends_at = e->starts_at + (time_t)span;
    }
    char *cal = ical_render(parts[0], events, n, (time_t)1767225600); /* 2026-01-01 */
    fuzz_check_calendar(cal, n);
    free(cal);
    free(text);
    return 0;
}
