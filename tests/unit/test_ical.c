#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ical.h"
#include "unit.h"
#include "validate.h"

/* 2026-11-22T02:00:00Z, 2027-03-15T09:30:00Z and 16:00:00Z. */
#define STAMP ((time_t)1795312800)
#define T0930 ((time_t)1805103000)
#define T1600 ((time_t)1805126400)

static struct ical_event all_day(const char *uid, const char *summary, struct caldate first,
                                 struct caldate last)
{
    struct ical_event e = {0};
    e.uid = uid;
    e.summary = summary;
    e.all_day = 1;
    e.first_day = first;
    e.last_day = last;
    return e;
}

/* Asserts that text holds each of want (as strstr finds it); ICAL_HAS(text, "a", "b") lists them
 * inline. */
static void ical_assert_has(const char *text, const char *const *want, size_t nwant)
{
    for (size_t i = 0; i < nwant; i++)
        ck_assert_msg(strstr(text, want[i]), "no \"%s\" in:\n%s", want[i], text);
}
#define ICAL_HAS(text, ...)                                                                        \
    ical_assert_has((text), (const char *const[]){__VA_ARGS__},                                    \
                    sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* The text with folded lines joined again (RFC 5545 §3.1: CRLF followed by one space). */
static char *unfold(const char *text)
{
    char *out = malloc(strlen(text) + 1), *w = out;
    for (const char *p = text; *p;) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
            p += 3;
            continue;
        }
        *w++ = *p++;
    }
    *w = '\0';
    return out;
}

START_TEST(ical_calendar_header_and_crlf)
{
    char *s = ical_render("SPP: Ann Lee", NULL, 0, STAMP);
    ICAL_HAS(s, "BEGIN:VCALENDAR\r\n", "\r\nPRODID:-//SPP//Schools Partnership Programme//EN\r\n",
             "\r\nVERSION:2.0\r\n", "\r\nMETHOD:PUBLISH\r\n", "\r\nX-WR-CALNAME:SPP: Ann Lee\r\n");
    ck_assert_ptr_null(strstr(s, "BEGIN:VEVENT"));
    size_t len = strlen(s);
    ck_assert_uint_ge(len, 15);
    ck_assert_str_eq(s + len - 15, "END:VCALENDAR\r\n");
    /* Every line ends in CRLF: no bare LF, no bare CR. */
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            ck_assert_msg(i > 0 && s[i - 1] == '\r', "bare LF at %zu", i);
        if (s[i] == '\r')
            ck_assert_msg(s[i + 1] == '\n', "bare CR at %zu", i);
    }
    free(s);
}
END_TEST

START_TEST(ical_escapes_user_text)
{
    struct ical_event e = all_day("x@spp", "a, b; c\nd", (struct caldate){2027, 3, 10},
                                  (struct caldate){2027, 3, 10});
    e.description = "back\\slash";
    e.location = "Oak Primary, LS1 1AA";
    char *s = ical_render("Lee, Ann\nA\\B", &e, 1, STAMP);
    ICAL_HAS(s, "\r\nSUMMARY:a\\, b\\; c\\nd\r\n", "\r\nDESCRIPTION:back\\\\slash\r\n",
             "\r\nLOCATION:Oak Primary\\, LS1 1AA\r\n");
    /* The X- name is TEXT too (RFC 5545 §3.8.8.2): its comma escaped like the rest. */
    ck_assert_ptr_nonnull(strstr(s, "\r\nX-WR-CALNAME:Lee\\, Ann\\nA\\\\B\r\n"));
    free(s);
    /* A semicolon in the name is not a parameter, nor a comma a list; and the name comes
     * before the first event. */
    s = ical_render("SPP: Smith, Jo; Head", &e, 1, STAMP);
    ck_assert_ptr_nonnull(strstr(s, "\r\nX-WR-CALNAME:SPP: Smith\\, Jo\\; Head\r\n"));
    ck_assert(strstr(s, "X-WR-CALNAME") < strstr(s, "BEGIN:VEVENT"));
    free(s);
}
END_TEST

