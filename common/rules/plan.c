/* The annual review-plan solver (DESIGN §1.3).
 *
 * The model, in two stages.
 *
 * 1. Windows. The year [year_starts_on, +1 year) is cut into pairwise disjoint windows: in each
 *    week, Monday + k * visit_days for as long as the window stays within Monday to Friday (so
 *    every day of a window is a weekday and windows never overlap one another). That gives about
 *    52 * floor(5 / visit_days) windows. A school whose best window offers fewer other partner
 *    schools with an eligible reviewer than team_size is blocked at once
 *    (too_few_partner_schools): no window can staff it. The others get windows greedily, the
 *    most constrained school first (fewest feasible windows), each taking the feasible window
 *    used least so far, then the one farthest from the windows already used as much (a
 *    farthest-point spread across the year), then the one with most eligible reviewers, then
 *    the earliest. While there are no more schools than windows every school therefore has its
 *    own window, and "no reviewer on two overlapping visits" holds by construction. When there
 *    are more schools than windows (60 schools with visit_days 3 to 5), some share a window,
 *    and the flow below keeps their teams apart.
 *
 * 2. Teams, as one min-cost flow over the fixed windows:
 *      source -> reviewer           capacity unbounded, convex cost: the reviewer's k-th visit
 *                                       of the year costs k (prior_visits count as the first)
 *      reviewer -> (reviewer, window)  capacity 1: one visit per window (the overlap rule)
 *      (reviewer, window) -> (school, reviewer's school)  capacity 1, when the reviewer is
 *                                       eligible for that school in that window (§1.2: not the
 *                                       host school, no declared conflict, accredited on every
 *                                       day of the visit, not busy on any of them)
 *      (school, partner school) -> school   capacity 1: at most one reviewer from any one school
 *      school -> sink               capacity team_size
 *    The convex arc is one arc whose residual cost depends on its flow (forward: f + 1, back:
 *    -f), which is the same as parallel arcs of cost 1, 2, 3, ... without the arcs. Successive
 *    shortest paths (SPFA, one unit per path) give a maximum flow of least cost, and least cost
 *    is the sum over reviewers of 1 + ... + load. That objective is separable and strictly
 *    convex over the load vectors the network can reach, which form the bases of a polymatroid;
 *    its minimiser is the egalitarian (decreasingly minimal) load vector, so where a spread
 *    with busiest - least busy <= 1 exists the solver finds one. A school that the maximum flow
 *    cannot fill (only possible when windows are shared) is blocked with
 *    too_few_eligible_reviewers and the flow is solved again without it, so the remaining
 *    teams are again of least cost.
 *
 * 3. Lead reviewer: a second, small min-cost flow over the teams found (source -> reviewer at a
 *    rising cost per lead -> each team the reviewer sits on -> sink, one lead per team), so the
 *    leads are spread as evenly as the teams allow, by the same argument as the visits.
 *
 * Why this is good enough: windows and teams are solved in sequence, not jointly. Jointly
 * optimal would mean a flow per choice of windows. But while every school has its own window
 * the windows only decide who is eligible where, and the greedy takes, for each school, a
 * window where its team is feasible (and among equally spread ones, the one with most eligible
 * reviewers); the team cost is then optimal for those windows (the unit tests check it against
 * brute force). What the sequence can lose: a window chosen for the spread may leave a school
 * only reviewers who are busy elsewhere, where another window would have offered idle ones, so
 * the cost can exceed that of a joint optimum; the spread of visits across the year is itself a
 * requirement, and the choice still keeps every rule, so we accept that. The year has over 100
 * windows for visit_days 1 or 2, so sharing only arises for visits of 3 to 5 days in
 * partnerships of more than about 52 schools. (The dec-min property of separable convex
 * minimisation over the bases of an integral polymatroid is Frank and Murota, "Discrete
 * decreasing minimization", 2020.) Size: with 60 schools
 * and 300 reviewers the network has a few tens of thousands of arcs and 180 to 240 augmenting
 * paths; bench/plan_bench.c measures it. */
#include "plan.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* ---------- dates ---------- */

