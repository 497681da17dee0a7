/* notify_render: every kind renders a subject, text and HTML from its data; every data string is
 * escaped in the HTML (a <script> never survives), shown as it is in the text, and kept to one
 * line in the subject; missing members leave their paragraph out; unknown kinds are refused. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "notify.h"
#include "unit.h"

static const char *const all_kinds[] = {
    "review_visit_7d", "review_visit_1d",       "workshop_3d", "action_due_7d",
    "action_overdue",  "impact_reflection_due", "training_2d", "review_planning_6w",
    "booking.changed", "champion.unassignable", NULL,
};

/* Data with every member any kind reads, each string holding s. */
static json_t *data_all(const char *s)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                     "s:s, s:s}",
                     "name", s, "school_name", s, "focus", s, "starts", s, "ends", s, "workshop_on",
                     s, "days", 7, "role", "team", "action", s, "due_on", s, "course", s,
                     "location", s, "status", "booked", "reason", s, "review_id",
                     "0b0f6a6e-3c52-4a3f-9a4c-4f1e2f1b9c11", "extra", s);
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return 1;
    return 0;
}

START_TEST(every_kind_renders)
{
    json_t *data = data_all("Oakfield Primary");
    for (size_t i = 0; all_kinds[i]; i++) {
        struct mail_message m;
        ck_assert_msg(notify_render(all_kinds[i], data, NULL, &m) == 0, "%s", all_kinds[i]);
        ck_assert_msg(strstr(m.subject, "Oakfield Primary") != NULL, "%s: %s", all_kinds[i],
                      m.subject);
        ck_assert_ptr_nonnull(strstr(m.text, "Dear Oakfield Primary,"));
        ck_assert_ptr_nonnull(strstr(m.html, "<!DOCTYPE html>"));
        ck_assert_ptr_nonnull(strstr(m.html, "<title>"));
        ck_assert_ptr_nonnull(strstr(m.html, "</html>"));
        ck_assert_ptr_null(strchr(m.subject, '\n'));
        ck_assert_ptr_null(strchr(m.subject, '{'));
        ck_assert_ptr_null(strchr(m.text, '{'));
        ck_assert_ptr_null(strchr(m.html, '{'));
        mail_message_cleanup(&m);
    }
    json_decref(data);
}
END_TEST

START_TEST(reminder_kinds_all_have_templates)
{
    json_t *data = json_object();
    for (size_t i = 0; notify_reminder_kinds[i]; i++) {
        struct mail_message m;
        ck_assert_int_eq(notify_render(notify_reminder_kinds[i], data, NULL, &m), 0);
        ck_assert_ptr_nonnull(strstr(m.text, "notification preferences"));
        mail_message_cleanup(&m);
    }
    struct mail_message m;
    ck_assert_int_eq(notify_render("booking.changed", data, NULL, &m), 0);
    ck_assert_ptr_null(strstr(m.text, "notification preferences"));
    mail_message_cleanup(&m);
    json_decref(data);
}
END_TEST

