/* The review-plan solver (common/rules/plan.c): every rule of DESIGN §1.2/§1.3 checked by an
 * independent checker written here, the team cost against brute force on small partnerships,
 * the spread on random ones, and the blocked schools with their rules. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "unit.h"

#define MAXS 80
#define MAXR 400

/* A partnership built by a test; every array lives here so plan_input can borrow it. */
struct fx {
    char ids[MAXS][32];
    const char *school_ids[MAXS];
    struct plan_reviewer rv[MAXR];
    char rids[MAXR][32];
    struct plan_range acc[MAXR][2];
    size_t conf[MAXR][MAXS];
    struct plan_range busy[MAXR][3];
    struct plan_input in;
};

static struct caldate D(const char *s) {
    struct caldate c;
    ck_assert_int_eq(caldate_parse(s, &c), 0);
    return c;
}

static void
fx_init(struct fx *f, size_t nschools, int team_size, int visit_days)
{
    memset(f, 0, sizeof *f);
    for (size_t s = 0; s < nschools; s++) {
        snprintf(f->ids[s], sizeof f->ids[s], "school-%zu", s);
        f->school_ids[s] = f->ids[s];
    }
    f->in.school_ids = f->school_ids;
    f->in.nschools = nschools;
    f->in.reviewers = f->rv;
    f->in.year_starts_on = D("2027-09-01");
    f->in.team_size = team_size;
    f->in.visit_days = visit_days;
}

/* Adds a reviewer at school s, accredited from 2025-01-01 to 2029-12-31. Returns its index. */
static size_t fx_reviewer(struct fx *f, size_t s)
{
    size_t r = f->in.nreviewers++;
    snprintf(f->rids[r], sizeof f->rids[r], "person-%zu", r);
    f->rv[r].id = f->rids[r];
    f->rv[r].school = s;
    f->acc[r][0].from = D("2025-01-01");
    f->acc[r][0].to = D("2029-12-31");
    f->rv[r].accredited = f->acc[r];
    f->rv[r].naccredited = 1;
    f->rv[r].conflicts = f->conf[r];
    f->rv[r].busy = f->busy[r];
    return r;
}

/* Adds per reviewers at each of schools 0 to nschools - 1, in school order. */
static void fx_reviewers(struct fx *f, size_t nschools, size_t per)
{
    for (size_t s = 0; s < nschools; s++)
        for (size_t k = 0; k < per; k++)
            fx_reviewer(f, s);
}

static void fx_conflict(struct fx *f, size_t r, size_t s)
{
    f->conf[r][f->rv[r].nconflicts++] = s;
}

static void fx_busy(struct fx *f, size_t r, struct caldate from, struct caldate to)
{
    f->busy[r][f->rv[r].nbusy].from = from;
    f->busy[r][f->rv[r].nbusy].to = to;
    f->rv[r].nbusy++;
}

static unsigned long rng_state;
static unsigned rng(unsigned n)
{
    rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)((rng_state >> 33) % n);
}

/* Random facts: accreditation that sometimes lapses in the year or is missing, conflicts,
 * unavailability. */
static void fx_random(struct fx *f, size_t nschools, size_t nreviewers, int team_size,
                      int visit_days, int hostile)
{
    fx_init(f, nschools, team_size, visit_days);
    for (size_t i = 0; i < nreviewers; i++) {
        size_t r = fx_reviewer(f, i < nschools ? i : rng((unsigned)nschools));
        if (!hostile)
            continue;
        f->rv[r].prior_visits = rng(4) == 0 ? (int)rng(3) : 0;
        unsigned a = rng(10);
        if (a == 0)
            f->rv[r].naccredited = 0;
        else if (a == 1)
            f->acc[r][0].to = caldate_add_days(f->in.year_starts_on, (int)rng(365));
        else if (a == 2)
            f->acc[r][0].from = caldate_add_days(f->in.year_starts_on, (int)rng(365));
        for (size_t s = 0; s < nschools; s++)
            if (rng(8) == 0)
                fx_conflict(f, r, s);
        for (unsigned b = rng(4); b > 0; b--) {
            struct caldate from = caldate_add_days(f->in.year_starts_on, (int)rng(380) - 10);
            fx_busy(f, r, from, caldate_add_days(from, (int)rng(60)));
        }
    }
}

