/* The best-practice digest rendered for people (DESIGN §4): a subject line, plain text and HTML
 * built from the digest as the API shows it (digest_json). The sections always come in the
 * same order, each present even when it has nothing to say, so that a reader finds things in
 * the same place every time:
 *
 *   1. New best practices          (news)
 *   2. Reviews that changed status (news)
 *   3. Visits and workshops in the next 14 days (context)
 *   4. Training with seats left                 (context)
 *
 * Every string that came from a user or the database goes through html_escape in the
 * HTML, dates and numbers included. The compile job (services/worker/jobs/digest_compile.c)
 * writes the items; timestamps arrive both as RFC 3339 UTC and, for people, already shown in
 * the partnership's time zone (the *_local members), since this module may not look at a
 * time-zone database. Pure: no I/O, no clock. */
#include "digest.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caldate.h"
#include "html.h"
#include "mail.h"
#include "xalloc.h"

/* Why the reader gets this, and how to stop it when the message has no unsubscribe link. */
#define DIGEST_REASON "You receive this digest as a member of staff at a school of the partnership."
#define DIGEST_REASON_NO_LINK                                                                      \
    DIGEST_REASON " To stop receiving it, ask your school's SPP lead to switch the digest off "    \
                  "on your profile."

/* Words for the enumerations people read; anything else is shown as it is. */
static const char *const digest_status_words[][2] = {
    {"planning", "planning"},     {"scheduled", "scheduled"},
    {"in_review", "in review"},   {"feedback", "feedback"},
    {"workshop", "workshop"},     {"implementing", "implementing"},
    {"reflecting", "reflecting"}, {"completed", "completed"},
    {"cancelled", "cancelled"},   {NULL, NULL},
};

static const char *const digest_course_words[][2] = {
    {"peer_reviewer", "Peer reviewer training"},
    {"improvement_champion", "Improvement champion training"},
    {"peer_reviewer_refresher", "Peer reviewer refresher"},
    {"improvement_champion_refresher", "Improvement champion refresher"},
    {NULL, NULL},
};

static const char *const digest_months[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

static const char *digest_word(const char *const (*table)[2], const char *value)
{
    for (size_t i = 0; table[i][0]; i++)
        if (!strcmp(table[i][0], value))
            return table[i][1];
    return value;
}

/* The string member k of o, "" when absent or not a string (borrowed). */
static const char *digest_str(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

/* The member k of o when it is a string, else fallback's (borrowed). */
static const char *digest_str_or(const json_t *o, const char *k, const char *fallback)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v && *v ? v : digest_str(o, fallback);
}

/* Appends s to the plain text, its continuation lines indented by indent spaces. */
static void digest_text_lines(struct buf *b, const char *s, int indent)
{
    for (const char *p = s; *p; p++) {
        if (*p == '\r')
            continue;
        buf_putc(b, *p);
        if (*p == '\n')
            buf_printf(b, "%*s", indent, "");
    }
}

/* The sections' lists: absent counts as empty; anything else must be an array of objects.
 * Returns 0 or -1. */
static int digest_list(const json_t *items, const char *k, const json_t **out)
{
    const json_t *v = json_object_get(items, k);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return -1;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        if (!json_is_object(e))
            return -1;
    }
    *out = v;
    return 0;
}

/* One section of both bodies. */
struct digest_out {
    struct buf text;
    struct buf html;
    const char *public_url; /* borrowed; NULL: no links */
};

/* The public URL of review id (NULL without a public URL or a UUID). The caller frees it. */
static char *digest_review_url(const struct digest_out *o, const char *id)
{
    return mail_resource_url(o->public_url, "/v1/reviews", id);
}