START_TEST(the_facts_appear)
{
    json_t *data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s}", "name", "Ada Lovelace",
                             "school_name", "Oakfield Primary", "focus", "How well do pupils read?",
                             "starts", "Tuesday 8 June 2027", "ends", "Wednesday 9 June 2027",
                             "days", 7, "role", "host");
    struct mail_message m;
    ck_assert_int_eq(notify_render("review_visit_7d", data, NULL, &m), 0);
    ck_assert_str_eq(m.subject, "Peer review visit in 7 days: Oakfield Primary");
    ck_assert_ptr_nonnull(strstr(m.text, "begins on Tuesday 8 June 2027 and ends on Wednesday "
                                         "9 June 2027."));
    ck_assert_ptr_nonnull(strstr(m.text, "Your school is hosting this review."));
    ck_assert_ptr_nonnull(strstr(m.text, "Enquiry focus: How well do pupils read?"));
    char *plain = unit_unstyled(m.html);
    ck_assert_ptr_nonnull(strstr(plain, "<p>Enquiry focus: How well do pupils read?</p>"));
    free(plain);
    mail_message_cleanup(&m);

    json_object_set_new(data, "days", json_integer(1));
    ck_assert_int_eq(notify_render("action_due_7d", data, NULL, &m), 0);
    ck_assert_str_eq(m.subject, "Action due tomorrow: Oakfield Primary");
    mail_message_cleanup(&m);
    json_object_set_new(data, "days", json_integer(30));
    ck_assert_int_eq(notify_render("review_planning_6w", data, NULL, &m), 0);
    ck_assert_str_eq(m.subject, "Review still in planning, visit in 30 days: Oakfield Primary");
    ck_assert_ptr_nonnull(strstr(m.text, "begins on Tuesday 8 June 2027 (in 30 days)."));
    mail_message_cleanup(&m);

    json_object_set_new(data, "role", json_string("team"));
    ck_assert_int_eq(notify_render("review_visit_1d", data, NULL, &m), 0);
    ck_assert_str_eq(m.subject, "Peer review visit tomorrow: Oakfield Primary");
    ck_assert_ptr_nonnull(strstr(m.text, "You are on the review team."));
    mail_message_cleanup(&m);

    json_t *booking =
        json_pack("{s:s, s:s, s:s, s:s}", "course", "Peer reviewer", "starts",
                  "Monday 7 June 2027 at 09:30", "location", "Leeds", "status", "waitlisted");
    ck_assert_int_eq(notify_render("booking.changed", booking, NULL, &m), 0);
    ck_assert_ptr_nonnull(strstr(m.text, "Hello,"));
    ck_assert_ptr_nonnull(strstr(m.text, "is on the waiting list."));
    mail_message_cleanup(&m);
    json_decref(booking);
    json_decref(data);
}
END_TEST

START_TEST(missing_members_leave_their_paragraph_out)
{
    json_t *data = json_pack("{s:s, s:s, s:s, s:n, s:i}", "school_name", "Oakfield", "starts",
                             "Monday", "ends", "Tuesday", "focus", "days", 3);
    struct mail_message m;
    ck_assert_int_eq(notify_render("review_visit_7d", data, NULL, &m), 0);
    ck_assert_ptr_null(strstr(m.text, "Enquiry focus"));
    ck_assert_ptr_null(strstr(m.html, "Enquiry focus"));
    ck_assert_ptr_null(strstr(m.text, "You are on")); /* no role */
    ck_assert_ptr_nonnull(strstr(m.text, "Hello,"));
    mail_message_cleanup(&m);
    /* Not an object at all: still renders, from nothing. */
    ck_assert_int_eq(notify_render("workshop_3d", NULL, NULL, &m), 0);
    ck_assert_ptr_nonnull(m.subject);
    mail_message_cleanup(&m);
    json_decref(data);
}
END_TEST

START_TEST(script_never_survives_in_html)
{
    const char *evil = "<script>alert('x')</script> & \"quoted\" <img src=x onerror=alert(1)>";
    json_t *data = data_all(evil);
    for (size_t i = 0; all_kinds[i]; i++) {
        struct mail_message m;
        ck_assert_int_eq(notify_render(all_kinds[i], data, NULL, &m), 0);
        ck_assert_msg(!contains_ci(m.html, "<script"), "%s: %s", all_kinds[i], m.html);
        ck_assert(!contains_ci(m.html, "<img"));
        ck_assert(!contains_ci(m.html, "'x'"));
        ck_assert(!contains_ci(m.html, "\"quoted\""));
        ck_assert_ptr_nonnull(strstr(m.html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; "
                                             "&amp; &quot;quoted&quot;"));
        /* The text part shows the data as it is. */
        ck_assert_ptr_nonnull(strstr(m.text, evil));
        mail_message_cleanup(&m);
    }
    json_decref(data);
}
END_TEST