/* ---------- the independent checker ---------- */

static long day(struct caldate c)
{
    /* Counted by walking from 2000-01-01 (a Saturday) with caldate_add_days, not plan.c. */
    static struct caldate base = {2000, 1, 1};
    long n = 0;
    struct caldate x = base;
    while (caldate_cmp(x, c) < 0) {
        struct caldate next = caldate_add_days(x, 30);
        if (caldate_cmp(next, c) <= 0) {
            x = next;
            n += 30;
        } else {
            x = caldate_add_days(x, 1);
            n++;
        }
    }
    return n;
}

static int is_weekday(struct caldate c)
{
    long w = day(c) % 7; /* 0 Saturday, 1 Sunday */
    return w >= 2;
}

static int overlaps(struct caldate a0, struct caldate a1, struct caldate b0, struct caldate b1)
{
    return caldate_cmp(a0, b1) <= 0 && caldate_cmp(b0, a1) <= 0;
}

/* Whether reviewer r may sit on school s's visit [from, to], by §1.2. */
static int may_sit(const struct plan_input *in, size_t r, size_t s, struct caldate from,
                   struct caldate to)
{
    const struct plan_reviewer *rv = &in->reviewers[r];
    if (rv->school == s)
        return 0;
    for (size_t i = 0; i < rv->nconflicts; i++)
        if (rv->conflicts[i] == s)
            return 0;
    for (size_t i = 0; i < rv->nbusy; i++)
        if (overlaps(rv->busy[i].from, rv->busy[i].to, from, to))
            return 0;
    for (size_t i = 0; i < rv->naccredited; i++)
        if (caldate_cmp(rv->accredited[i].from, from) <= 0 &&
            caldate_cmp(to, rv->accredited[i].to) <= 0)
            return 1;
    return 0;
}

/* Every rule of the plan holds; returns the plan's cost recomputed from its teams. */
static long check_rules(const struct plan_input *in, const struct plan_result *res)
{
    size_t seen[MAXS] = {0};
    int loads[MAXR] = {0};
    struct caldate end = caldate_add_months(in->year_starts_on, 12);
    for (size_t i = 0; i < res->nproposals; i++) {
        const struct plan_proposal *p = &res->proposals[i];
        ck_assert_uint_lt(p->school, in->nschools);
        seen[p->school]++;
        ck_assert_int_ge(caldate_cmp(p->starts_on, in->year_starts_on), 0);
        ck_assert_int_lt(caldate_cmp(p->ends_on, end), 0);
        /* visit_days consecutive days, every one a weekday */
        ck_assert_int_eq(day(p->ends_on) - day(p->starts_on) + 1, in->visit_days);
        for (int d = 0; d < in->visit_days; d++)
            ck_assert(is_weekday(caldate_add_days(p->starts_on, d)));
        ck_assert_uint_eq(p->nmembers, (size_t)in->team_size);
        int leads = 0;
        for (size_t m = 0; m < p->nmembers; m++) {
            size_t r = p->members[m].reviewer;
            ck_assert_uint_lt(r, in->nreviewers);
            leads += p->members[m].lead;
            loads[r]++;
            ck_assert_msg(may_sit(in, r, p->school, p->starts_on, p->ends_on),
                          "reviewer %zu may not sit at school %zu", r, p->school);
            ck_assert(strstr(p->members[m].reason, "accredited until") != NULL);
            for (size_t o = 0; o < m; o++) /* at most one reviewer from any one school */
                ck_assert_uint_ne(in->reviewers[p->members[o].reviewer].school,
                                  in->reviewers[r].school);
        }
        ck_assert_int_eq(leads, 1);
        /* no reviewer on two overlapping visits */
        for (size_t j = 0; j < i; j++) {
            const struct plan_proposal *q = &res->proposals[j];
            if (!overlaps(p->starts_on, p->ends_on, q->starts_on, q->ends_on))
                continue;
            for (size_t m = 0; m < p->nmembers; m++)
                for (size_t n = 0; n < q->nmembers; n++)
                    ck_assert_uint_ne(p->members[m].reviewer, q->members[n].reviewer);
        }
    }
    for (size_t i = 0; i < res->nblocked; i++) {
        ck_assert_uint_lt(res->blocked[i].school, in->nschools);
        seen[res->blocked[i].school]++;
        ck_assert(strcmp(res->blocked[i].rule, "too_few_partner_schools") == 0 ||
                  strcmp(res->blocked[i].rule, "too_few_eligible_reviewers") == 0);
        ck_assert(res->blocked[i].message[0] != '\0');
    }
    for (size_t s = 0; s < in->nschools; s++) /* every school planned or blocked, once */
        ck_assert_uint_eq(seen[s], 1);
    long cost = 0;
    for (size_t r = 0; r < in->nreviewers; r++) {
        ck_assert_int_eq(loads[r], res->loads[r]);
        for (int k = 1; k <= loads[r]; k++)
            cost += in->reviewers[r].prior_visits + k;
    }
    ck_assert_int_eq(cost, res->cost);
    return cost;
}

