#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "mail.h"
#include "unit.h"

/* A digest as digest_json shows it, with one item in every section. */
static const char *const full_digest =
    "{\"id\":\"6a3c1b7e-2f55-4c8e-9a57-0c1f3d9e8b21\","
    "\"partnership_id\":\"0b6f6a5e-6f1c-4c53-9f2e-4d8a1b2c3d4e\","
    "\"digest_date\":\"2026-11-22\",\"cut_off\":\"2026-11-22T02:00:00Z\",\"empty\":false,"
    "\"delivered_at\":null,\"created_at\":\"2026-11-22T02:00:01Z\","
    "\"items\":{\"partnership_name\":\"Aire Valley Partnership\",\"timezone\":\"Europe/London\","
    "\"window_from\":\"2026-11-21T02:00:00Z\",\"window_from_local\":\"2026-11-21 02:00\","
    "\"cut_off_local\":\"2026-11-22 02:00\","
    "\"best_practices\":[{\"id\":\"b1\",\"title\":\"Library hour\","
    "\"description\":\"A weekly hour of free reading.\\nBorrowing doubled.\","
    "\"school_name\":\"Oak Primary\",\"review_id\":\"11111111-1111-4111-8111-111111111111\","
    "\"published_at\":\"2026-11-21T15:04:00Z\"}],"
    "\"status_changes\":[{\"review_id\":\"22222222-2222-4222-8222-222222222222\",\"school_name\":"
    "\"Elm Academy\","
    "\"from\":\"scheduled\",\"to\":\"in_review\",\"at\":\"2026-11-21T09:00:00Z\","
    "\"at_local\":\"2026-11-21 09:00\"}],"
    "\"upcoming\":[{\"kind\":\"visit\",\"review_id\":\"33333333-3333-4333-8333-333333333333\","
    "\"school_name\":\"Ash Juniors\","
    "\"starts_on\":\"2026-11-25\",\"ends_on\":\"2026-11-26\"},"
    "{\"kind\":\"workshop\",\"review_id\":\"r4\",\"school_name\":\"Birch Infants\","
    "\"starts_on\":\"2026-11-30\",\"ends_on\":\"2026-11-30\"}],"
    "\"training\":[{\"id\":\"t1\",\"course\":\"peer_reviewer\","
    "\"starts_at\":\"2026-12-03T09:30:00Z\",\"starts_local\":\"2026-12-03 09:30\","
    "\"location\":\"Leeds\",\"seats_left\":1},"
    "{\"id\":\"t2\",\"course\":\"improvement_champion_refresher\","
    "\"starts_at\":\"2026-12-10T09:30:00Z\",\"location\":\"York\",\"seats_left\":4}]}}";

static json_t *load(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
    return j;
}

/* Renders text, asserting success. */
static void render(const char *text, struct mail_message *m)
{
    json_t *d = load(text);
    ck_assert_int_eq(digest_render(d, NULL, m), 0);
    json_decref(d);
    ck_assert_ptr_nonnull(m->subject);
    ck_assert_ptr_nonnull(m->text);
    ck_assert_ptr_nonnull(m->html);
    unit_assert_mail_html(m->html);
    /* The tests compare the markup without its inline styles. */
    char *plain = unit_unstyled(m->html);
    free(m->html);
    m->html = plain;
}

/* Asserts that the needles occur in s in this order. */
static void in_order(const char *s, const char *const *needles)
{
    const char *at = s;
    for (const char *const *n = needles; *n; n++) {
        const char *hit = strstr(at, *n);
        ck_assert_msg(hit != NULL, "\"%s\" missing or out of order in:\n%s", *n, s);
        at = hit + strlen(*n);
    }
}