START_TEST(ical_folds_long_lines)
{
    char summary[400];
    strcpy(summary, "Peer review visit: ");
    while (strlen(summary) < 300)
        strcat(summary, "Long Name ");
    struct ical_event e =
        all_day("x@spp", summary, (struct caldate){2027, 3, 10}, (struct caldate){2027, 3, 10});
    char *s = ical_render("SPP", &e, 1, STAMP);
    /* No line longer than 75 octets, and the long one was folded. */
    size_t line = 0;
    int continuations = 0;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            ck_assert_uint_le(line, 75);
            line = 0;
            p++;
            if (p[1] == ' ')
                continuations++;
            continue;
        }
        line++;
    }
    ck_assert_int_ge(continuations, 3);
    char *flat = unfold(s);
    char *want = malloc(strlen(summary) + 16);
    strcpy(want, "\r\nSUMMARY:");
    strcat(want, summary);
    strcat(want, "\r\n");
    ck_assert_ptr_nonnull(strstr(flat, want));
    free(want);
    free(flat);
    free(s);
}
END_TEST

START_TEST(ical_all_day_and_timed)
{
    struct ical_event ev[2];
    ev[0] = all_day("review-visit-1@spp", "Visit", (struct caldate){2027, 2, 27},
                    (struct caldate){2027, 2, 28});
    memset(&ev[1], 0, sizeof ev[1]);
    ev[1].uid = "booking-2@spp";
    ev[1].summary = "Training: Peer reviewer";
    ev[1].location = "Leeds";
    ev[1].starts_at = T0930;
    ev[1].ends_at = T1600;
    char *s = ical_render("SPP", ev, 2, STAMP);
    char *flat = unfold(s);
    /* All-day: DATE values, DTEND the day after the last (here across a month end). */
    ICAL_HAS(flat, "\r\nUID:review-visit-1@spp\r\n", "\r\nDTSTART;VALUE=DATE:20270227\r\n",
             "\r\nDTEND;VALUE=DATE:20270301\r\n");
    /* Timed: UTC date-times. */
    ICAL_HAS(flat, "\r\nUID:booking-2@spp\r\n", "\r\nDTSTART:20270315T093000Z\r\n",
             "\r\nDTEND:20270315T160000Z\r\n", "\r\nLOCATION:Leeds\r\n");
    /* The stamp passed in, on every event; no DESCRIPTION when there is none. */
    const char *p = flat;
    int stamps = 0;
    while ((p = strstr(p, "\r\nDTSTAMP:20261122T020000Z\r\n"))) {
        stamps++;
        p++;
    }
    ck_assert_int_eq(stamps, 2);
    ck_assert_ptr_null(strstr(flat, "DESCRIPTION"));
    /* In the order given. */
    ck_assert(strstr(flat, "review-visit-1@spp") < strstr(flat, "booking-2@spp"));
    free(flat);
    free(s);
}
END_TEST

/* RFC 5545 allows no control character in a TEXT value but HTAB: user text holding them (a
 * school name with a stray CR or ESC) must not reach the feed raw (found by fuzz_ical). CR and
 * CRLF read as a line break, the others as a space. */
START_TEST(ical_control_characters_never_reach_the_text)
{
    struct ical_event e = all_day("x\x1b@spp", "Oak\x01Primary\r\nvisit\rday",
                                  (struct caldate){2027, 3, 10}, (struct caldate){2027, 3, 10});
    e.description = "tab\tkept\x7f";
    e.location = "LS1\x0b 1AA";
    char *s = ical_render("Cal\x07", &e, 1, STAMP);
    ICAL_HAS(s, "\r\nSUMMARY:Oak Primary\\nvisit\\nday\r\n", "\r\nDESCRIPTION:tab\tkept \r\n",
             "\r\nLOCATION:LS1  1AA\r\n", "\r\nUID:x @spp\r\n", "\r\nX-WR-CALNAME:Cal \r\n");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '\r')
            ck_assert_msg(p[1] == '\n', "bare CR at %td", (const char *)p - s);
        else if (*p == '\n')
            ck_assert_msg(p > (const unsigned char *)s && p[-1] == '\r', "bare LF");
        else
            ck_assert_msg((*p >= 0x20 && *p != 0x7F) || *p == '\t', "control character %02x", *p);
    free(s);
}
END_TEST