/* Solves f's input into res, asserting PLAN_OK and that every rule holds (check_rules). */
static void fx_solve(struct fx *f, struct plan_result *res)
{
    char err[128];
    ck_assert_int_eq(plan_solve(&f->in, res, err, sizeof err), PLAN_OK);
    check_rules(&f->in, res);
}

/* The number of other schools with a reviewer who may sit at s in the window, per §1.3. */
static size_t partner_schools(const struct plan_input *in, size_t s, struct caldate from,
                              struct caldate to)
{
    char seen[MAXS] = {0};
    size_t n = 0;
    for (size_t r = 0; r < in->nreviewers; r++)
        if (may_sit(in, r, s, from, to) && !seen[in->reviewers[r].school]) {
            seen[in->reviewers[r].school] = 1;
            n++;
        }
    return n;
}

/* A school blocked with too_few_partner_schools has fewer than team_size partner schools in every
 * window of the year (Monday + k * visit_days within the week, the windows of the model). */
static void check_partner_blocks(const struct plan_input *in, const struct plan_result *res)
{
    struct caldate end = caldate_add_months(in->year_starts_on, 12);
    for (size_t i = 0; i < res->nblocked; i++) {
        if (strcmp(res->blocked[i].rule, "too_few_partner_schools") != 0)
            continue;
        for (struct caldate d = in->year_starts_on; caldate_cmp(d, end) < 0;
             d = caldate_add_days(d, 1)) {
            long wd = (day(d) + 5) % 7; /* 0 Monday */
            struct caldate to = caldate_add_days(d, in->visit_days - 1);
            if (wd % in->visit_days != 0 || wd + in->visit_days > 5 || caldate_cmp(to, end) >= 0)
                continue;
            ck_assert_uint_lt(partner_schools(in, res->blocked[i].school, d, to),
                              (size_t)in->team_size);
        }
    }
}

/* ---------- brute force over teams ---------- */

struct brute {
    const struct plan_input *in;
    const struct plan_result *res;
    int loads[MAXR];
    size_t team[MAXS][PLAN_MAX_TEAM];
    long best;
};

/* The least cost of placing `left` more visits on the current loads, ignoring every rule. */
static long water_fill(const int *loads, size_t n, int left)
{
    int l[MAXR];
    memcpy(l, loads, n * sizeof *l);
    long add = 0;
    while (left-- > 0) {
        size_t lo = 0;
        for (size_t r = 1; r < n; r++)
            if (l[r] < l[lo])
                lo = r;
        add += ++l[lo];
    }
    return add;
}

