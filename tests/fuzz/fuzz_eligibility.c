/* Who may sit where (common/rules/eligibility.c): the facts about a review and a candidate decoded
 * from the input, then eligibility_team_member and eligibility_champion. The facts are shaped
 * like those review_facts.c loads: ids from a pool of four UUIDs (so that they meet), real
 * calendar days in 2024-2027, awards evaluated by accreditation_evaluate with 1..120 months.
 *
 * Input: bytes read in order by fuzz_next (0 once they run out): the review's ids, dates,
 * team and recorders, then the person's ids, awards, conflicts, absences, other visits and
 * workshops, each list with a length byte (up to 8 items).
 *
 * Beyond crashes and sanitizer reports it aborts when more than ELIG_MAX_PROBLEMS come, a rule
 * is unknown or repeated, or a rule that the facts decide on their own (host school, other
 * partnership, declared conflict, on the team, recorder, is the champion) is missed or made up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accreditation.h"
#include "eligibility.h"

#define FUZZ_LIST_MAX 8

static const char *const fuzz_ids[] = {
    "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
    "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000004"};

struct fuzz_in {
    const uint8_t *data;
    size_t size, at;
};

static unsigned fuzz_next(struct fuzz_in *in)
{
    return in->at < in->size ? in->data[in->at++] : 0;
}

/* One of the pool, or NULL when nullable and the byte says so. */
static const char *fuzz_id(struct fuzz_in *in, int nullable)
{
    unsigned b = fuzz_next(in);
    if (nullable && (b & 4))
        return NULL;
    return fuzz_ids[b & 3];
}

static struct caldate fuzz_day(struct fuzz_in *in)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    struct caldate d;
    d.y = 2024 + (int)(fuzz_next(in) % 4);
    d.m = 1 + (int)(fuzz_next(in) % 12);
    int max = mdays[d.m - 1] + (d.m == 2 && d.y % 4 == 0);
    d.d = 1 + (int)(fuzz_next(in) % (unsigned)max);
    return d;
}

static struct elig_range fuzz_range(struct fuzz_in *in)
{
    struct elig_range r = {fuzz_day(in), fuzz_day(in)};
    if (caldate_cmp(r.from, r.to) > 0) { /* the schema keeps every range in order */
        struct caldate t = r.from;
        r.from = r.to;
        r.to = t;
    }
    return r;
}

static size_t fuzz_ids_list(struct fuzz_in *in, const char **out)
{
    size_t n = fuzz_next(in) % (FUZZ_LIST_MAX + 1);
    for (size_t i = 0; i < n; i++)
        out[i] = fuzz_id(in, 0);
    return n;
}

static int fuzz_has(const struct elig_problem *p, size_t n, const char *rule)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(p[i].rule, rule))
            return 1;
    return 0;
}

static int fuzz_in_list(const char *id, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(id, ids[i]))
            return 1;
    return 0;
}

static void fuzz_expect(const struct elig_problem *p, size_t n, const char *rule, int expected)
{
    if (fuzz_has(p, n, rule) != !!expected)
        abort();
}