/* libical folds a line ending exactly at 75 octets between its CR and LF ("x CR CRLF SP LF"):
 * a summary of 73 characters did it (found by fuzz_ical). Every length, every line CRLF. */
START_TEST(ical_fold_never_splits_a_line_ending)
{
    char summary[200];
    for (size_t n = 1; n < sizeof summary; n++) {
        memset(summary, 'x', n);
        summary[n] = '\0';
        struct ical_event e =
            all_day("x@spp", summary, (struct caldate){2027, 3, 10}, (struct caldate){2027, 3, 10});
        e.description = summary;
        char *s = ical_render(summary, &e, 1, STAMP);
        size_t line = 0;
        for (const char *p = s; *p; p++) {
            if (*p == '\r' || *p == '\n') {
                ck_assert_msg(p[0] == '\r' && p[1] == '\n', "bare CR or LF at length %zu", n);
                ck_assert_uint_le(line, 75);
                line = 0;
                p++;
                continue;
            }
            line++;
        }
        char *flat = unfold(s);
        char want[256];
        snprintf(want, sizeof want, "\r\nSUMMARY:%s\r\n", summary);
        ck_assert_msg(strstr(flat, want) != NULL, "summary of %zu lost", n);
        free(flat);
        free(s);
    }
}
END_TEST

/* Every physical line is at most 75 octets and valid UTF-8 by itself: a fold never splits a
 * character, in the calendar's name (written by ical.c) nor in an event's text (by libical). */
static void expect_whole_characters(const char *s, const char *what, size_t n)
{
    for (const char *line = s; *line;) {
        const char *end = strstr(line, "\r\n");
        ck_assert_ptr_nonnull(end);
        size_t len = (size_t)(end - line);
        ck_assert_msg(len <= 75, "%s %zu: a line of %zu octets", what, n, len);
        ck_assert_msg(validate_utf8(line, len), "%s %zu: a fold split a character", what, n);
        line = end + 2;
    }
}

START_TEST(ical_fold_keeps_characters_whole)
{
    static const char *const chars[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x93\x85", "a"};
    char text[1024];
    for (size_t n = 1; n < 160; n++) {
        text[0] = '\0';
        for (size_t i = 0; i < n; i++)
            strcat(text, chars[(i * 7 + n) % 4]);
        struct ical_event e =
            all_day("x@spp", text, (struct caldate){2027, 3, 10}, (struct caldate){2027, 3, 10});
        e.location = text;
        char *s = ical_render(text, &e, 1, STAMP);
        expect_whole_characters(s, "length", n);
        char *flat = unfold(s);
        char want[1100];
        snprintf(want, sizeof want, "\r\nX-WR-CALNAME:%s\r\n", text);
        ck_assert_msg(strstr(flat, want) != NULL, "name of %zu lost", n);
        snprintf(want, sizeof want, "\r\nSUMMARY:%s\r\n", text);
        ck_assert_msg(strstr(flat, want) != NULL, "summary of %zu lost", n);
        free(flat);
        free(s);
    }
}
END_TEST

Suite *ical_suite(void)
{
    Suite *s = suite_create("ical");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, ical_calendar_header_and_crlf);
    tcase_add_test(tc, ical_escapes_user_text);
    tcase_add_test(tc, ical_folds_long_lines);
    tcase_add_test(tc, ical_all_day_and_timed);
    tcase_add_test(tc, ical_control_characters_never_reach_the_text);
    tcase_add_test(tc, ical_fold_never_splits_a_line_ending);
    tcase_add_test(tc, ical_fold_keeps_characters_whole);
    suite_add_tcase(s, tc);
    return s;
}