/* A section's heading; with nothing in list, the line none and 0; else the list opened and 1. */
static int digest_section(struct digest_out *o, const char *title, const json_t *list,
                          const char *none)
{
    buf_printf(&o->text, "\n%s\n", title);
    for (size_t i = strlen(title); i > 0; i--)
        buf_putc(&o->text, '-');
    buf_putc(&o->text, '\n');
    buf_printf(&o->html, MAIL_H2 "%s</h2>\n", title); /* a literal of this file */
    if (json_array_size(list) == 0) {
        buf_printf(&o->text, "%s\n", none);
        buf_printf(&o->html, MAIL_NOTE "%s</p>\n", none);
        return 0;
    }
    buf_puts(&o->html, MAIL_UL "\n");
    return 1;
}

/* A section whose entries are list's: each written by item (its text and HTML lines). */
static void digest_items(struct digest_out *o, const char *title, const json_t *list,
                         const char *none, void (*item)(struct digest_out *, const json_t *))
{
    if (!digest_section(o, title, list, none))
        return;
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) item(o, e);
    buf_puts(&o->html, "</ul>\n");
}

static void digest_best_practice(struct digest_out *o, const json_t *e)
{
    const char *title = digest_str(e, "title"), *school = digest_str(e, "school_name");
    const char *description = digest_str(e, "description");
    buf_puts(&o->text, "* ");
    digest_text_lines(&o->text, title, 2);
    buf_puts(&o->text, " (");
    digest_text_lines(&o->text, school, 2);
    buf_puts(&o->text, ")\n  ");
    digest_text_lines(&o->text, description, 2);
    buf_puts(&o->text, "\n");

    buf_puts(&o->html, MAIL_LI "<strong>");
    html_escape(&o->html, title);
    buf_puts(&o->html, "</strong> (");
    html_escape(&o->html, school);
    buf_puts(&o->html, ")<br>\n");
    html_escape(&o->html, description);
    char *url = digest_review_url(o, digest_str(e, "review_id"));
    if (url) {
        buf_printf(&o->text, "  %s\n", url);
        buf_puts(&o->html, "<br>\n");
        mail_html_link(&o->html, url, "From this review");
    }
    free(url);
    buf_puts(&o->html, "</li>\n");
}

/* One review's moves within the window: the first status it left, the last it reached, when,
 * and how many transitions lie between. */
struct digest_move {
    const char *review_id, *school, *from, *to, *at;
    size_t count;
};

/* The status changes folded to one line per review (DESIGN §4: "first status -> last"), in
 * the order of each review's first change; a change without a review_id stays a line of its
 * own. Returns how many; *out is the caller's to free. */
static size_t digest_moves(const json_t *list, struct digest_move **out)
{
    size_t n = 0, cap = json_array_size(list);
    struct digest_move *m = cap ? xcalloc(cap, sizeof *m) : NULL;
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *id = digest_str(e, "review_id");
        struct digest_move *hit = NULL;
        for (size_t k = 0; *id && k < n && !hit; k++)
            if (!strcmp(m[k].review_id, id))
                hit = &m[k];
        if (!hit) {
            hit = &m[n++];
            hit->review_id = id;
            hit->school = digest_str(e, "school_name");
            hit->from = digest_str(e, "from");
        }
        hit->to = digest_str(e, "to");
        hit->at = digest_str_or(e, "at_local", "at");
        hit->count++;
    }
    *out = m;
    return n;
}