static void brute_dfs(struct brute *b, size_t pi, size_t m, size_t from, long cost)
{
    const struct plan_input *in = b->in;
    int ts = in->team_size;
    if (pi == b->res->nproposals) {
        if (cost < b->best)
            b->best = cost;
        return;
    }
    int left = (int)((b->res->nproposals - pi) * (size_t)ts - m);
    if (cost + water_fill(b->loads, in->nreviewers, left) >= b->best)
        return;
    if (m == (size_t)ts) {
        brute_dfs(b, pi + 1, 0, 0, cost);
        return;
    }
    const struct plan_proposal *p = &b->res->proposals[pi];
    for (size_t r = from; r < in->nreviewers; r++) {
        if (!may_sit(in, r, p->school, p->starts_on, p->ends_on))
            continue;
        int ok = 1;
        for (size_t o = 0; o < m && ok; o++)
            ok = in->reviewers[b->team[pi][o]].school != in->reviewers[r].school;
        for (size_t q = 0; q < pi && ok; q++) {
            const struct plan_proposal *pq = &b->res->proposals[q];
            if (!overlaps(p->starts_on, p->ends_on, pq->starts_on, pq->ends_on))
                continue;
            for (int o = 0; o < ts && ok; o++)
                ok = b->team[q][o] != r;
        }
        if (!ok)
            continue;
        b->team[pi][m] = r;
        b->loads[r]++;
        brute_dfs(b, pi, m + 1, r + 1, cost + b->loads[r]);
        b->loads[r]--;
    }
}

START_TEST(plan_matches_brute_force_on_small_partnerships)
{
    static struct fx f;
    rng_state = 13;
    int compared = 0;
    for (int round = 0; round < 150; round++) {
        size_t ns = 3 + rng(3), nr = ns + rng((unsigned)(11 - ns));
        int ts = ns == 5 && rng(3) == 0 ? 4 : 3;
        fx_random(&f, ns, nr, ts, 1 + (int)rng(5), round % 3 != 0);
        struct plan_result res;
        fx_solve(&f, &res);
        check_partner_blocks(&f.in, &res);
        struct brute b = {.in = &f.in, .res = &res, .best = LONG_MAX};
        for (size_t r = 0; r < f.in.nreviewers; r++)
            b.loads[r] = f.rv[r].prior_visits; /* the k-th visit of the year costs k */
        brute_dfs(&b, 0, 0, 0, 0);
        ck_assert_msg(b.best == res.cost, "round %d: brute force %ld, solver %ld", round, b.best,
                      res.cost);
        compared += res.nproposals > 0;
        plan_result_cleanup(&res);
    }
    ck_assert_int_gt(compared, 60); /* most rounds planned something to compare */
}
END_TEST

/* No single swap lowers the cost: a reviewer b who could take a's place on a team while b has at
 * least two visits fewer than a would make the plan cheaper. */
static void check_no_improving_swap(const struct plan_input *in, const struct plan_result *res)
{
    for (size_t i = 0; i < res->nproposals; i++) {
        const struct plan_proposal *p = &res->proposals[i];
        for (size_t m = 0; m < p->nmembers; m++) {
            size_t a = p->members[m].reviewer;
            for (size_t b = 0; b < in->nreviewers; b++) {
                int ta = res->loads[a] + in->reviewers[a].prior_visits;
                int tb = res->loads[b] + in->reviewers[b].prior_visits;
                if (tb > ta - 2 || !may_sit(in, b, p->school, p->starts_on, p->ends_on))
                    continue;
                int ok = 1;
                for (size_t o = 0; o < p->nmembers && ok; o++)
                    ok = o == m ||
                         (p->members[o].reviewer != b &&
                          in->reviewers[p->members[o].reviewer].school != in->reviewers[b].school);
                for (size_t j = 0; j < res->nproposals && ok; j++) {
                    const struct plan_proposal *q = &res->proposals[j];
                    if (j == i || !overlaps(p->starts_on, p->ends_on, q->starts_on, q->ends_on))
                        continue;
                    for (size_t o = 0; o < q->nmembers && ok; o++)
                        ok = q->members[o].reviewer != b;
                }
                ck_assert_msg(!ok, "reviewer %zu (%d visits) could replace %zu (%d)", b, tb, a, ta);
            }
        }
    }
}

START_TEST(plan_random_partnerships_keep_every_rule)
{
    static struct fx f;
    rng_state = 2027;
    for (int round = 0; round < 60; round++) {
        size_t ns = 4 + rng(30), nr = ns + rng((unsigned)(4 * ns));
        int vd = 1 + (int)rng(5);
        fx_random(&f, ns, nr, 3 + (int)rng(2), vd, 1);
        struct plan_result res;
        fx_solve(&f, &res);
        check_partner_blocks(&f.in, &res);
        check_no_improving_swap(&f.in, &res);
        plan_result_cleanup(&res);
    }
}
END_TEST