START_TEST(digest_subject_and_sections_in_order)
{
    struct mail_message m;
    render(full_digest, &m);
    ck_assert_str_eq(m.subject,
                     "Aire Valley Partnership \xe2\x80\x94 best practice digest, 22 November 2026");
    const char *text[] = {
        "Aire Valley Partnership",
        "What happened from 2026-11-21 02:00 to 2026-11-22 02:00 "
        "(Europe/London time).",
        "New best practices",
        "* Library hour (Oak Primary)\n  A weekly hour of free reading.\n  "
        "Borrowing doubled.\n",
        "Reviews that changed status", "* Elm Academy: scheduled -> in review (2026-11-21 09:00)",
        "Visits and workshops in the next 14 days",
        "* Review visit at Ash Juniors: 2026-11-25 to 2026-11-26\n",
        "* Improvement workshop at Birch Infants: 2026-11-30\n", "Training with seats left",
        "* Peer reviewer training: 2026-12-03 09:30, Leeds (1 seat left)",
        /* No local time given: the UTC instant is shown. */
        "* Improvement champion refresher: 2026-12-10T09:30:00Z, York "
        "(4 seats left)",
        NULL};
    in_order(m.text, text);
    ck_assert_ptr_null(strstr(m.text, "Nothing new"));
    const char *html[] = {"<!DOCTYPE html>",
                          "<title>Aire Valley Partnership \xe2\x80\x94 best practice digest, "
                          "22 November 2026</title>",
                          "<p>Schools Partnership Programme &middot; Aire Valley Partnership</p>\n"
                          "<h1>Best practice digest</h1>",
                          "<p><strong>22 November 2026</strong>: what happened from 2026-11-21 "
                          "02:00 to 2026-11-22 02:00 (Europe/London time).</p>",
                          "<h2>New best practices</h2>",
                          "<li><strong>Library hour</strong> (Oak Primary)<br>\nA weekly hour "
                          "of free reading.<br>\nBorrowing doubled.</li>",
                          "<h2>Reviews that changed status</h2>",
                          "<li>Elm Academy: <strong>scheduled</strong> &rarr; <strong>in "
                          "review</strong> <span>(2026-11-21 09:00)</span></li>",
                          "<h2>Visits and workshops in the next 14 days</h2>",
                          "<li>Review visit at Ash Juniors: 2026-11-25 to 2026-11-26</li>",
                          "<li>Improvement workshop at Birch Infants: 2026-11-30</li>",
                          "<h2>Training with seats left</h2>",
                          "Peer reviewer training: 2026-12-03 09:30, Leeds (1 seat left)",
                          "To stop receiving it, ask your school&#39;s SPP lead",
                          "</body>",
                          NULL};
    in_order(m.html, html);
    /* Without a public URL there are no links; without an unsubscribe URL no such link. */
    ck_assert_ptr_null(strstr(m.html, "<a "));
    ck_assert_ptr_null(strstr(m.text, "http"));
    mail_message_cleanup(&m);
    mail_message_cleanup(&m); /* twice is harmless */
    mail_message_cleanup(NULL);
}
END_TEST

