#include <string.h>

#include "eligibility.h"
#include "unit.h"

static struct caldate D(const char *s) {
    struct caldate c;
    ck_assert_int_eq(caldate_parse(s, &c), 0);
    return c;
}

static struct elig_range
R(const char *from, const char *to) {
    struct elig_range r = {D(from), D(to)};
    return r;
}

static const char *const team_ids[] = {"t1", "t2"};
static const char *const recorder_ids[] = {"t1", "rec"};

/* A review of host school H in partnership P1, visit 10–12 March 2026, workshop 6 May, today
 * 15 January; and a candidate from school S of P1 who breaks no rule as team member or as
 * champion: accredited 2025-01-01 (until 2027-01-01), a conflict with another school, away
 * 1–3 February, on another visit 1–2 April and facilitating another workshop on 1 June. */
struct fx {
    struct elig_review r;
    struct elig_person p;
    struct accreditation_award awards[1];
    const char *conflicts[1];
    struct elig_range unavailable[1];
    struct elig_range visits[1];
    struct caldate workshops[1];
    struct elig_problem out[ELIG_MAX_PROBLEMS];
};

static void fx_award(struct fx *f, const char *on)
{
    f->awards[0].kind = ACCR_INITIAL;
    f->awards[0].on = D(on);
    accreditation_evaluate(f->awards, 1, 24);
}

static void fx_init(struct fx *f)
{
    memset(f, 0, sizeof *f);
    f->r.id = "r1";
    f->r.school_id = "H";
    f->r.partnership_id = "P1";
    f->r.has_dates = 1;
    f->r.visit = R("2026-03-10", "2026-03-12");
    f->r.has_workshop = 1;
    f->r.workshop_on = D("2026-05-06");
    f->r.today = D("2026-01-15");
    f->r.team = team_ids;
    f->r.nteam = 2;
    f->r.recorders = recorder_ids;
    f->r.nrecorders = 2;

    f->p.id = "p1";
    f->p.school_id = "S";
    f->p.partnership_id = "P1";
    fx_award(f, "2025-01-01");
    f->p.awards = f->awards;
    f->p.nawards = 1;
    f->conflicts[0] = "X";
    f->p.conflict_schools = f->conflicts;
    f->p.nconflicts = 1;
    f->unavailable[0] = R("2026-02-01", "2026-02-03");
    f->p.unavailable = f->unavailable;
    f->p.nunavailable = 1;
    f->visits[0] = R("2026-04-01", "2026-04-02");
    f->p.other_visits = f->visits;
    f->p.nother_visits = 1;
    f->workshops[0] = D("2026-06-01");
    f->p.other_workshops = f->workshops;
    f->p.nother_workshops = 1;
}

static size_t team(struct fx *f)
{
    for (size_t i = 0; i < ELIG_MAX_PROBLEMS; i++)
        f->out[i].rule = f->out[i].message = NULL;
    return eligibility_team_member(&f->r, &f->p, f->out);
}

static size_t champion(struct fx *f)
{
    for (size_t i = 0; i < ELIG_MAX_PROBLEMS; i++)
        f->out[i].rule = f->out[i].message = NULL;
    return eligibility_champion(&f->r, &f->p, f->out);
}

/* Exactly one problem, of this rule, with a message. A macro so a failure names its line. */
#define CK_ONLY(n, f, want)                                                                        \
    do {                                                                                           \
        ck_assert_uint_eq((n), 1);                                                                 \
        ck_assert_str_eq((f)->out[0].rule, (want));                                                \
        ck_assert_ptr_nonnull((f)->out[0].message);                                                \
        ck_assert_int_gt(strlen((f)->out[0].message), 0);                                          \
    } while (0)

typedef size_t (*fx_rule)(struct fx *f);

/* A date range in a slot of the candidate's (its unavailability, its other visit), and what
 * rule answers with it: eligible when want is NULL, else exactly that one problem. */
struct fx_range_case {
    const char *from, *to, *want;
};

static void fx_ranges(fx_rule rule, struct fx *f, struct elig_range *slot,
                      const struct fx_range_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        *slot = R(c[i].from, c[i].to);
        size_t got = rule(f);
        ck_assert_msg(got == (c[i].want ? 1u : 0u), "%s to %s: %zu problems", c[i].from, c[i].to,
                      got);
        if (c[i].want)
            CK_ONLY(got, f, c[i].want);
    }
}

/* The day of the candidate's other workshop, and what rule answers with it. */
struct fx_day_case {
    const char *on, *want;
};