/* Where an even spread exists (every reviewer eligible everywhere but at home, the same number
 * of reviewers at every school), the busiest and least busy reviewer differ by at most one. */
START_TEST(plan_spread_is_even_where_it_can_be)
{
    static struct fx f;
    rng_state = 7;
    for (int round = 0; round < 40; round++) {
        size_t ns = 4 + rng(40), per = 1 + rng(5);
        int ts = 3 + (int)rng(2);
        if (ns <= (size_t)ts)
            ns = (size_t)ts + 1;
        fx_init(&f, ns, ts, 1 + (int)rng(2));
        fx_reviewers(&f, ns, per);
        struct plan_result res;
        fx_solve(&f, &res);
        ck_assert_uint_eq(res.nblocked, 0);
        int lo = INT_MAX, hi = 0;
        for (size_t r = 0; r < f.in.nreviewers; r++) {
            lo = res.loads[r] < lo ? res.loads[r] : lo;
            hi = res.loads[r] > hi ? res.loads[r] : hi;
        }
        ck_assert_msg(hi - lo <= 1, "round %d: loads from %d to %d", round, lo, hi);
        /* The leads are spread too: among reviewers who visit, at most one lead apart. */
        int leads[MAXR] = {0}, llo = INT_MAX, lhi = 0;
        for (size_t i = 0; i < res.nproposals; i++)
            leads[res.proposals[i].members[0].reviewer]++;
        for (size_t r = 0; r < f.in.nreviewers; r++)
            if (res.loads[r] > 0) {
                llo = leads[r] < llo ? leads[r] : llo;
                lhi = leads[r] > lhi ? leads[r] : lhi;
            }
        ck_assert_msg(lhi - llo <= 1, "round %d: leads from %d to %d", round, llo, lhi);
        plan_result_cleanup(&res);
    }
}
END_TEST

START_TEST(plan_reasons_and_leads_in_words)
{
    static struct fx f;
    fx_init(&f, 4, 3, 2);
    fx_reviewers(&f, 4, 1);
    f.acc[1][0].to = D("2028-03-31");
    struct plan_result res;
    char err[128];
    fx_solve(&f, &res);
    ck_assert_uint_eq(res.nproposals, 4);
    int found = 0, leads[4] = {0};
    for (size_t i = 0; i < res.nproposals; i++) {
        ck_assert_int_eq(res.proposals[i].members[0].lead, 1); /* the lead comes first */
        ck_assert(strncmp(res.proposals[i].members[0].reason, "lead of 1 team, ", 16) == 0);
        ck_assert(strstr(res.proposals[i].members[1].reason, "lead") == NULL);
        leads[res.proposals[i].members[0].reviewer]++;
        for (size_t m = 0; m < 3; m++)
            if (res.proposals[i].members[m].reviewer == 1)
                found += strstr(res.proposals[i].members[m].reason,
                                "accredited until 2028-03-31") != NULL;
    }
    ck_assert_int_eq(found, 3); /* reviewer 1 sits on the three other teams */
    for (size_t r = 0; r < 4; r++)
        ck_assert_int_eq(leads[r], 1); /* leads spread: each leads once */
    /* Windows spread across the year: the four are months apart, not in the first weeks. */
    ck_assert_int_gt(day(res.proposals[3].starts_on) - day(res.proposals[0].starts_on), 250);
    plan_result_cleanup(&res);
    f.in.team_size = 5;
    ck_assert_int_eq(plan_solve(&f.in, &res, err, sizeof err), PLAN_ERR_INPUT);
    f.in.team_size = 3;
    f.in.visit_days = 6;
    ck_assert_int_eq(plan_solve(&f.in, &res, err, sizeof err), PLAN_ERR_INPUT);
    plan_result_cleanup(&res);
}
END_TEST

/* Visits already booked count in the spread: a reviewer with two visits in the year already gets
 * two fewer in the plan, and the reason says so. */
