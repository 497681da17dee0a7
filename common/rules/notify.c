/* Rendering notifications (DESIGN §4): every kind is a template of a subject and paragraphs with
 * {member} placeholders filled from the notification's data, rendered twice: as plain text with
 * the data as it is, and as HTML with every data string escaped. A paragraph that names a member
 * the data lacks (or holds empty) is left out, so optional facts (a review's focus) need no
 * special cases. Pure: no I/O, no clock. */
#include "notify.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "mail.h"
#include "unsub.h"
#include "xalloc.h"

const char *const notify_reminder_kinds[] = {
    "review_visit_7d", "review_visit_1d",    "workshop_3d",
    "action_due_7d",   "action_overdue",     "impact_reflection_due",
    "training_2d",     "review_planning_6w", NULL,
};

#define NOTIFY_MAX_PARAGRAPHS 6
/* How much of one data string a subject line shows (in characters). */
#define NOTIFY_SUBJECT_VALUE_MAX 80

struct notify_template {
    const char *kind;
    const char *subject;
    const char *paragraphs[NOTIFY_MAX_PARAGRAPHS + 1]; /* NULL-terminated */
};

/* The data members each kind reads (the producers write them; dates come formatted):
 *   name                          the recipient's full name (greeting; optional everywhere)
 *   days                          whole days from the scan's date to the event (an integer),
 *                                 shown as "today", "tomorrow" or "in N days" ({days_text})
 *   review_visit_7d, _1d          school_name, focus, starts, ends, days, role (team | host)
 *   workshop_3d                   school_name, focus, workshop_on, days, role (champion | host)
 *   action_due_7d, action_overdue school_name, action, due_on, days
 *   impact_reflection_due         school_name, focus, due_on
 *   training_2d                   course (e.g. "peer reviewer"), starts, location, days
 *   review_planning_6w            school_name, focus, starts, days
 *   booking.changed               course, starts, location, status (the booking's)
 *   champion.unassignable         school_name, focus, reason (review_id unused in the text) */
static const struct notify_template notify_templates[] = {
    {"review_visit_7d",
     "Peer review visit {days_text}: {school_name}",
     {"The peer review visit to {school_name} begins on {starts} and ends on {ends}.",
      "{role_text}", "Enquiry focus: {focus}",
      "Please check the arrangements with the host school and the review team this week.", NULL}},
    {"review_visit_1d",
     "Peer review visit tomorrow: {school_name}",
     {"The peer review visit to {school_name} begins tomorrow, {starts}, and ends on {ends}.",
      "{role_text}", "Enquiry focus: {focus}", NULL}},
    {"workshop_3d",
     "Improvement workshop {days_text}: {school_name}",
     {"The improvement workshop of the peer review of {school_name} takes place on "
      "{workshop_on}.",
      "{role_text}", "Enquiry focus: {focus}",
      "The workshop turns the review's findings into an action plan: please bring them.", NULL}},
    {"action_due_7d",
     "Action due {days_text}: {school_name}",
     {"An action you own from the peer review of {school_name} is due on {due_on}:", "{action}",
      "Please update its status once it is done.", NULL}},
    {"action_overdue",
     "Action overdue: {school_name}",
     {"An action you own from the peer review of {school_name} was due on {due_on} and is still "
      "open:",
      "{action}",
      "Please update its status, or agree a new date with the improvement champion. This "
      "reminder comes once a week while the action stays open.",
      NULL}},
    {"impact_reflection_due",
     "Time for the impact reflection: {school_name}",
     {"The implementation of the peer review of {school_name} was due to end on {due_on}.",
      "Enquiry focus: {focus}",
      "It is time to reflect on the impact of the actions and record the impact summary and the "
      "lessons learned, so that the review can be completed and its best practices shared with "
      "the partnership.",
      NULL}},
    {"training_2d",
     "Training {days_text}: {course} course",
     {"Your {course} course starts on {starts}.", "Location: {location}", NULL}},
    {"review_planning_6w",
     "Review still in planning, visit {days_text}: {school_name}",
     {"The peer review of {school_name} is still in planning, and its visit begins on {starts} "
      "({days_text}).",
      "Enquiry focus: {focus}",
      "Please help the host school confirm the team, the self-review summary and the dates, so "
      "that the review can be scheduled.",
      NULL}},
    {"booking.changed",
     "Your training booking: {course} course",
     {"Your place on the {course} course starting on {starts} {status_text}.",
      "Location: {location}", NULL}},
    {"champion.unassignable",
     "No improvement champion available: {school_name}",
     {"No eligible improvement champion could be found for the peer review of {school_name}.",
      "Enquiry focus: {focus}", "Reason: {reason}",
      "The review stays without a champion until one is chosen: please choose one by hand.", NULL}},
};