int plan_weekday(struct caldate c)
{
    long n = caldate_to_days(c); /* 1970-01-01 was a Thursday (3) */
    return (int)(((n % 7) + 7 + 3) % 7);
}

struct plan_window {
    long from, to; /* day numbers, inclusive */
};

/* Fills *out (xmalloc'd, the caller frees) with the year's windows in date order. */
static size_t plan_windows(struct caldate start, int visit_days, struct plan_window **out)
{
    long d0 = caldate_to_days(start);
    long end = caldate_to_days(caldate_add_months(start, 12)); /* exclusive */
    size_t n = 0, cap = 64;
    struct plan_window *w = xmalloc(cap * sizeof *w);
    for (long monday = d0 - plan_weekday(start); monday < end; monday += 7) {
        for (int k = 0; (k + 1) * visit_days <= 5; k++) {
            long from = monday + (long)k * visit_days, to = from + visit_days - 1;
            if (from < d0 || to >= end)
                continue;
            if (n == cap) {
                cap *= 2;
                w = xrealloc(w, cap * sizeof *w);
            }
            w[n].from = from;
            w[n].to = to;
            n++;
        }
    }
    *out = w;
    return n;
}

size_t plan_window_count(struct caldate year_starts_on, int visit_days)
{
    if (visit_days < 1 || visit_days > 5)
        return 0;
    struct plan_window *w;
    size_t n = plan_windows(year_starts_on, visit_days, &w);
    free(w);
    return n;
}

/* ---------- eligibility ---------- */

/* A reviewer's ranges as day numbers, computed once per solve: the eligibility test runs for
 * every reviewer, school and window. acc and busy hold from, to pairs. */
struct plan_days {
    long *acc;
    long *busy;
};

static void plan_days_init(struct plan_days *d, const struct plan_reviewer *r)
{
    d->acc = xmalloc((2 * r->naccredited + 1) * sizeof *d->acc);
    d->busy = xmalloc((2 * r->nbusy + 1) * sizeof *d->busy);
    for (size_t i = 0; i < r->naccredited; i++) {
        d->acc[2 * i] = caldate_to_days(r->accredited[i].from);
        d->acc[2 * i + 1] = caldate_to_days(r->accredited[i].to);
    }
    for (size_t i = 0; i < r->nbusy; i++) {
        d->busy[2 * i] = caldate_to_days(r->busy[i].from);
        d->busy[2 * i + 1] = caldate_to_days(r->busy[i].to);
    }
}

static void plan_days_cleanup(struct plan_days *d)
{
    free(d->acc);
    free(d->busy);
}

/* The end of the accreditation range covering [from, to], or -1 when none covers it. */
static long plan_accredited_until(const struct plan_reviewer *r, const struct plan_days *d,
                                  long from, long to)
{
    long best = -1;
    for (size_t i = 0; i < r->naccredited; i++)
        if (d->acc[2 * i] <= from && to <= d->acc[2 * i + 1] && d->acc[2 * i + 1] > best)
            best = d->acc[2 * i + 1];
    return best;
}

static int plan_eligible(const struct plan_input *in, const struct plan_days *days, size_t ri,
                         size_t school, const struct plan_window *w)
{
    const struct plan_reviewer *r = &in->reviewers[ri];
    const struct plan_days *d = &days[ri];
    if (r->school == school)
        return 0;
    for (size_t i = 0; i < r->nconflicts; i++)
        if (r->conflicts[i] == school)
            return 0;
    for (size_t i = 0; i < r->nbusy; i++)
        if (d->busy[2 * i] <= w->to && w->from <= d->busy[2 * i + 1])
            return 0;
    return plan_accredited_until(r, d, w->from, w->to) >= 0;
}

/* ---------- min-cost flow ---------- */

struct plan_edge {
    int to, cap, flow;
    int cost;             /* per unit; for a convex edge, the k-th unit costs cost * k */
    int convex;           /* set on the forward edge only */
    int offset;           /* convex: units already carried before the flow (prior visits) */
    int reviewer, school; /* on (reviewer, window) -> (school, partner) edges, else -1 */
};