START_TEST(plan_prior_visits_count_in_the_spread)
{
    static struct fx f;
    struct plan_result res;
    char err[128];
    fx_init(&f, 6, 3, 2);
    fx_reviewers(&f, 6, 2);
    /* 18 visits over 12 reviewers: 1 or 2 each without history. */
    f.rv[0].prior_visits = 2;
    fx_solve(&f, &res);
    ck_assert_int_eq(res.loads[0], 0);
    int lo = INT_MAX, hi = 0;
    for (size_t r = 0; r < f.in.nreviewers; r++) {
        int t = res.loads[r] + f.rv[r].prior_visits;
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
    }
    ck_assert_int_le(hi - lo, 1);
    ck_assert(strstr(res.proposals[0].members[1].reason, "already booked; every eligible reviewer "
                                                         "has 1 to 2)") != NULL);
    plan_result_cleanup(&res);
    f.rv[0].prior_visits = -1;
    ck_assert_int_eq(plan_solve(&f.in, &res, err, sizeof err), PLAN_ERR_INPUT);
    plan_result_cleanup(&res);
}
END_TEST

static const char *blocked_rule(const struct plan_result *res, size_t s)
{
    for (size_t i = 0; i < res->nblocked; i++)
        if (res->blocked[i].school == s)
            return res->blocked[i].rule;
    return NULL;
}

START_TEST(plan_blocks_every_school_it_cannot_staff)
{
    static struct fx f;
    struct plan_result res;

    /* Three schools cannot make a team of three from other schools. */
    fx_init(&f, 3, 3, 2);
    fx_reviewers(&f, 3, 1);
    fx_solve(&f, &res);
    ck_assert_uint_eq(res.nproposals, 0);
    ck_assert_uint_eq(res.nblocked, 3);
    for (size_t s = 0; s < 3; s++)
        ck_assert_str_eq(blocked_rule(&res, s), "too_few_partner_schools");
    plan_result_cleanup(&res);

    /* Declared conflicts leave school 0 two partner schools; the others are still planned. */
    fx_init(&f, 6, 3, 2);
    fx_reviewers(&f, 6, 1);
    for (size_t r = 3; r < 6; r++)
        fx_conflict(&f, r, 0);
    fx_solve(&f, &res);
    ck_assert_uint_eq(res.nblocked, 1);
    ck_assert_str_eq(blocked_rule(&res, 0), "too_few_partner_schools");
    ck_assert(strstr(res.blocked[0].message, "at most 2 other partner schools") != NULL);
    ck_assert_uint_eq(res.nproposals, 5);
    plan_result_cleanup(&res);

    /* Unavailable all year (schools 3 and 4) and accreditation lapsed before the year (school 2):
     * schools 0, 1 and 2 have too few partners, 3 and 4 are planned. */
    fx_init(&f, 5, 3, 3);
    fx_reviewers(&f, 5, 1);
    fx_busy(&f, 3, D("2027-08-01"), D("2028-09-30"));
    fx_busy(&f, 4, D("2027-01-01"), D("2028-12-31"));
    fx_reviewer(&f, 2);
    f.acc[5][0].to = D("2027-08-31");
    fx_solve(&f, &res);
    check_partner_blocks(&f.in, &res);
    ck_assert_uint_eq(res.nblocked, 3);
    for (size_t s = 0; s < 3; s++)
        ck_assert_str_eq(blocked_rule(&res, s), "too_few_partner_schools");
    ck_assert_uint_eq(res.nproposals, 2);
    plan_result_cleanup(&res);

    /* Unavailable only in the autumn: the school is planned in a window that avoids it. */
    fx_init(&f, 4, 3, 2);
    fx_reviewers(&f, 4, 1);
    fx_busy(&f, 1, D("2027-09-01"), D("2028-01-31"));
    fx_solve(&f, &res);
    ck_assert_uint_eq(res.nblocked, 0);
    plan_result_cleanup(&res);
}
END_TEST

/* More schools than windows (five-day visits): schools share windows, and where two sharing
 * schools need the same three reviewers one of them is blocked with too_few_eligible_reviewers;
 * schools 0, 1 and 2 (the only ones with reviewers) have too few partner schools. */