static const struct notify_template *notify_template_find(const char *kind)
{
    for (size_t i = 0; i < sizeof notify_templates / sizeof *notify_templates; i++)
        if (!strcmp(notify_templates[i].kind, kind))
            return &notify_templates[i];
    return NULL;
}

static int notify_is_reminder(const char *kind)
{
    for (size_t i = 0; notify_reminder_kinds[i]; i++)
        if (!strcmp(notify_reminder_kinds[i], kind))
            return 1;
    return 0;
}

/* The sentences computed from a code in the data rather than shown as they are. */
static const char *notify_role_text(const char *role)
{
    static const char *const map[][2] = {
        {"team", "You are on the review team."},
        {"host", "Your school is hosting this review."},
        {"champion", "You are the improvement champion facilitating it."},
    };
    for (size_t i = 0; role && i < sizeof map / sizeof *map; i++)
        if (!strcmp(map[i][0], role))
            return map[i][1];
    return NULL;
}

static const char *notify_status_text(const char *status)
{
    static const char *const map[][2] = {
        {"booked", "is confirmed"},
        {"waitlisted", "is on the waiting list"},
        {"cancelled", "has been cancelled"},
        {"attended", "is recorded as attended"},
        {"no_show", "is recorded as not attended"},
    };
    for (size_t i = 0; status && i < sizeof map / sizeof *map; i++)
        if (!strcmp(map[i][0], status))
            return map[i][1];
    return NULL;
}

/* The value of placeholder name (len bytes) from data, written into scratch when it is a number;
 * NULL when the data lacks it or holds an empty string. Borrowed from data or the tables. */
static const char *notify_value(const json_t *data, const char *name, size_t len, char *scratch,
                                size_t scratchlen)
{
    char key[64];
    if (len >= sizeof key)
        return NULL;
    memcpy(key, name, len);
    key[len] = '\0';
    if (!strcmp(key, "role_text"))
        return notify_role_text(json_string_value(json_object_get(data, "role")));
    if (!strcmp(key, "status_text"))
        return notify_status_text(json_string_value(json_object_get(data, "status")));
    if (!strcmp(key, "days_text")) {
        const json_t *days = json_object_get(data, "days");
        if (!json_is_integer(days))
            return NULL;
        long long n = (long long)json_integer_value(days);
        if (n == 0)
            return "today";
        if (n == 1)
            return "tomorrow";
        if (n > 1)
            snprintf(scratch, scratchlen, "in %lld days", n);
        else
            snprintf(scratch, scratchlen, "%lld days ago", -n);
        return scratch;
    }
    const json_t *v = json_object_get(data, key);
    if (json_is_string(v))
        return json_string_length(v) ? json_string_value(v) : NULL;
    if (json_is_integer(v)) {
        snprintf(scratch, scratchlen, "%lld", (long long)json_integer_value(v));
        return scratch;
    }
    if (json_is_real(v)) {
        snprintf(scratch, scratchlen, "%g", json_real_value(v));
        return scratch;
    }
    return NULL;
}

enum notify_mode { NOTIFY_TEXT, NOTIFY_HTML, NOTIFY_SUBJECT };

/* Appends s for a subject line: one line (control characters become spaces, so a value can
 * never start a header of its own) of at most NOTIFY_SUBJECT_VALUE_MAX characters, cut at a
 * character boundary with an ellipsis. */
static void notify_subject_value(struct buf *b, const char *s)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80 && ++chars > NOTIFY_SUBJECT_VALUE_MAX) {
            buf_puts(b, "\xE2\x80\xA6"); /* … */
            return;
        }
        buf_putc(b, (*p < 0x20 || *p == 0x7F) ? ' ' : (char)*p);
    }
}

static void notify_put(struct buf *b, const char *s, enum notify_mode mode)
{
    if (mode == NOTIFY_HTML)
        html_escape(b, s);
    else if (mode == NOTIFY_SUBJECT)
        notify_subject_value(b, s);
    else
        buf_puts(b, s);
}