struct plan_net {
    struct plan_edge *e;
    size_t ne, cap;
    int *head; /* adjacency as index lists */
    int *next;
    int nnodes;
};

static void plan_net_init(struct plan_net *g, int nnodes)
{
    memset(g, 0, sizeof *g);
    g->nnodes = nnodes;
    g->head = xmalloc((size_t)nnodes * sizeof *g->head);
    for (int i = 0; i < nnodes; i++)
        g->head[i] = -1;
}

static void plan_net_cleanup(struct plan_net *g)
{
    free(g->e);
    free(g->next);
    free(g->head);
}

static int plan_net_add_node(struct plan_net *g)
{
    g->head = xrealloc(g->head, (size_t)(g->nnodes + 1) * sizeof *g->head);
    g->head[g->nnodes] = -1;
    return g->nnodes++;
}

static void plan_net_add_edge(struct plan_net *g, int from, int to, int cap, int cost, int convex,
                              int reviewer, int school)
{
    if (g->ne + 2 > g->cap) {
        g->cap = g->cap ? g->cap * 2 : 256;
        g->e = xrealloc(g->e, g->cap * sizeof *g->e);
        g->next = xrealloc(g->next, g->cap * sizeof *g->next);
    }
    struct plan_edge f = {to, cap, 0, cost, convex, 0, reviewer, school};
    struct plan_edge b = {from, 0, 0, -cost, 0, 0, -1, -1};
    g->e[g->ne] = f;
    g->next[g->ne] = g->head[from];
    g->head[from] = (int)g->ne++;
    g->e[g->ne] = b;
    g->next[g->ne] = g->head[to];
    g->head[to] = (int)g->ne++;
}

/* The cost of pushing one more unit along residual edge i. */
static long plan_net_cost(const struct plan_net *g, size_t i)
{
    const struct plan_edge *e = &g->e[i];
    if (e->convex)
        return (long)e->cost * (e->offset + e->flow + 1);
    const struct plan_edge *fwd = &g->e[i ^ 1];
    if ((i & 1) && fwd->convex)
        return -(long)fwd->cost * (fwd->offset + fwd->flow);
    return e->cost;
}

/* Successive shortest paths, one unit at a time, from s to t until no path is left. Returns the
 * flow. Costs start non-negative, so there is no negative cycle and each path found is a
 * shortest one in a residual graph without negative cycles: the flow stays of least cost. */
static int plan_net_mcmf(struct plan_net *g, int s, int t)
{
    int n = g->nnodes, flow = 0;
    long *dist = xmalloc((size_t)n * sizeof *dist);
    int *via = xmalloc((size_t)n * sizeof *via);
    char *queued = xmalloc((size_t)n);
    int *queue = xmalloc((size_t)n * sizeof *queue);
    for (;;) {
        for (int i = 0; i < n; i++) {
            dist[i] = LONG_MAX;
            via[i] = -1;
            queued[i] = 0;
        }
        /* SPFA with a circular queue of n slots (a node is in it at most once). */
        size_t qh = 0, qn = 0;
        dist[s] = 0;
        queue[0] = s;
        qn = 1;
        queued[s] = 1;
        while (qn > 0) {
            int u = queue[qh];
            qh = (qh + 1) % (size_t)n;
            qn--;
            queued[u] = 0;
            for (int i = g->head[u]; i >= 0; i = g->next[i]) {
                struct plan_edge *e = &g->e[i];
                if (e->cap - e->flow <= 0)
                    continue;
                long nd = dist[u] + plan_net_cost(g, (size_t)i);
                if (nd < dist[e->to]) {
                    dist[e->to] = nd;
                    via[e->to] = i;
                    if (!queued[e->to]) {
                        queued[e->to] = 1;
                        queue[(qh + qn) % (size_t)n] = e->to;
                        qn++;
                    }
                }
            }
        }
        if (dist[t] == LONG_MAX)
            break;
        for (int v = t; v != s; v = g->e[via[v] ^ 1].to) {
            g->e[via[v]].flow += 1;
            g->e[via[v] ^ 1].flow -= 1;
        }
        flow++;
    }
    free(queue);
    free(queued);
    free(via);
    free(dist);
    return flow;
}