START_TEST(plan_blocks_too_few_eligible_reviewers_when_windows_are_shared)
{
    static struct fx f;
    struct plan_result res;
    size_t nw = plan_window_count(D("2027-09-01"), 5);
    ck_assert_uint_ge(nw, 51);
    ck_assert_uint_le(nw, 53);
    size_t ns = nw + 4;
    fx_init(&f, ns, 3, 5);
    fx_reviewers(&f, 3, 1);
    fx_solve(&f, &res);
    check_partner_blocks(&f.in, &res);
    size_t partner = 0, eligible = 0;
    for (size_t i = 0; i < res.nblocked; i++) {
        if (strcmp(res.blocked[i].rule, "too_few_partner_schools") == 0) {
            ck_assert_uint_lt(res.blocked[i].school, 3);
            partner++;
        } else {
            ck_assert_uint_ge(res.blocked[i].school, 3);
            ck_assert(strstr(res.blocked[i].message, "on teams visiting at the same time"));
            eligible++;
        }
    }
    ck_assert_uint_eq(partner, 3);
    ck_assert_uint_eq(eligible, 1);
    ck_assert_uint_eq(res.nproposals, nw);
    plan_result_cleanup(&res);

    /* With enough reviewers the schools sharing windows are all staffed, by disjoint teams. */
    fx_init(&f, ns, 4, 5);
    fx_reviewers(&f, ns, 1);
    fx_solve(&f, &res);
    ck_assert_uint_eq(res.nblocked, 0);
    ck_assert_uint_eq(res.nproposals, ns);
    plan_result_cleanup(&res);
}
END_TEST

START_TEST(plan_dates_and_windows)
{
    ck_assert_int_eq(plan_weekday(D("2027-09-01")), 2); /* a Wednesday */
    ck_assert_int_eq(plan_weekday(D("2027-09-06")), 0);
    ck_assert_int_eq(plan_weekday(D("2000-02-29")), 1);
    ck_assert_int_eq(caldate_to_days(D("1970-01-01")), 0);
    ck_assert_int_eq(caldate_to_days(D("2028-03-01")) - caldate_to_days(D("2028-02-28")), 2);
    /* 2027-09-01 (Wed) to 2028-08-31 (Thu): one-day windows are the year's weekdays. */
    size_t weekdays = 0;
    for (struct caldate d = D("2027-09-01"); caldate_cmp(d, D("2028-09-01")) < 0;
         d = caldate_add_days(d, 1))
        weekdays += is_weekday(d);
    ck_assert_uint_eq(plan_window_count(D("2027-09-01"), 1), weekdays);
    ck_assert_uint_eq(plan_window_count(D("2027-09-01"), 0), 0);

    /* An empty partnership plans nothing; a reviewer at a school outside it is refused. */
    static struct fx f;
    struct plan_result res;
    char err[128];
    fx_init(&f, 0, 3, 2);
    ck_assert_int_eq(plan_solve(&f.in, &res, err, sizeof err), PLAN_OK);
    ck_assert_uint_eq(res.nproposals + res.nblocked, 0);
    plan_result_cleanup(&res);
    fx_init(&f, 4, 3, 2);
    fx_reviewer(&f, 4);
    ck_assert_int_eq(plan_solve(&f.in, &res, err, sizeof err), PLAN_ERR_INPUT);
    ck_assert(strstr(err, "not in the partnership") != NULL);
    ck_assert_uint_eq(res.nproposals + res.nblocked, 0);
    plan_result_cleanup(&res);
}
END_TEST

Suite *plan_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, plan_dates_and_windows);
    tcase_add_test(tc, plan_reasons_and_leads_in_words);
    tcase_add_test(tc, plan_prior_visits_count_in_the_spread);
    tcase_add_test(tc, plan_blocks_every_school_it_cannot_staff);
    tcase_add_test(tc, plan_blocks_too_few_eligible_reviewers_when_windows_are_shared);
    tcase_add_test(tc, plan_matches_brute_force_on_small_partnerships);
    tcase_add_test(tc, plan_random_partnerships_keep_every_rule);
    tcase_add_test(tc, plan_spread_is_even_where_it_can_be);
    suite_add_tcase(s, tc);
    return s;
}