static void fx_workshop_days(fx_rule rule, struct fx *f, const struct fx_day_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        f->workshops[0] = D(c[i].on);
        size_t got = rule(f);
        ck_assert_msg(got == (c[i].want ? 1u : 0u), "%s: %zu problems", c[i].on, got);
        if (c[i].want)
            CK_ONLY(got, f, c[i].want);
    }
}

/* The rules alike for both roles: the candidate's school is of the review's partnership (a
 * school or a review in none is in no one's), and not the host school. */
static void fx_other_partnership(fx_rule rule, struct fx *f)
{
    f->p.partnership_id = "P2";
    CK_ONLY(rule(f), f, "other_partnership");
    f->p.partnership_id = NULL; /* a school in no partnership */
    CK_ONLY(rule(f), f, "other_partnership");
    f->p.partnership_id = "P1";
    f->r.partnership_id = NULL; /* a review with no partnership: nobody is in it */
    CK_ONLY(rule(f), f, "other_partnership");
}

/* The candidate and review of each test, made anew before each one (fx_setup, a checked
 * fixture). */
static struct fx f;

static void fx_setup(void)
{
    fx_init(&f);
}

static void fx_host_school(fx_rule rule)
{
    f.p.school_id = "H";
    CK_ONLY(rule(&f), &f, "host_school");
}

#define FX_N(a) (sizeof(a) / sizeof *(a))

START_TEST(the_fixture_is_eligible_for_both)
{
    ck_assert_uint_eq(team(&f), 0);
    ck_assert_uint_eq(champion(&f), 0);
}
END_TEST

/* ---- team member, each rule alone ---- */

START_TEST(team_not_accredited)
{
    f.p.nawards = 0;
    CK_ONLY(team(&f), &f, "not_accredited");
}
END_TEST

START_TEST(team_accreditation_boundary_is_the_visit_start)
{
    fx_award(&f, "2024-03-10"); /* valid until 2026-03-10, the first visit day */
    ck_assert_uint_eq(team(&f), 0);
    fx_award(&f, "2024-03-09"); /* valid until 2026-03-09, the day before */
    CK_ONLY(team(&f), &f, "not_accredited");
    /* Only the start date counts: lapsing during the visit is fine, and accreditation that
     * starts after the first day (a course on day two) is too late. */
    fx_award(&f, "2024-03-11");
    ck_assert_uint_eq(team(&f), 0);
    fx_award(&f, "2026-03-11");
    CK_ONLY(team(&f), &f, "not_accredited");
}
END_TEST

START_TEST(team_awards_that_do_not_count)
{
    f.awards[0].kind = ACCR_REFRESHER; /* a refresher alone accredits nobody */
    accreditation_evaluate(f.awards, 1, 24);
    CK_ONLY(team(&f), &f, "not_accredited");
}
END_TEST

START_TEST(team_other_partnership)
{
    fx_other_partnership(team, &f);
    f.p.partnership_id = NULL;
    CK_ONLY(team(&f), &f, "other_partnership");
}
END_TEST

START_TEST(team_host_school)
{
    fx_host_school(team);
}
END_TEST

START_TEST(team_declared_conflict)
{
    const char *conflicts[] = {"X", "H"};
    f.p.conflict_schools = conflicts;
    f.p.nconflicts = 2;
    CK_ONLY(team(&f), &f, "declared_conflict");
    f.p.nconflicts = 1; /* only X: no conflict with the host */
    ck_assert_uint_eq(team(&f), 0);
}
END_TEST

START_TEST(team_declared_unavailability_boundaries)
{
    static const struct fx_range_case cases[] = {
        {"2026-03-01", "2026-03-09", NULL},          /* ends the day before */
        {"2026-03-01", "2026-03-10", "unavailable"}, /* ends on the first day */
        {"2026-03-12", "2026-03-20", "unavailable"}, /* starts on the last day */
        {"2026-03-13", "2026-03-20", NULL},          /* starts the day after */
        {"2026-03-11", "2026-03-11", "unavailable"}, /* inside */
        {"2026-02-01", "2026-04-01", "unavailable"}, /* around */
    };
    fx_ranges(team, &f, &f.unavailable[0], cases, FX_N(cases));
}
END_TEST

START_TEST(team_other_visit_boundaries)
{
    static const struct fx_range_case cases[] = {
        {"2026-03-12", "2026-03-13", "unavailable"}, /* touches the last day */
        {"2026-03-13", "2026-03-14", NULL},          /* the day after */
        {"2026-03-08", "2026-03-10", "unavailable"}, /* touches the first day */
        {"2026-03-08", "2026-03-09", NULL},          /* ends the day before */
    };
    fx_ranges(team, &f, &f.visits[0], cases, FX_N(cases));
}
END_TEST