/* ---------- the solver ---------- */

struct plan_ctx {
    const struct plan_input *in;
    struct plan_days *days; /* per reviewer */
    struct plan_window *w;
    size_t nw;
    size_t *school_window;     /* per school, SIZE_MAX when blocked */
    const char **blocked_rule; /* per school, NULL when planned */
};

/* The number of other schools with an eligible reviewer for school s in window k, and the number
 * of eligible reviewers (in *nrev). */
static size_t plan_partner_count(const struct plan_ctx *c, size_t s, size_t k, size_t *nrev,
                                 char *seen)
{
    const struct plan_input *in = c->in;
    memset(seen, 0, in->nschools);
    size_t partners = 0, rev = 0;
    for (size_t r = 0; r < in->nreviewers; r++) {
        if (!plan_eligible(in, c->days, r, s, &c->w[k]))
            continue;
        rev++;
        if (!seen[in->reviewers[r].school]) {
            seen[in->reviewers[r].school] = 1;
            partners++;
        }
    }
    if (nrev)
        *nrev = rev;
    return partners;
}

static void plan_assign_windows(struct plan_ctx *c, struct plan_result *out)
{
    const struct plan_input *in = c->in;
    size_t ns = in->nschools, nw = c->nw, ts = (size_t)in->team_size;
    char *seen = xmalloc(ns ? ns : 1);
    size_t *partners = xcalloc(ns * nw + 1, sizeof *partners);
    size_t *nrev = xcalloc(ns * nw + 1, sizeof *nrev);
    size_t *nfeasible = xcalloc(ns + 1, sizeof *nfeasible);
    size_t *best = xcalloc(ns + 1, sizeof *best);
    for (size_t s = 0; s < ns; s++) {
        for (size_t k = 0; k < nw; k++) {
            partners[s * nw + k] = plan_partner_count(c, s, k, &nrev[s * nw + k], seen);
            if (partners[s * nw + k] >= ts)
                nfeasible[s]++;
            if (partners[s * nw + k] > best[s])
                best[s] = partners[s * nw + k];
        }
        if (nfeasible[s] == 0) {
            c->blocked_rule[s] = "too_few_partner_schools";
            struct plan_blocked *b = &out->blocked[out->nblocked++];
            b->school = s;
            b->rule = c->blocked_rule[s];
            snprintf(b->message, sizeof b->message,
                     "at most %zu other partner school%s ha%s an eligible peer reviewer in any "
                     "window of the year; a team of %zu needs %zu",
                     best[s], best[s] == 1 ? "" : "s", best[s] == 1 ? "s" : "ve", ts, ts);
        }
    }
    /* The most constrained school first. */
    size_t *order = xmalloc((ns + 1) * sizeof *order);
    size_t norder = 0;
    for (size_t s = 0; s < ns; s++)
        if (!c->blocked_rule[s])
            order[norder++] = s;
    for (size_t i = 1; i < norder; i++) { /* insertion sort: stable, n is small */
        size_t v = order[i], j = i;
        while (j > 0 && nfeasible[order[j - 1]] > nfeasible[v]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    size_t *usage = xcalloc(nw + 1, sizeof *usage);
    for (size_t i = 0; i < norder; i++) {
        size_t s = order[i], pick = SIZE_MAX, pick_dist = 0;
        for (size_t k = 0; k < nw; k++) {
            if (partners[s * nw + k] < ts)
                continue;
            /* Distance to the nearest window already used more than this one is. */
            size_t dist = SIZE_MAX;
            for (size_t j = 0; j < nw; j++)
                if (usage[j] > usage[k]) {
                    size_t d = j > k ? j - k : k - j;
                    if (d < dist)
                        dist = d;
                }
            int better = 0;
            if (pick == SIZE_MAX || usage[k] < usage[pick])
                better = 1;
            else if (usage[k] == usage[pick] && dist > pick_dist)
                better = 1;
            else if (usage[k] == usage[pick] && dist == pick_dist &&
                     nrev[s * nw + k] > nrev[s * nw + pick])
                better = 1;
            if (better) {
                pick = k;
                pick_dist = dist;
            }
        }
        c->school_window[s] = pick;
        usage[pick]++;
    }
    free(usage);
    free(order);
    free(best);
    free(nfeasible);
    free(nrev);
    free(partners);
    free(seen);
}

/* Builds the flow network over the schools still planned, solves it, and writes each school's
 * members (reviewer indices) into team[s * PLAN_MAX_TEAM ...] with their count in nteam[s].
 * Returns the number of schools it could not fill. */
static size_t plan_solve_teams(struct plan_ctx *c, size_t *team, size_t *nteam)
{
    const struct plan_input *in = c->in;
    size_t ns = in->nschools, nr = in->nreviewers, nw = c->nw;
    struct plan_net g;
    int src = 0, sink = 1;
    plan_net_init(&g, 2 + (int)nr + (int)ns);
    int rnode0 = 2, snode0 = 2 + (int)nr;
    int *rw = xmalloc((nr * nw + 1) * sizeof *rw); /* (reviewer, window) nodes */
    int *sp = xmalloc((ns * ns + 1) * sizeof *sp); /* (school, partner school) nodes */
    for (size_t i = 0; i < nr * nw; i++)
        rw[i] = -1;
    for (size_t i = 0; i < ns * ns; i++)
        sp[i] = -1;
    for (size_t r = 0; r < nr; r++) {
        plan_net_add_edge(&g, src, rnode0 + (int)r, (int)ns, 1, 1, -1, -1);
        g.e[g.ne - 2].offset = in->reviewers[r].prior_visits;
    }
    for (size_t s = 0; s < ns; s++) {
        if (c->blocked_rule[s])
            continue;
        size_t k = c->school_window[s];
        plan_net_add_edge(&g, snode0 + (int)s, sink, in->team_size, 0, 0, -1, -1);
        for (size_t r = 0; r < nr; r++) {
            if (!plan_eligible(in, c->days, r, s, &c->w[k]))
                continue;
            size_t p = in->reviewers[r].school;
            if (rw[r * nw + k] < 0) {
                rw[r * nw + k] = plan_net_add_node(&g);
                plan_net_add_edge(&g, rnode0 + (int)r, rw[r * nw + k], 1, 0, 0, -1, -1);
            }
            if (sp[s * ns + p] < 0) {
                sp[s * ns + p] = plan_net_add_node(&g);
                plan_net_add_edge(&g, sp[s * ns + p], snode0 + (int)s, 1, 0, 0, -1, -1);
            }
            plan_net_add_edge(&g, rw[r * nw + k], sp[s * ns + p], 1, 0, 0, (int)r, (int)s);
        }
    }
    plan_net_mcmf(&g, src, sink);
    memset(nteam, 0, ns * sizeof *nteam);
    for (size_t i = 0; i < g.ne; i += 2)
        if (g.e[i].reviewer >= 0 && g.e[i].flow > 0) {
            size_t s = (size_t)g.e[i].school;
            team[s * PLAN_MAX_TEAM + nteam[s]++] = (size_t)g.e[i].reviewer;
        }
    size_t unfilled = 0;
    for (size_t s = 0; s < ns; s++)
        if (!c->blocked_rule[s] && nteam[s] < (size_t)in->team_size)
            unfilled++;
    free(sp);
    free(rw);
    plan_net_cleanup(&g);
    return unfilled;
}

/* Picks one lead per proposal (lead_of[i], a member index) by the same min-cost flow: source ->
 * reviewer at a rising cost per lead -> each team the reviewer is on -> sink, capacity 1 per
 * team, so the leads are spread as evenly as the teams allow. */
static void plan_assign_leads(const struct plan_input *in, const struct plan_result *out,
                              size_t *lead_of)
{
    size_t nr = in->nreviewers, np = out->nproposals;
    struct plan_net g;
    plan_net_init(&g, 2 + (int)nr + (int)np);
    for (size_t r = 0; r < nr; r++)
        plan_net_add_edge(&g, 0, 2 + (int)r, (int)np, 1, 1, -1, -1);
    for (size_t i = 0; i < np; i++) {
        const struct plan_proposal *p = &out->proposals[i];
        plan_net_add_edge(&g, 2 + (int)nr + (int)i, 1, 1, 0, 0, -1, -1);
        for (size_t m = 0; m < p->nmembers; m++)
            plan_net_add_edge(&g, 2 + (int)p->members[m].reviewer, 2 + (int)nr + (int)i, 1, 0, 0,
                              (int)m, (int)i);
    }
    plan_net_mcmf(&g, 0, 1);
    for (size_t i = 0; i < g.ne; i += 2)
        if (g.e[i].reviewer >= 0 && g.e[i].flow > 0)
            lead_of[g.e[i].school] = (size_t)g.e[i].reviewer;
    plan_net_cleanup(&g);
}

static int plan_cmp_blocked(const void *a, const void *b)
{
    const struct plan_blocked *x = a, *y = b;
    return x->school < y->school ? -1 : x->school > y->school;
}

int plan_solve(const struct plan_input *in, struct plan_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (in->team_size != 3 && in->team_size != 4) {
        snprintf(err, errlen, "team_size must be 3 or 4");
        return PLAN_ERR_INPUT;
    }
    if (in->visit_days < 1 || in->visit_days > 5) {
        snprintf(err, errlen, "visit_days must be between 1 and 5");
        return PLAN_ERR_INPUT;
    }
    for (size_t r = 0; r < in->nreviewers; r++) {
        const struct plan_reviewer *rv = &in->reviewers[r];
        int bad = rv->school >= in->nschools || rv->prior_visits < 0;
        for (size_t i = 0; i < rv->nconflicts; i++)
            bad |= rv->conflicts[i] >= in->nschools;
        if (bad) {
            snprintf(err, errlen,
                     "reviewer %zu names a school that is not in the partnership or has "
                     "prior_visits below 0",
                     r);
            return PLAN_ERR_INPUT;
        }
    }
    size_t ns = in->nschools, nr = in->nreviewers;
    struct plan_ctx c = {in, NULL, NULL, 0, NULL, NULL};
    c.days = xmalloc((nr + 1) * sizeof *c.days);
    for (size_t r = 0; r < nr; r++)
        plan_days_init(&c.days[r], &in->reviewers[r]);
    c.nw = plan_windows(in->year_starts_on, in->visit_days, &c.w);
    c.school_window = xmalloc((ns + 1) * sizeof *c.school_window);
    c.blocked_rule = xcalloc(ns + 1, sizeof *c.blocked_rule);
    for (size_t s = 0; s < ns; s++)
        c.school_window[s] = SIZE_MAX;
    out->blocked = xcalloc(ns + 1, sizeof *out->blocked);
    out->proposals = xcalloc(ns + 1, sizeof *out->proposals);
    out->loads = xcalloc(nr + 1, sizeof *out->loads);

    plan_assign_windows(&c, out);
    size_t *team = xmalloc((ns * PLAN_MAX_TEAM + 1) * sizeof *team);
    size_t *nteam = xcalloc(ns + 1, sizeof *nteam);
    /* Block the schools a maximum flow cannot fill and solve again without them. */
    while (plan_solve_teams(&c, team, nteam) > 0) {
        for (size_t s = 0; s < ns; s++) {
            if (c.blocked_rule[s] || nteam[s] >= (size_t)in->team_size)
                continue;
            c.blocked_rule[s] = "too_few_eligible_reviewers";
            struct plan_blocked *b = &out->blocked[out->nblocked++];
            b->school = s;
            b->rule = c.blocked_rule[s];
            char from[11], to[11];
            caldate_format(caldate_from_days(c.w[c.school_window[s]].from), from);
            caldate_format(caldate_from_days(c.w[c.school_window[s]].to), to);
            snprintf(b->message, sizeof b->message,
                     "only %zu of the %d reviewers a team needs are free for its window "
                     "%s to %s: the others eligible are on teams visiting at the same time",
                     nteam[s], in->team_size, from, to);
        }
    }
    qsort(out->blocked, out->nblocked, sizeof *out->blocked, plan_cmp_blocked);

    /* Proposals in visit order, loads, and the range of loads over eligible reviewers. */
    for (size_t k = 0; k < c.nw; k++)
        for (size_t s = 0; s < ns; s++) {
            if (c.blocked_rule[s] || c.school_window[s] != k)
                continue;
            struct plan_proposal *p = &out->proposals[out->nproposals++];
            p->school = s;
            p->starts_on = caldate_from_days(c.w[k].from);
            p->ends_on = caldate_from_days(c.w[k].to);
            p->nmembers = nteam[s];
            for (size_t m = 0; m < nteam[s]; m++) {
                p->members[m].reviewer = team[s * PLAN_MAX_TEAM + m];
                out->loads[p->members[m].reviewer]++;
            }
        }
    int lo = INT_MAX, hi = 0;
    for (size_t r = 0; r < nr; r++) {
        int eligible = out->loads[r] > 0;
        for (size_t i = 0; !eligible && i < out->nproposals; i++)
            eligible = plan_eligible(in, c.days, r, out->proposals[i].school,
                                     &c.w[c.school_window[out->proposals[i].school]]);
        int prior = in->reviewers[r].prior_visits, total = prior + out->loads[r];
        if (eligible) {
            lo = total < lo ? total : lo;
            hi = total > hi ? total : hi;
        }
        out->cost += (long)out->loads[r] * prior + (long)out->loads[r] * (out->loads[r] + 1) / 2;
    }
    if (lo == INT_MAX)
        lo = 0;

    /* Leads, then the reasons in words. */
    int *leads = xcalloc(nr + 1, sizeof *leads);
    size_t *lead_of = xcalloc(out->nproposals + 1, sizeof *lead_of);
    plan_assign_leads(in, out, lead_of);
    for (size_t i = 0; i < out->nproposals; i++)
        leads[out->proposals[i].members[lead_of[i]].reviewer]++;
    for (size_t i = 0; i < out->nproposals; i++) {
        struct plan_proposal *p = &out->proposals[i];
        const struct plan_window *w = &c.w[c.school_window[p->school]];
        size_t lead = lead_of[i];
        struct plan_member first = p->members[lead];
        p->members[lead] = p->members[0];
        p->members[0] = first;
        p->members[0].lead = 1;
        long until[PLAN_MAX_TEAM];
        for (size_t m = 0; m < p->nmembers; m++)
            until[m] = plan_accredited_until(&in->reviewers[p->members[m].reviewer],
                                             &c.days[p->members[m].reviewer], w->from, w->to);
        char from[11], to[11];
        caldate_format(p->starts_on, from);
        caldate_format(p->ends_on, to);
        for (size_t m = 0; m < p->nmembers; m++) {
            struct plan_member *pm = &p->members[m];
            char acc[11], lead_words[64] = "";
            caldate_format(caldate_from_days(until[m]), acc);
            if (pm->lead)
                snprintf(lead_words, sizeof lead_words,
                         "lead of %d team%s, leads spread as evenly as the teams allow; ",
                         leads[pm->reviewer], leads[pm->reviewer] == 1 ? "" : "s");
            snprintf(pm->reason, sizeof pm->reason,
                     "%sfewest visits so far (%d in the year with this plan, %d of them "
                     "already booked; every eligible reviewer has %d to %d); accredited until "
                     "%s; free %s to %s; no conflict with the school",
                     lead_words,
                     in->reviewers[pm->reviewer].prior_visits + out->loads[pm->reviewer],
                     in->reviewers[pm->reviewer].prior_visits, lo, hi, acc, from, to);
        }
    }
    free(lead_of);
    free(leads);
    free(nteam);
    free(team);
    for (size_t r = 0; r < nr; r++)
        plan_days_cleanup(&c.days[r]);
    free(c.days);
    free(c.blocked_rule);
    free(c.school_window);
    free(c.w);
    return PLAN_OK;
}

void plan_result_cleanup(struct plan_result *r)
{
    if (!r)
        return;
    free(r->proposals);
    free(r->blocked);
    free(r->loads);
    memset(r, 0, sizeof *r);
}