/* Every user string is escaped in the HTML, wherever it appears; the plain text keeps it. */
START_TEST(digest_escapes_user_strings)
{
    const char *hostile =
        "{\"digest_date\":\"2026-11-22\",\"items\":{"
        "\"partnership_name\":\"<i>Tom & Jerry's</i>\",\"timezone\":\"<tz>\","
        "\"window_from_local\":\"<a>\",\"cut_off_local\":\"<b>\","
        "\"best_practices\":[{\"title\":\"<script>alert(1)</script>\","
        "\"description\":\"Say \\\"hello\\\" & 'bye' <img src=x onerror=alert(2)>\","
        "\"school_name\":\"<b>Oak</b>\"}],"
        "\"status_changes\":[{\"school_name\":\"\\\"Elm\\\"\",\"from\":\"<x>\",\"to\":\"<y>\","
        "\"at_local\":\"<when>\"}],"
        "\"upcoming\":[{\"kind\":\"<k>\",\"school_name\":\"<s>\",\"starts_on\":\"<d1>\","
        "\"ends_on\":\"<d2>\"}],"
        "\"training\":[{\"course\":\"<c>\",\"starts_local\":\"<t>\",\"location\":\"<l>\","
        "\"seats_left\":2}]}}";
    struct mail_message m;
    render(hostile, &m);
    ck_assert_ptr_nonnull(strstr(m.html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(m.html, "Say &quot;hello&quot; &amp; &#39;bye&#39; &lt;img src=x "
                                         "onerror=alert(2)&gt;"));
    ck_assert_ptr_nonnull(
        strstr(m.html, "&middot; &lt;i&gt;Tom &amp; Jerry&#39;s&lt;/i&gt;</p>\n<h1>"));
    ck_assert_ptr_nonnull(strstr(m.html, "<title>&lt;i&gt;Tom &amp; Jerry&#39;s&lt;/i&gt;"));
    ck_assert_ptr_nonnull(strstr(m.html, "&quot;Elm&quot;: <strong>&lt;x&gt;</strong> &rarr; "
                                         "<strong>&lt;y&gt;</strong>"));
    /* No tag of the input survives anywhere in the HTML. */
    const char *tags[] = {"<script", "<img", "<i>",  "<b>", "<x>", "<y>", "<when>", "<k>",
                          "<s>",     "<d1>", "<d2>", "<c>", "<t>", "<l>", "<tz>",   "<a>"};
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
        ck_assert_msg(strstr(m.html, tags[i]) == NULL, "%s left unescaped:\n%s", tags[i], m.html);
    /* Plain text is not HTML: it shows the strings as they were written. */
    ck_assert_ptr_nonnull(strstr(m.text, "<script>alert(1)</script> (<b>Oak</b>)"));
    ck_assert_ptr_nonnull(strstr(m.text, "Say \"hello\" & 'bye'"));
    mail_message_cleanup(&m);
}
END_TEST

START_TEST(digest_empty_says_so)
{
    const char *empty = "{\"digest_date\":\"2027-01-05\",\"empty\":true,\"items\":{"
                        "\"partnership_name\":\"Quiet Partnership\",\"best_practices\":[],"
                        "\"status_changes\":[],\"upcoming\":[],\"training\":[]}}";
    struct mail_message m;
    render(empty, &m);
    ck_assert_str_eq(m.subject,
                     "Quiet Partnership \xe2\x80\x94 best practice digest, 5 January 2027");
    const char *text[] = {"Nothing new since the last digest.",
                          "New best practices",
                          "No best practice was published.",
                          "Reviews that changed status",
                          "No review changed status.",
                          "Visits and workshops in the next 14 days",
                          "No review visit or workshop is coming up.",
                          "Training with seats left",
                          "No training session has seats left.",
                          NULL};
    in_order(m.text, text);
    const char *html[] = {"<p>Nothing new since the last digest.</p>",
                          "<h2>New best practices</h2>\n<p>No best practice was published.</p>",
                          "<h2>Training with seats left</h2>", NULL};
    in_order(m.html, html);
    ck_assert_ptr_null(strstr(m.html, "<ul>"));
    /* No period given: none is claimed. */
    ck_assert_ptr_null(strstr(m.text, "What happened"));
    mail_message_cleanup(&m);

    /* Sections left out altogether read as empty ones; context alone is not news. */
    render("{\"digest_date\":\"2027-01-05\",\"items\":{\"partnership_name\":\"Q\","
           "\"training\":[{\"course\":\"peer_reviewer\",\"location\":\"Hull\","
           "\"seats_left\":3}]}}",
           &m);
    ck_assert_ptr_nonnull(strstr(m.text, "Nothing new since the last digest."));
    ck_assert_ptr_nonnull(strstr(m.text, "No best practice was published."));
    ck_assert_ptr_nonnull(strstr(m.text, "Hull (3 seats left)"));
    mail_message_cleanup(&m);
}
END_TEST

/* A review that moved several times in the window is one line, first status to last (DESIGN §4),
 * in the order of each review's first change; the others keep a line each. */
START_TEST(digest_folds_a_review_s_moves)
{
    struct mail_message m;
    render("{\"digest_date\":\"2026-11-22\",\"items\":{\"partnership_name\":\"P\","
           "\"status_changes\":["
           "{\"review_id\":\"11111111-1111-4111-8111-111111111111\",\"school_name\":\"Oak\","
           "\"from\":\"planning\","
           "\"to\":\"scheduled\",\"at_local\":\"2026-11-21 09:00\"},"
           "{\"review_id\":\"22222222-2222-4222-8222-222222222222\",\"school_name\":\"Elm\","
           "\"from\":\"feedback\","
           "\"to\":\"workshop\",\"at_local\":\"2026-11-21 10:00\"},"
           "{\"review_id\":\"11111111-1111-4111-8111-111111111111\",\"school_name\":\"Oak\","
           "\"from\":\"scheduled\","
           "\"to\":\"in_review\",\"at_local\":\"2026-11-21 11:00\"},"
           "{\"review_id\":\"11111111-1111-4111-8111-111111111111\",\"school_name\":\"Oak\","
           "\"from\":\"in_review\","
           "\"to\":\"feedback\",\"at_local\":\"2026-11-21 17:30\"},"
           "{\"school_name\":\"Ash\",\"from\":\"planning\",\"to\":\"cancelled\"},"
           "{\"school_name\":\"Ash\",\"from\":\"planning\",\"to\":\"scheduled\"}]}}",
           &m);
    const char *text[] = {"* Oak: planning -> feedback (3 changes, last 2026-11-21 17:30)\n",
                          "* Elm: feedback -> workshop (2026-11-21 10:00)\n",
                          "* Ash: planning -> cancelled\n", "* Ash: planning -> scheduled\n", NULL};
    in_order(m.text, text);
    ck_assert_ptr_null(strstr(m.text, "in review"));
    const char *html[] = {"<li>Oak: <strong>planning</strong> &rarr; <strong>feedback</strong> "
                          "<span>(3 changes, last 2026-11-21 17:30)</span></li>",
                          "<li>Elm: <strong>feedback</strong>", NULL};
    in_order(m.html, html);
    ck_assert_ptr_null(strstr(strstr(m.html, "Oak:") + 1, "Oak:"));
    mail_message_cleanup(&m);
}
END_TEST

/* With a public URL: each review and the digest link into the service; with an unsubscribe URL
 * the footer offers it instead of "ask your school's lead". */
START_TEST(digest_links_and_unsubscribe)
{
    json_t *d = load(full_digest);
    struct mail_context ctx = {"https://spp.example.org/", "https://spp.example.org/unsubscribe/T",
                               NULL};
    struct mail_message m;
    ck_assert_int_eq(digest_render(d, &ctx, &m), 0);
    unit_assert_mail_html(m.html);
    char *html = unit_unstyled(m.html);
    const char *h[] = {
        "<a href=\"https://spp.example.org/v1/reviews/11111111-1111-4111-8111-111111111111\">From "
        "this review</a>",
        "<li><a "
        "href=\"https://spp.example.org/v1/reviews/22222222-2222-4222-8222-222222222222\">Elm "
        "Academy</a>: ",
        "<a href=\"https://spp.example.org/v1/digests/"
        "6a3c1b7e-2f55-4c8e-9a57-0c1f3d9e8b21\">This digest in the SPP service</a>",
        "<p>You receive this digest as a member of staff at a school of the "
        "partnership.</p>",
        "<a href=\"https://spp.example.org/unsubscribe/T\">Unsubscribe</a> from the "
        "best practice digest with one click.",
        NULL};
    in_order(html, h);
    ck_assert_ptr_null(strstr(html, "ask your school"));
    const char *t[] = {
        "  https://spp.example.org/v1/reviews/11111111-1111-4111-8111-111111111111\n",
        "  https://spp.example.org/v1/reviews/22222222-2222-4222-8222-222222222222\n",
        "This digest in the SPP service: https://spp.example.org/v1/digests/",
        "Unsubscribe from the best practice digest: "
        "https://spp.example.org/unsubscribe/T\n",
        NULL};
    in_order(m.text, t);
    free(html);
    mail_message_cleanup(&m);
    json_decref(d);
}
END_TEST

/* A line break in a name cannot reach the mail header. */
START_TEST(digest_subject_has_no_control_characters)
{
    struct mail_message m;
    render("{\"digest_date\":\"2026-02-28\",\"items\":{\"partnership_name\":"
           "\"Evil\\r\\nBcc: all@example.org\"}}",
           &m);
    ck_assert_str_eq(
        m.subject,
        "Evil  Bcc: all@example.org \xe2\x80\x94 best practice digest, 28 February 2026");
    mail_message_cleanup(&m);
}
END_TEST

START_TEST(digest_refuses_what_is_not_a_digest)
{
    const char *bad[] = {
        "[]",
        "{\"digest_date\":\"2026-11-22\"}",
        "{\"digest_date\":\"2026-11-22\",\"items\":[]}",
        "{\"digest_date\":\"2026-11-22\",\"items\":{}}",
        "{\"items\":{\"partnership_name\":\"P\"}}",
        "{\"digest_date\":\"2026-02-30\",\"items\":{\"partnership_name\":\"P\"}}",
        "{\"digest_date\":\"2026-11-22\",\"items\":{\"partnership_name\":7}}",
        "{\"digest_date\":\"2026-11-22\",\"items\":{\"partnership_name\":\"P\","
        "\"best_practices\":{}}}",
        "{\"digest_date\":\"2026-11-22\",\"items\":{\"partnership_name\":\"P\","
        "\"training\":[\"not an object\"]}}",
        NULL,
    };
    for (const char *const *b = bad; *b; b++) {
        json_t *d = load(*b);
        struct mail_message m;
        ck_assert_msg(digest_render(d, NULL, &m) == -1, "accepted %s", *b);
        ck_assert_ptr_null(m.subject);
        ck_assert_ptr_null(m.html);
        mail_message_cleanup(&m);
        json_decref(d);
    }
    struct mail_message m;
    ck_assert_int_eq(digest_render(NULL, NULL, &m), -1);
}
END_TEST

Suite *digest_suite(void)
{
    Suite *s = suite_create("digest");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, digest_subject_and_sections_in_order);
    tcase_add_test(tc, digest_escapes_user_strings);
    tcase_add_test(tc, digest_empty_says_so);
    tcase_add_test(tc, digest_folds_a_review_s_moves);
    tcase_add_test(tc, digest_links_and_unsubscribe);
    tcase_add_test(tc, digest_subject_has_no_control_characters);
    tcase_add_test(tc, digest_refuses_what_is_not_a_digest);
    suite_add_tcase(s, tc);
    return s;
}