START_TEST(subject_is_one_short_line)
{
    json_t *data =
        json_pack("{s:s, s:s}", "school_name", "Oak\r\nBcc: victim@example.org", "focus", "x");
    struct mail_message m;
    ck_assert_int_eq(notify_render("impact_reflection_due", data, NULL, &m), 0);
    for (const char *p = m.subject; *p; p++)
        ck_assert(!iscntrl((unsigned char)*p));
    ck_assert_str_eq(m.subject, "Time for the impact reflection: Oak  Bcc: victim@example.org");
    mail_message_cleanup(&m);

    /* A long UTF-8 name is cut at a character boundary. */
    char longname[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(longname, "\xC3\xA9"); /* é */
    json_object_set_new(data, "school_name", json_string(longname));
    ck_assert_int_eq(notify_render("impact_reflection_due", data, NULL, &m), 0);
    const char *tail = strstr(m.subject, ": ") + 2;
    ck_assert_uint_eq(strlen(tail), 80 * 2 + 3);
    ck_assert_str_eq(tail + 160, "\xE2\x80\xA6");
    mail_message_cleanup(&m);
    json_decref(data);
}
END_TEST

/* With a context: the partnership heads the message, the review it is about is linked, and a
 * reminder (only a reminder) offers its one-click unsubscribe link in both parts. */
START_TEST(context_links_and_unsubscribe)
{
    json_t *data = data_all("Oakfield <Primary>");
    struct mail_context ctx = {"https://spp.example.org", "https://spp.example.org/unsubscribe/T",
                               "Aire & Valley"};
    for (size_t i = 0; all_kinds[i]; i++) {
        struct mail_message m;
        ck_assert_int_eq(notify_render(all_kinds[i], data, &ctx, &m), 0);
        unit_assert_mail_html(m.html);
        char *plain = unit_unstyled(m.html);
        ck_assert_ptr_nonnull(strstr(plain, "&middot; Aire &amp; Valley</p>"));
        ck_assert_ptr_nonnull(strstr(plain, "<h1>"));
        ck_assert_ptr_nonnull(strstr(plain, "<a href=\"https://spp.example.org/v1/reviews/"
                                            "0b0f6a6e-3c52-4a3f-9a4c-4f1e2f1b9c11\">"));
        ck_assert_ptr_nonnull(strstr(m.text, "The review in the SPP service: "
                                             "https://spp.example.org/v1/reviews/"));
        int reminder = i < 8;
        ck_assert_msg(!!strstr(plain, "<a href=\"https://spp.example.org/unsubscribe/T\">"
                                      "Unsubscribe</a> from ") == reminder,
                      "%s", all_kinds[i]);
        ck_assert_msg(!!strstr(m.text, ": https://spp.example.org/unsubscribe/T\n") == reminder,
                      "%s", all_kinds[i]);
        ck_assert_ptr_null(strstr(m.text, "notification preferences"));
        free(plain);
        mail_message_cleanup(&m);
    }
    json_decref(data);
}
END_TEST

START_TEST(unknown_kinds_are_refused)
{
    struct mail_message m;
    ck_assert_int_eq(notify_render("no.such.kind", NULL, NULL, &m), -1);
    ck_assert_ptr_null(m.subject);
    ck_assert_int_eq(notify_render("digest", NULL, NULL, &m), -1); /* digest_render's business */
    ck_assert_int_eq(notify_render(NULL, NULL, NULL, &m), -1);
    mail_message_cleanup(&m);
    mail_message_cleanup(NULL);
}
END_TEST

Suite *notify_suite(void)
{
    return unit_suite("notify",
                      UNIT_TCASE("render", every_kind_renders, reminder_kinds_all_have_templates,
                                 the_facts_appear, missing_members_leave_their_paragraph_out,
                                 script_never_survives_in_html, subject_is_one_short_line,
                                 context_links_and_unsubscribe, unknown_kinds_are_refused));
}
