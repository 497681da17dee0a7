#include <string.h>

#include "unit.h"
#include "workflow.h"

/* Short names so the matrix below reads as a table. */
#define PL REVIEW_PLANNING
#define SC REVIEW_SCHEDULED
#define IR REVIEW_IN_REVIEW
#define FB REVIEW_FEEDBACK
#define WS REVIEW_WORKSHOP
#define IM REVIEW_IMPLEMENTING
#define RF REVIEW_REFLECTING
#define CO REVIEW_COMPLETED
#define CA REVIEW_CANCELLED
#define N  REVIEW_STATUS_COUNT

/* DESIGN §1.1 written out again, independently of workflow.c: expected[from][to]. */
/* clang-format off */
static const int expected[N][N] = {
    /*      PL SC IR FB WS IM RF CO CA */
    [PL] = {0, 1, 0, 0, 0, 0, 0, 0, 1},
    [SC] = {1, 0, 1, 0, 0, 0, 0, 0, 1},
    [IR] = {0, 0, 0, 1, 0, 0, 0, 0, 1},
    [FB] = {0, 0, 0, 0, 1, 0, 0, 0, 1},
    [WS] = {0, 0, 0, 0, 0, 1, 0, 0, 1},
    [IM] = {0, 0, 0, 0, 0, 0, 1, 0, 1},
    [RF] = {0, 0, 0, 0, 0, 0, 0, 1, 1},
    [CO] = {0, 0, 0, 0, 0, 0, 0, 0, 0},
    [CA] = {0, 0, 0, 0, 0, 0, 0, 0, 0},
};
/* clang-format on */

/* Facts that meet every guard, each at its boundary (a team of exactly 2, one evidence…). */
static struct review_facts facts_good(void)
{
    struct review_facts f = {
        .has_focus = 1,
        .has_self_review = 1,
        .has_start = 1,
        .has_end = 1,
        .dates_reversed = 0,
        .team_size = 2,
        .lead_reviewers = 1,
        .team_not_eligible = 0,
        .evidence_count = 1,
        .finding_count = 1,
        .has_champion = 1,
        .has_workshop_on = 1,
        .action_count = 1,
        .actions_incomplete = 0,
        .has_implementation_due = 1,
        .has_impact_summary = 1,
        .has_lessons_learned = 1,
        .has_reason = 1,
    };
    return f;
}

/* Facts that fail every guard that can fail together (dates_missing rules out dates_reversed;
 * see all_scheduled_guards_with_reversed_dates for the other half). */
static struct review_facts facts_bad(void)
{
    struct review_facts f;
    memset(&f, 0, sizeof f);
    f.dates_reversed = 1;
    f.team_not_eligible = 3;
    f.actions_incomplete = 2;
    return f;
}

/* The source of an edge into each target (the forward one; cancelled from planning). */
static const enum review_status source_of[N] = {
    [PL] = SC, [SC] = PL, [IR] = SC, [FB] = IR, [WS] = FB,
    [IM] = WS, [RF] = IM, [CO] = RF, [CA] = PL,
};

static enum workflow_verdict check(enum review_status from, enum review_status to,
                                   struct review_facts f, struct workflow_problem *p, size_t *n)
{
    /* Poison the output so a stale value cannot pass for a written one. */
    *n = 99;
    for (size_t i = 0; i < WORKFLOW_MAX_PROBLEMS; i++)
        p[i].rule = p[i].message = NULL;
    return workflow_check(from, to, &f, p, n);
}

START_TEST(status_names_are_exact_and_parse_back)
{
    static const char *const want[] = {"planning",   "scheduled", "in_review",
                                       "feedback",   "workshop",  "implementing",
                                       "reflecting", "completed", "cancelled"};
    for (int s = 0; s < N; s++) {
        ck_assert_str_eq(workflow_status_names[s], want[s]);
        ck_assert_int_eq(workflow_status_parse(want[s]), s);
    }
    ck_assert_ptr_null(workflow_status_names[N]);
    ck_assert_int_eq(workflow_status_parse("Planning"), N);
    ck_assert_int_eq(workflow_status_parse("in-review"), N);
    ck_assert_int_eq(workflow_status_parse(""), N);
    ck_assert_int_eq(workflow_status_parse(NULL), N);
}
END_TEST

/* All 81 pairs: the edges are exactly those of the diagram, and a non-edge is invalid with
 * no problems whatever the facts (good or bad). */
START_TEST(matrix_of_every_pair)
{
    struct workflow_problem p[WORKFLOW_MAX_PROBLEMS];
    size_t n;
    int edges = 0;
    for (int from = 0; from < N; from++) {
        for (int to = 0; to < N; to++) {
            enum review_status f = (enum review_status)from, t = (enum review_status)to;
            ck_assert_msg(workflow_is_edge(f, t) == expected[from][to], "%s -> %s",
                          workflow_status_names[from], workflow_status_names[to]);
            if (expected[from][to]) {
                edges++;
                ck_assert_int_eq(check(f, t, facts_good(), p, &n), WORKFLOW_OK);
                ck_assert_uint_eq(n, 0);
            } else {
                ck_assert_int_eq(check(f, t, facts_good(), p, &n), WORKFLOW_INVALID);
                ck_assert_uint_eq(n, 0);
                ck_assert_int_eq(check(f, t, facts_bad(), p, &n), WORKFLOW_INVALID);
                ck_assert_uint_eq(n, 0);
            }
        }
    }
    ck_assert_int_eq(edges, 15); /* 7 forward, 1 reschedule, 7 cancels */
}
END_TEST