static void digest_status_changes(struct digest_out *o, const json_t *list)
{
    if (!digest_section(o, "Reviews that changed status", list, "No review changed status."))
        return;
    struct digest_move *moves;
    size_t n = digest_moves(list, &moves);
    for (size_t i = 0; i < n; i++) {
        const struct digest_move *mv = &moves[i];
        const char *from = digest_word(digest_status_words, mv->from);
        const char *to = digest_word(digest_status_words, mv->to);
        char steps[48] = "";
        if (mv->count > 1)
            snprintf(steps, sizeof steps, "%zu changes, last ", mv->count);
        char *url = digest_review_url(o, mv->review_id);
        int when = *steps || *mv->at;
        buf_puts(&o->text, "* ");
        digest_text_lines(&o->text, mv->school, 2);
        buf_printf(&o->text, ": %s -> %s", from, to);
        if (when) {
            buf_printf(&o->text, " (%s", steps);
            digest_text_lines(&o->text, mv->at, 2);
            buf_puts(&o->text, ")");
        }
        buf_puts(&o->text, "\n");
        if (url)
            buf_printf(&o->text, "  %s\n", url);

        buf_puts(&o->html, MAIL_LI);
        if (url)
            mail_html_link(&o->html, url, mv->school);
        else
            html_escape(&o->html, mv->school);
        buf_puts(&o->html, ": <strong>");
        html_escape(&o->html, from);
        buf_puts(&o->html, "</strong> &rarr; <strong>");
        html_escape(&o->html, to);
        buf_puts(&o->html, "</strong>");
        if (when) {
            buf_puts(&o->html, " <span style=\"color:#52606d\">(");
            html_escape(&o->html, steps);
            html_escape(&o->html, mv->at);
            buf_puts(&o->html, ")</span>");
        }
        buf_puts(&o->html, "</li>\n");
        free(url);
    }
    buf_puts(&o->html, "</ul>\n");
    free(moves);
}

static void digest_upcoming_item(struct digest_out *o, const json_t *e)
{
    const char *what =
        !strcmp(digest_str(e, "kind"), "workshop") ? "Improvement workshop" : "Review visit";
    const char *school = digest_str(e, "school_name");
    const char *starts = digest_str(e, "starts_on"), *ends = digest_str(e, "ends_on");
    int one_day = !*ends || !strcmp(starts, ends);
    buf_printf(&o->text, "* %s at ", what);
    digest_text_lines(&o->text, school, 2);
    buf_puts(&o->text, ": ");
    digest_text_lines(&o->text, starts, 2);
    if (!one_day) {
        buf_puts(&o->text, " to ");
        digest_text_lines(&o->text, ends, 2);
    }
    buf_puts(&o->text, "\n");

    buf_printf(&o->html, MAIL_LI "%s at ", what);
    html_escape(&o->html, school);
    buf_puts(&o->html, ": ");
    html_escape(&o->html, starts);
    if (!one_day) {
        buf_puts(&o->html, " to ");
        html_escape(&o->html, ends);
    }
    buf_puts(&o->html, "</li>\n");
}

static void digest_training_item(struct digest_out *o, const json_t *e)
{
    const char *course = digest_word(digest_course_words, digest_str(e, "course"));
    const char *starts = digest_str_or(e, "starts_local", "starts_at");
    const char *location = digest_str(e, "location");
    json_int_t seats = json_integer_value(json_object_get(e, "seats_left"));
    char seats_text[64];
    snprintf(seats_text, sizeof seats_text, "%lld seat%s left", (long long)seats,
             seats == 1 ? "" : "s");
    buf_puts(&o->text, "* ");
    digest_text_lines(&o->text, course, 2);
    buf_puts(&o->text, ": ");
    digest_text_lines(&o->text, starts, 2);
    buf_puts(&o->text, ", ");
    digest_text_lines(&o->text, location, 2);
    buf_printf(&o->text, " (%s)\n", seats_text);

    buf_puts(&o->html, MAIL_LI);
    html_escape(&o->html, course);
    buf_puts(&o->html, ": ");
    html_escape(&o->html, starts);
    buf_puts(&o->html, ", ");
    html_escape(&o->html, location);
    buf_puts(&o->html, " (");
    html_escape(&o->html, seats_text);
    buf_puts(&o->html, ")</li>\n");
}

/* The subject goes into a mail header: control characters (a line break in a partnership's
 * name) become spaces, so that nothing can end the header early. */