static void fuzz_check(const struct elig_problem *p, size_t n, const char *const *known)
{
    if (n > ELIG_MAX_PROBLEMS)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (!p[i].rule || !p[i].message || !p[i].message[0])
            abort();
        size_t k = 0;
        while (known[k] && strcmp(known[k], p[i].rule))
            k++;
        if (!known[k])
            abort();
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p[i].rule, p[j].rule))
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size, 0};
    const char *team[FUZZ_LIST_MAX], *recorders[FUZZ_LIST_MAX], *conflicts[FUZZ_LIST_MAX];
    struct elig_range unavailable[FUZZ_LIST_MAX], visits[FUZZ_LIST_MAX];
    struct caldate workshops[FUZZ_LIST_MAX];
    struct accreditation_award awards[FUZZ_LIST_MAX];

    struct elig_review r;
    memset(&r, 0, sizeof r);
    r.id = fuzz_id(&in, 0);
    r.school_id = fuzz_id(&in, 0);
    r.partnership_id = fuzz_id(&in, 1);
    unsigned flags = fuzz_next(&in);
    r.has_dates = flags & 1;
    r.visit = fuzz_range(&in);
    r.has_workshop = (flags >> 1) & 1;
    r.workshop_on = fuzz_day(&in);
    r.today = fuzz_day(&in);
    r.nteam = fuzz_ids_list(&in, team);
    r.team = team;
    r.nrecorders = fuzz_ids_list(&in, recorders);
    r.recorders = recorders;
    r.champion_id = fuzz_id(&in, 1);

    struct elig_person p;
    memset(&p, 0, sizeof p);
    p.id = fuzz_id(&in, 0);
    p.school_id = fuzz_id(&in, 0);
    p.partnership_id = fuzz_id(&in, 1);
    p.nawards = fuzz_next(&in) % (FUZZ_LIST_MAX + 1);
    for (size_t i = 0; i < p.nawards; i++) {
        memset(&awards[i], 0, sizeof awards[i]);
        awards[i].kind = (enum accreditation_kind)(fuzz_next(&in) % 3);
        awards[i].on = fuzz_day(&in);
    }
    accreditation_evaluate(awards, p.nawards, 1 + (int)(fuzz_next(&in) % 120));
    p.awards = awards;
    p.nconflicts = fuzz_ids_list(&in, conflicts);
    p.conflict_schools = conflicts;
    p.nunavailable = fuzz_next(&in) % (FUZZ_LIST_MAX + 1);
    for (size_t i = 0; i < p.nunavailable; i++)
        unavailable[i] = fuzz_range(&in);
    p.unavailable = unavailable;
    p.nother_visits = fuzz_next(&in) % (FUZZ_LIST_MAX + 1);
    for (size_t i = 0; i < p.nother_visits; i++)
        visits[i] = fuzz_range(&in);
    p.other_visits = visits;
    p.nother_workshops = fuzz_next(&in) % (FUZZ_LIST_MAX + 1);
    for (size_t i = 0; i < p.nother_workshops; i++)
        workshops[i] = fuzz_day(&in);
    p.other_workshops = workshops;

    int host = !strcmp(p.school_id, r.school_id);
    int other =
        !r.partnership_id || !p.partnership_id || strcmp(r.partnership_id, p.partnership_id);
    int conflict = fuzz_in_list(r.school_id, conflicts, p.nconflicts);

    static const char *const team_rules[] = {
        "not_accredited", "other_partnership", "host_school", "declared_conflict",
        "unavailable",    "is_champion",       NULL};
    struct elig_problem out[ELIG_MAX_PROBLEMS];
    size_t n = eligibility_team_member(&r, &p, out);
    fuzz_check(out, n, team_rules);
    fuzz_expect(out, n, "host_school", host);
    fuzz_expect(out, n, "other_partnership", other);
    fuzz_expect(out, n, "declared_conflict", conflict);
    fuzz_expect(out, n, "is_champion", r.champion_id && !strcmp(r.champion_id, p.id));

    static const char *const champion_rules[] = {
        "not_accredited",    "other_partnership", "host_school",    "on_team", "recorded_evidence",
        "declared_conflict", "unavailable",       "workshop_clash", NULL};
    n = eligibility_champion(&r, &p, out);
    fuzz_check(out, n, champion_rules);
    fuzz_expect(out, n, "host_school", host);
    fuzz_expect(out, n, "other_partnership", other);
    fuzz_expect(out, n, "declared_conflict", conflict);
    fuzz_expect(out, n, "on_team", fuzz_in_list(p.id, team, r.nteam));
    fuzz_expect(out, n, "recorded_evidence", fuzz_in_list(p.id, recorders, r.nrecorders));
    return 0;
}