START_TEST(team_workshop_within_visit)
{
    static const struct fx_day_case cases[] = {
        {"2026-03-10", "unavailable"},
        {"2026-03-12", "unavailable"},
        {"2026-03-09", NULL},
        {"2026-03-13", NULL},
    };
    fx_workshop_days(team, &f, cases, FX_N(cases));
}
END_TEST

START_TEST(team_several_causes_are_one_unavailable)
{
    f.unavailable[0] = R("2026-03-10", "2026-03-10");
    f.visits[0] = R("2026-03-11", "2026-03-11");
    f.workshops[0] = D("2026-03-12");
    CK_ONLY(team(&f), &f, "unavailable");
}
END_TEST

/* Without dates the start is today, and availability is not judged (it is re-checked when
 * the dates are set). The visit fields are left holding dates that would fail. */
START_TEST(team_without_dates_uses_today)
{
    f.r.has_dates = 0;
    fx_award(&f, "2024-01-15"); /* valid until 2026-01-15, today; lapsed by the visit */
    f.unavailable[0] = R("2026-01-01", "2026-12-31");
    f.visits[0] = R("2026-03-10", "2026-03-12");
    f.workshops[0] = D("2026-03-11");
    ck_assert_uint_eq(team(&f), 0);
    fx_award(&f, "2024-01-14"); /* valid until yesterday */
    CK_ONLY(team(&f), &f, "not_accredited");
    f.r.has_dates = 1; /* with the dates, the visit start and availability apply */
    fx_award(&f, "2025-01-01");
    CK_ONLY(team(&f), &f, "unavailable");
}
END_TEST

START_TEST(team_is_champion)
{
    f.r.champion_id = "someone else";
    ck_assert_uint_eq(team(&f), 0);
    f.r.champion_id = f.p.id;
    CK_ONLY(team(&f), &f, "is_champion");
}
END_TEST

START_TEST(team_every_rule_at_once_in_order)
{
    const char *conflicts[] = {"H"};
    f.p.nawards = 0;
    f.p.partnership_id = "P2";
    f.p.school_id = "H";
    f.p.conflict_schools = conflicts;
    f.unavailable[0] = R("2026-03-11", "2026-03-11");
    /* Champion-only facts must not count against a team member. */
    f.p.id = "t1";
    f.workshops[0] = D("2026-05-06");
    f.r.champion_id = "t1";
    size_t n = team(&f);
    static const char *const want[] = {"not_accredited",    "other_partnership", "host_school",
                                       "declared_conflict", "unavailable",       "is_champion"};
    ck_assert_uint_eq(n, 6);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(f.out[i].rule, want[i]);
}
END_TEST

/* ---- improvement champion, each rule alone ---- */

START_TEST(champion_accreditation_boundary_is_the_workshop)
{
    fx_award(&f, "2024-05-06"); /* valid until the workshop day */
    ck_assert_uint_eq(champion(&f), 0);
    fx_award(&f, "2024-05-05"); /* until the day before */
    CK_ONLY(champion(&f), &f, "not_accredited");
    f.p.nawards = 0;
    CK_ONLY(champion(&f), &f, "not_accredited");
}
END_TEST

START_TEST(champion_without_workshop_uses_today)
{
    f.r.has_workshop = 0;
    fx_award(&f, "2024-01-15"); /* valid until today, lapsed by the (stale) workshop date */
    /* Availability and clashes are not judged without a date. */
    f.unavailable[0] = R("2026-01-01", "2026-12-31");
    f.visits[0] = R("2026-05-06", "2026-05-06");
    f.workshops[0] = D("2026-05-06");
    ck_assert_uint_eq(champion(&f), 0);
    fx_award(&f, "2024-01-14");
    CK_ONLY(champion(&f), &f, "not_accredited");
}
END_TEST

START_TEST(champion_other_partnership)
{
    fx_other_partnership(champion, &f);
}
END_TEST

START_TEST(champion_host_school)
{
    fx_host_school(champion);
}
END_TEST

START_TEST(champion_on_team)
{
    f.p.id = "t2"; /* on the team, recorded nothing */
    CK_ONLY(champion(&f), &f, "on_team");
    ck_assert_uint_eq(team(&f), 0); /* not a team-member rule */
}
END_TEST

START_TEST(champion_recorded_evidence)
{
    f.p.id = "rec"; /* recorded evidence, not on the team */
    CK_ONLY(champion(&f), &f, "recorded_evidence");
    ck_assert_uint_eq(team(&f), 0);
}
END_TEST