static char *digest_subject(const char *partnership, const char *date)
{
    char *s = xasprintf("%s \xe2\x80\x94 best practice digest, %s", partnership, date);
    for (unsigned char *p = (unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return s;
}

int digest_render(const json_t *digest, const struct mail_context *ctx, struct mail_message *out)
{
    memset(out, 0, sizeof *out);
    const json_t *items = json_object_get(digest, "items");
    const char *name = json_string_value(json_object_get(items, "partnership_name"));
    const char *date = json_string_value(json_object_get(digest, "digest_date"));
    struct caldate day;
    if (!json_is_object(digest) || !json_is_object(items) || !name || !date ||
        caldate_parse(date, &day) != 0)
        return -1;
    const json_t *bps, *changes, *upcoming, *training;
    if (digest_list(items, "best_practices", &bps) != 0 ||
        digest_list(items, "status_changes", &changes) != 0 ||
        digest_list(items, "upcoming", &upcoming) != 0 ||
        digest_list(items, "training", &training) != 0)
        return -1;

    char when[48];
    snprintf(when, sizeof when, "%d %s %d", day.d, digest_months[day.m - 1], day.y);
    struct digest_out o;
    buf_init(&o.text);
    buf_init(&o.html);
    o.public_url = ctx ? ctx->public_url : NULL;
    const char *unsubscribe =
        ctx && ctx->unsubscribe_url && *ctx->unsubscribe_url ? ctx->unsubscribe_url : NULL;
    out->subject = digest_subject(name, when);
    struct mail_frame frame = {out->subject, "Best practice digest",
                               name,         unsubscribe ? DIGEST_REASON : DIGEST_REASON_NO_LINK,
                               unsubscribe,  "the best practice digest"};

    /* The opening: what this is, and the period it covers when the compile said so. */
    const char *from = digest_str(items, "window_from_local");
    const char *to = digest_str(items, "cut_off_local");
    const char *tz = digest_str(items, "timezone");
    int news = json_array_size(bps) + json_array_size(changes) > 0;
    digest_text_lines(&o.text, name, 0);
    buf_printf(&o.text, " \xe2\x80\x94 best practice digest, %s\n", when);
    if (*from && *to) {
        buf_puts(&o.text, "What happened from ");
        digest_text_lines(&o.text, from, 0);
        buf_puts(&o.text, " to ");
        digest_text_lines(&o.text, to, 0);
        if (*tz) {
            buf_puts(&o.text, " (");
            digest_text_lines(&o.text, tz, 0);
            buf_puts(&o.text, " time)");
        }
        buf_puts(&o.text, ".\n");
    }
    if (!news)
        buf_puts(&o.text, "Nothing new since the last digest.\n");

    mail_html_begin(&o.html, &frame);
    buf_puts(&o.html, MAIL_P "<strong>");
    html_escape(&o.html, when);
    buf_puts(&o.html, "</strong>");
    if (*from && *to) {
        buf_puts(&o.html, ": what happened from ");
        html_escape(&o.html, from);
        buf_puts(&o.html, " to ");
        html_escape(&o.html, to);
        if (*tz) {
            buf_puts(&o.html, " (");
            html_escape(&o.html, tz);
            buf_puts(&o.html, " time)");
        }
    }
    buf_puts(&o.html, ".</p>\n");
    if (!news)
        buf_puts(&o.html, MAIL_P "Nothing new since the last digest.</p>\n");

    digest_items(&o, "New best practices", bps, "No best practice was published.",
                 digest_best_practice);
    digest_status_changes(&o, changes);
    digest_items(&o, "Visits and workshops in the next 14 days", upcoming,
                 "No review visit or workshop is coming up.", digest_upcoming_item);
    digest_items(&o, "Training with seats left", training, "No training session has seats left.",
                 digest_training_item);

    const char *id = json_string_value(json_object_get(digest, "id"));
    char *online = mail_resource_url(o.public_url, "/v1/digests", id);
    if (online) {
        buf_printf(&o.text, "\nThis digest in the SPP service: %s\n", online);
        buf_puts(&o.html, MAIL_NOTE);
        mail_html_link(&o.html, online, "This digest in the SPP service");
        buf_puts(&o.html, "</p>\n");
    }
    free(online);
    mail_text_end(&o.text, &frame);
    mail_html_end(&o.html, &frame);
    out->text = buf_steal(&o.text, NULL);
    out->html = buf_steal(&o.html, NULL);
    return 0;
}