/* Fills tpl from data into b. Returns 0, or -1 (b unchanged) when a placeholder has no value
 * and missing_ok is 0. The template's own text is trusted and never escaped. */
static int notify_fill(struct buf *b, const char *tpl, const json_t *data, enum notify_mode mode,
                       int missing_ok)
{
    char scratch[32];
    size_t mark = b->len;
    for (const char *p = tpl; *p;) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            buf_puts(b, p);
            break;
        }
        buf_append(b, p, (size_t)(open - p));
        const char *v =
            notify_value(data, open + 1, (size_t)(close - open - 1), scratch, sizeof scratch);
        if (v)
            notify_put(b, v, mode);
        else if (!missing_ok) {
            b->len = mark;
            if (b->data)
                b->data[mark] = '\0';
            return -1;
        }
        p = close + 1;
    }
    return 0;
}

int notify_render(const char *kind, const json_t *data, const struct mail_context *ctx,
                  struct mail_message *out)
{
    out->subject = out->text = out->html = NULL;
    const struct notify_template *t = kind ? notify_template_find(kind) : NULL;
    if (!t)
        return -1;
    json_t *empty = NULL;
    if (!json_is_object(data))
        data = empty = json_object();

    struct buf subject, text, html;
    buf_init(&subject);
    buf_init(&text);
    buf_init(&html);
    notify_fill(&subject, t->subject, data, NOTIFY_SUBJECT, 1);
    out->subject = buf_steal(&subject, NULL);

    int reminder = notify_is_reminder(kind);
    const char *unsubscribe = reminder && ctx && ctx->unsubscribe_url && *ctx->unsubscribe_url
                                  ? ctx->unsubscribe_url
                                  : NULL;
    struct mail_frame frame = {
        out->subject,
        out->subject,
        ctx ? ctx->partnership : NULL,
        !reminder     ? "This message is about your own part in the programme: it is sent whatever "
                        "your reminder settings."
        : unsubscribe ? "You receive this reminder for your part in the programme."
                      : "You receive this reminder for your part in the programme. You can "
                        "switch it off in your notification preferences.",
        unsubscribe,
        reminder ? unsub_kind_words(kind) : NULL};

    char scratch[32];
    const char *name = notify_value(data, "name", 4, scratch, sizeof scratch);
    mail_html_begin(&html, &frame);
    buf_puts(&html, MAIL_P);
    if (name) {
        buf_printf(&text, "Dear %s,\n\n", name);
        buf_puts(&html, "Dear ");
        html_escape(&html, name);
        buf_puts(&html, ",</p>\n");
    } else {
        buf_puts(&text, "Hello,\n\n");
        buf_puts(&html, "Hello,</p>\n");
    }
    for (size_t i = 0; t->paragraphs[i]; i++) {
        size_t mark = text.len;
        if (notify_fill(&text, t->paragraphs[i], data, NOTIFY_TEXT, 0) != 0)
            continue;
        if (text.len > mark)
            buf_puts(&text, "\n\n");
        /* A paragraph that is one data value alone (an action's text) is set off as a quote. */
        int quote = t->paragraphs[i][0] == '{' && strchr(t->paragraphs[i], '}')[1] == '\0' &&
                    strcmp(t->paragraphs[i], "{role_text}") != 0;
        buf_puts(&html, quote ? MAIL_QUOTE : MAIL_P);
        notify_fill(&html, t->paragraphs[i], data, NOTIFY_HTML, 0);
        buf_puts(&html, "</p>\n");
    }
    /* A link into the service for what the message is about, when it names a review. */
    const char *review = json_string_value(json_object_get(data, "review_id"));
    char *url = ctx ? mail_resource_url(ctx->public_url, "/v1/reviews", review) : NULL;
    if (url) {
        buf_printf(&text, "The review in the SPP service: %s\n", url);
        buf_puts(&html, MAIL_NOTE);
        mail_html_link(&html, url, "The review in the SPP service");
        buf_puts(&html, "</p>\n");
    }
    free(url);
    mail_text_end(&text, &frame);
    mail_html_end(&html, &frame);

    out->text = buf_steal(&text, NULL);
    out->html = buf_steal(&html, NULL);
    json_decref(empty);
    return 0;
}