START_TEST(champion_declared_conflict)
{
    f.conflicts[0] = "H";
    CK_ONLY(champion(&f), &f, "declared_conflict");
}
END_TEST

START_TEST(champion_declared_unavailability_boundaries)
{
    static const struct fx_range_case cases[] = {
        {"2026-05-01", "2026-05-05", NULL},          /* ends the day before */
        {"2026-05-01", "2026-05-06", "unavailable"}, /* ends on the day */
        {"2026-05-06", "2026-05-09", "unavailable"}, /* starts on the day */
        {"2026-05-07", "2026-05-09", NULL},          /* starts the day after */
    };
    fx_ranges(champion, &f, &f.unavailable[0], cases, FX_N(cases));
}
END_TEST

START_TEST(champion_other_visit_on_the_day)
{
    static const struct fx_range_case cases[] = {
        {"2026-05-04", "2026-05-06", "unavailable"}, /* last visit day is the workshop */
        {"2026-05-06", "2026-05-07", "unavailable"},
        {"2026-05-07", "2026-05-08", NULL},
        {"2026-05-04", "2026-05-05", NULL},
    };
    fx_ranges(champion, &f, &f.visits[0], cases, FX_N(cases));
}
END_TEST

START_TEST(champion_workshop_clash)
{
    static const struct fx_day_case cases[] = {
        {"2026-05-06", "workshop_clash"}, /* same date */
        {"2026-05-07", NULL},             /* the next day */
        {"2026-05-05", NULL},             /* the day before */
    };
    fx_workshop_days(champion, &f, cases, FX_N(cases));
}
END_TEST

START_TEST(champion_every_rule_at_once_in_order)
{
    static const char *const both[] = {"t1"}; /* on the team and a recorder */
    f.r.team = both;
    f.r.nteam = 1;
    f.r.recorders = both;
    f.r.nrecorders = 1;
    f.p.id = "t1";
    f.p.nawards = 0;
    f.p.partnership_id = "P2";
    f.p.school_id = "H";
    f.conflicts[0] = "H";
    f.unavailable[0] = R("2026-05-06", "2026-05-06");
    f.workshops[0] = D("2026-05-06");
    size_t n = champion(&f);
    static const char *const want[] = {"not_accredited", "other_partnership", "host_school",
                                       "on_team",        "recorded_evidence", "declared_conflict",
                                       "unavailable",    "workshop_clash"};
    ck_assert_uint_eq(n, 8);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(f.out[i].rule, want[i]);
        ck_assert_ptr_nonnull(f.out[i].message);
    }
}
END_TEST

Suite *eligibility_suite(void)
{
    Suite *s = suite_create("eligibility");
    TCase *tm = tcase_create("team_member");
    tcase_add_test(tm, the_fixture_is_eligible_for_both);
    tcase_add_test(tm, team_not_accredited);
    tcase_add_test(tm, team_accreditation_boundary_is_the_visit_start);
    tcase_add_test(tm, team_awards_that_do_not_count);
    tcase_add_test(tm, team_other_partnership);
    tcase_add_test(tm, team_host_school);
    tcase_add_test(tm, team_declared_conflict);
    tcase_add_test(tm, team_is_champion);
    tcase_add_test(tm, team_declared_unavailability_boundaries);
    tcase_add_test(tm, team_other_visit_boundaries);
    tcase_add_test(tm, team_workshop_within_visit);
    tcase_add_test(tm, team_several_causes_are_one_unavailable);
    tcase_add_test(tm, team_without_dates_uses_today);
    tcase_add_test(tm, team_every_rule_at_once_in_order);
    tcase_add_checked_fixture(tm, fx_setup, NULL);
    suite_add_tcase(s, tm);
    TCase *tc = tcase_create("champion");
    tcase_add_test(tc, champion_accreditation_boundary_is_the_workshop);
    tcase_add_test(tc, champion_without_workshop_uses_today);
    tcase_add_test(tc, champion_other_partnership);
    tcase_add_test(tc, champion_host_school);
    tcase_add_test(tc, champion_on_team);
    tcase_add_test(tc, champion_recorded_evidence);
    tcase_add_test(tc, champion_declared_conflict);
    tcase_add_test(tc, champion_declared_unavailability_boundaries);
    tcase_add_test(tc, champion_other_visit_on_the_day);
    tcase_add_test(tc, champion_workshop_clash);
    tcase_add_test(tc, champion_every_rule_at_once_in_order);
    tcase_add_checked_fixture(tc, fx_setup, NULL);
    suite_add_tcase(s, tc);
    return s;
}