START_TEST(named_non_edges)
{
    struct workflow_problem p[WORKFLOW_MAX_PROBLEMS];
    size_t n;
    /* same status, skipping a step, backwards, out of a terminal status, unknown status */
    ck_assert_int_eq(check(SC, SC, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_int_eq(check(CA, CA, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_int_eq(check(PL, IR, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_int_eq(check(FB, IM, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_int_eq(check(IR, SC, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_int_eq(check(IR, PL, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_int_eq(check(CO, RF, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_int_eq(check(CO, CA, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_int_eq(check(CA, PL, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_int_eq(check(PL, REVIEW_STATUS_COUNT, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_int_eq(check(REVIEW_STATUS_COUNT, CA, facts_good(), p, &n), WORKFLOW_INVALID);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(terminal_statuses)
{
    for (int s = 0; s < N; s++)
        ck_assert_int_eq(workflow_is_terminal((enum review_status)s), s == CO || s == CA);
    ck_assert_int_eq(workflow_is_terminal(REVIEW_STATUS_COUNT), 0);
}
END_TEST

/* One guard broken at a time: the target of the guard, the rule, and how to break it. */
struct one_guard {
    enum review_status into;
    const char *rule;
    void (*breaks)(struct review_facts *);
};

static void no_focus(struct review_facts *f)
{
    f->has_focus = 0;
}
static void no_self_review(struct review_facts *f)
{
    f->has_self_review = 0;
}
static void no_start(struct review_facts *f)
{
    f->has_start = 0;
}
static void no_end(struct review_facts *f)
{
    f->has_end = 0;
}
static void no_dates_and_reversed(struct review_facts *f)
{
    /* dates_reversed is meaningless without both dates: only dates_missing is reported. */
    f->has_start = f->has_end = 0;
    f->dates_reversed = 1;
}
static void reversed(struct review_facts *f)
{
    f->dates_reversed = 1;
}
static void team_of_one(struct review_facts *f)
{
    f->team_size = 1;
}
static void team_of_none(struct review_facts *f)
{
    /* The lead count is kept at 1 so that only the size rule fails. */
    f->team_size = 0;
}
static void no_lead(struct review_facts *f)
{
    f->lead_reviewers = 0;
}
static void two_leads(struct review_facts *f)
{
    f->team_size = 3;
    f->lead_reviewers = 2;
}
static void one_not_eligible(struct review_facts *f)
{
    f->team_not_eligible = 1;
}
static void no_evidence(struct review_facts *f)
{
    f->evidence_count = 0;
}
static void no_findings(struct review_facts *f)
{
    f->finding_count = 0;
}
static void no_champion(struct review_facts *f)
{
    f->has_champion = 0;
}
static void no_workshop_on(struct review_facts *f)
{
    f->has_workshop_on = 0;
}
static void no_actions(struct review_facts *f)
{
    f->action_count = 0;
}
static void one_action_incomplete(struct review_facts *f)
{
    f->action_count = 3;
    f->actions_incomplete = 1;
}
static void no_implementation_due(struct review_facts *f)
{
    f->has_implementation_due = 0;
}
static void no_impact_summary(struct review_facts *f)
{
    f->has_impact_summary = 0;
}
static void no_lessons_learned(struct review_facts *f)
{
    f->has_lessons_learned = 0;
}
static void no_reason(struct review_facts *f)
{
    f->has_reason = 0;
}

static const struct one_guard one_guards[] = {
    {SC, "focus_missing", no_focus},
    {SC, "self_review_missing", no_self_review},
    {SC, "dates_missing", no_start},
    {SC, "dates_missing", no_end},
    {SC, "dates_missing", no_dates_and_reversed},
    {SC, "dates_reversed", reversed},
    {SC, "team_too_small", team_of_one},
    {SC, "team_too_small", team_of_none},
    {SC, "lead_reviewer_count", no_lead},
    {SC, "lead_reviewer_count", two_leads},
    {SC, "team_not_eligible", one_not_eligible},
    {FB, "evidence_missing", no_evidence},
    {FB, "findings_missing", no_findings},
    {WS, "champion_missing", no_champion},
    {WS, "workshop_date_missing", no_workshop_on},
    {IM, "actions_missing", no_actions},
    {IM, "action_incomplete", one_action_incomplete},
    {IM, "implementation_due_missing", no_implementation_due},
    {CO, "impact_summary_missing", no_impact_summary},
    {CO, "lessons_learned_missing", no_lessons_learned},
    {CA, "reason_missing", no_reason},
};

/* Each row alone: exactly that rule, with a message. Every source of an edge into the target
 * is tried (for cancelled, all seven), and the broken fact must not leak into any other
 * target's edge. */
START_TEST(every_guard_alone)
{
    const struct one_guard *g = &one_guards[_i];
    struct workflow_problem p[WORKFLOW_MAX_PROBLEMS];
    size_t n;
    struct review_facts f = facts_good();
    g->breaks(&f);
    for (int from = 0; from < N; from++) {
        for (int to = 0; to < N; to++) {
            if (!expected[from][to])
                continue;
            enum workflow_verdict v =
                check((enum review_status)from, (enum review_status)to, f, p, &n);
            if ((enum review_status)to != g->into) {
                ck_assert_msg(v == WORKFLOW_OK, "%s leaks into %s -> %s", g->rule,
                              workflow_status_names[from], workflow_status_names[to]);
                ck_assert_uint_eq(n, 0);
                continue;
            }
            ck_assert_int_eq(v, WORKFLOW_GUARDED);
            ck_assert_uint_eq(n, 1);
            ck_assert_str_eq(p[0].rule, g->rule);
            ck_assert_ptr_nonnull(p[0].message);
            ck_assert_int_gt(strlen(p[0].message), 0);
        }
    }
}
END_TEST

static void ck_rules(enum review_status from, enum review_status to, struct review_facts f,
                     const char *const *want, size_t nwant)
{
    struct workflow_problem p[WORKFLOW_MAX_PROBLEMS];
    size_t n;
    ck_assert_int_eq(check(from, to, f, p, &n), nwant ? WORKFLOW_GUARDED : WORKFLOW_OK);
    ck_assert_uint_eq(n, nwant);
    for (size_t i = 0; i < nwant; i++) {
        ck_assert_str_eq(p[i].rule, want[i]);
        ck_assert_ptr_nonnull(p[i].message);
    }
}

#define CK_RULES(from, to, f, ...)                                                                 \
    do {                                                                                           \
        static const char *const want_[] = {__VA_ARGS__};                                          \
        ck_rules(from, to, f, want_, sizeof want_ / sizeof want_[0]);                              \
    } while (0)

/* Everything broken: every rule of the target, in table order, not only the first. */
START_TEST(all_guards_at_once)
{
    CK_RULES(PL, SC, facts_bad(), "focus_missing", "self_review_missing", "dates_missing",
             "team_too_small", "lead_reviewer_count", "team_not_eligible");
    CK_RULES(IR, FB, facts_bad(), "evidence_missing", "findings_missing");
    CK_RULES(FB, WS, facts_bad(), "champion_missing", "workshop_date_missing");
    CK_RULES(WS, IM, facts_bad(), "actions_missing", "action_incomplete",
             "implementation_due_missing");
    CK_RULES(RF, CO, facts_bad(), "impact_summary_missing", "lessons_learned_missing");
    for (int from = PL; from <= RF; from++)
        CK_RULES((enum review_status)from, CA, facts_bad(), "reason_missing");
    /* No guard into in_review, reflecting, or planning on a reschedule. */
    ck_rules(SC, IR, facts_bad(), NULL, 0);
    ck_rules(IM, RF, facts_bad(), NULL, 0);
    ck_rules(SC, PL, facts_bad(), NULL, 0);
}
END_TEST

START_TEST(all_scheduled_guards_with_reversed_dates)
{
    struct review_facts f = facts_bad();
    f.has_start = f.has_end = 1;
    CK_RULES(PL, SC, f, "focus_missing", "self_review_missing", "dates_reversed", "team_too_small",
             "lead_reviewer_count", "team_not_eligible");
    /* Same-day start and end is not reversed. */
    f = facts_good();
    ck_rules(PL, SC, f, NULL, 0);
}
END_TEST

START_TEST(guard_boundaries_pass)
{
    struct review_facts f = facts_good();
    f.team_size = 4;
    f.evidence_count = 12;
    f.finding_count = 5;
    f.action_count = 7;
    for (int to = 0; to < N; to++)
        if (expected[source_of[to]][to])
            ck_rules(source_of[to], (enum review_status)to, f, NULL, 0);
}
END_TEST

Suite *workflow_suite(void)
{
    Suite *s = suite_create("workflow");
    TCase *tc = tcase_create("workflow");
    tcase_add_test(tc, status_names_are_exact_and_parse_back);
    tcase_add_test(tc, matrix_of_every_pair);
    tcase_add_test(tc, named_non_edges);
    tcase_add_test(tc, terminal_statuses);
    tcase_add_loop_test(tc, every_guard_alone, 0, (int)(sizeof one_guards / sizeof one_guards[0]));
    tcase_add_test(tc, all_guards_at_once);
    tcase_add_test(tc, all_scheduled_guards_with_reversed_dates);
    tcase_add_test(tc, guard_boundaries_pass);
    suite_add_tcase(s, tc);
    return s;
}
