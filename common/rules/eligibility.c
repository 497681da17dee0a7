#include "eligibility.h"

#include <string.h>

/* One check in progress: the review, the candidate, and the problems written so far. Each rule
 * below looks at the review and the person and appends at most one problem. */
struct elig_check {
    const struct elig_review *review;
    const struct elig_person *p;
    struct elig_problem *out;
    size_t n;
};

static void elig_add(struct elig_check *c, const char *rule, const char *message)
{
    if (c->n < ELIG_MAX_PROBLEMS) {
        c->out[c->n].rule = rule;
        c->out[c->n].message = message;
        c->n++;
    }
}

static int elig_same_id(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

static int elig_id_in(const char *id, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (elig_same_id(id, ids[i]))
            return 1;
    return 0;
}

/* Both ranges inclusive: they share at least one day. */
static int elig_overlaps(struct elig_range a, struct elig_range b)
{
    return caldate_cmp(a.from, b.to) <= 0 && caldate_cmp(b.from, a.to) <= 0;
}

static int elig_contains(struct elig_range r, struct caldate day)
{
    return caldate_cmp(r.from, day) <= 0 && caldate_cmp(day, r.to) <= 0;
}

/* The day a team member must be accredited on: the first day of the visit, today while the
 * review has no dates. */
static struct caldate elig_team_day(const struct elig_review *r)
{
    return r->has_dates ? r->visit.from : r->today;
}

/* The day a champion must be accredited on: the workshop, today while it has no date. */
static struct caldate elig_champion_day(const struct elig_review *r)
{
    return r->has_workshop ? r->workshop_on : r->today;
}

/* The person's awards are those of the role being checked, so the rule is the same for both
 * roles; only the day and the words differ. */
static void rule_not_accredited(struct elig_check *c, struct caldate day, const char *message)
{
    if (!accreditation_on(c->p->awards, c->p->nawards, day, NULL))
        elig_add(c, "not_accredited", message);
}

static void rule_other_partnership(struct elig_check *c)
{
    if (!elig_same_id(c->review->partnership_id, c->p->partnership_id))
        elig_add(c, "other_partnership",
                 "They do not work at a school of the review's partnership.");
}

static void rule_host_school(struct elig_check *c)
{
    if (elig_same_id(c->review->school_id, c->p->school_id))
        elig_add(c, "host_school", "They work at the host school.");
}

static void rule_declared_conflict(struct elig_check *c)
{
    if (elig_id_in(c->review->school_id, c->p->conflict_schools, c->p->nconflicts))
        elig_add(c, "declared_conflict", "They have declared a conflict with the host school.");
}

/* A team member is unavailable when a declared absence or another review's visit overlaps
 * this visit, or a workshop they facilitate falls within it. Without dates nothing is
 * checked: the check runs again when the dates are set. */
static void rule_unavailable_for_visit(struct elig_check *c)
{
    const struct elig_review *r = c->review;
    const struct elig_person *p = c->p;
    if (!r->has_dates)
        return;
    for (size_t i = 0; i < p->nunavailable; i++) {
        if (elig_overlaps(p->unavailable[i], r->visit)) {
            elig_add(c, "unavailable",
                     "They have declared themselves unavailable during the visit.");
            return;
        }
    }
    for (size_t i = 0; i < p->nother_visits; i++) {
        if (elig_overlaps(p->other_visits[i], r->visit)) {
            elig_add(c, "unavailable", "They are on another review whose visit overlaps this one.");
            return;
        }
    }
    for (size_t i = 0; i < p->nother_workshops; i++) {
        if (elig_contains(r->visit, p->other_workshops[i])) {
            elig_add(c, "unavailable", "They facilitate a workshop during the visit.");
            return;
        }
    }
}

/* A champion is unavailable when a declared absence or another review's visit covers the
 * workshop day. Another workshop that day is workshop_clash, not this rule. */
static void rule_unavailable_on_workshop(struct elig_check *c)
{
    const struct elig_review *r = c->review;
    const struct elig_person *p = c->p;
    if (!r->has_workshop)
        return;
    for (size_t i = 0; i < p->nunavailable; i++) {
        if (elig_contains(p->unavailable[i], r->workshop_on)) {
            elig_add(c, "unavailable",
                     "They have declared themselves unavailable on the workshop date.");
            return;
        }
    }
    for (size_t i = 0; i < p->nother_visits; i++) {
        if (elig_contains(p->other_visits[i], r->workshop_on)) {
            elig_add(c, "unavailable", "They are on another review's visit on the workshop date.");
            return;
        }
    }
}

static void rule_on_team(struct elig_check *c)
{
    if (elig_id_in(c->p->id, c->review->team, c->review->nteam))
        elig_add(c, "on_team", "They are on the review's team.");
}

/* The other side of on_team: the review's champion may not sit on its team either. */
static void rule_is_champion(struct elig_check *c)
{
    if (c->review->champion_id && !strcmp(c->p->id, c->review->champion_id))
        elig_add(c, "is_champion", "They are the review's improvement champion.");
}

static void rule_recorded_evidence(struct elig_check *c)
{
    if (elig_id_in(c->p->id, c->review->recorders, c->review->nrecorders))
        elig_add(c, "recorded_evidence", "They recorded evidence for the review.");
}

static void rule_workshop_clash(struct elig_check *c)
{
    const struct elig_review *r = c->review;
    if (!r->has_workshop)
        return;
    for (size_t i = 0; i < c->p->nother_workshops; i++) {
        if (caldate_cmp(c->p->other_workshops[i], r->workshop_on) == 0) {
            elig_add(c, "workshop_clash", "They already hold a workshop on that date.");
            return;
        }
    }
}

size_t eligibility_team_member(const struct elig_review *review, const struct elig_person *p,
                               struct elig_problem *out)
{
    struct elig_check c = {review, p, out, 0};
    rule_not_accredited(&c, elig_team_day(review),
                        review->has_dates
                            ? "They are not an accredited peer reviewer on the review's start date."
                            : "They are not an accredited peer reviewer today.");
    rule_other_partnership(&c);
    rule_host_school(&c);
    rule_declared_conflict(&c);
    rule_unavailable_for_visit(&c);
    rule_is_champion(&c);
    return c.n;
}

size_t eligibility_champion(const struct elig_review *review, const struct elig_person *p,
                            struct elig_problem *out)
{
    struct elig_check c = {review, p, out, 0};
    rule_not_accredited(
        &c, elig_champion_day(review),
        review->has_workshop
            ? "They are not an accredited improvement champion on the workshop date."
            : "They are not an accredited improvement champion today.");
    rule_other_partnership(&c);
    rule_host_school(&c);
    rule_on_team(&c);
    rule_recorded_evidence(&c);
    rule_declared_conflict(&c);
    rule_unavailable_on_workshop(&c);
    rule_workshop_clash(&c);
    return c.n;
}
