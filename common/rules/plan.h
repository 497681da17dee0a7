/* The annual review plan (DESIGN §1.3): for every school of a partnership, one visit window of
 * visit_days consecutive weekdays in [year_starts_on, year_starts_on + 1 year) and a team of
 * team_size peer reviewers from other partner schools, every §1.2 rule kept on those dates,
 * exactly one lead reviewer per team, at most one reviewer from any one school on a team, no
 * reviewer on two overlapping visits, and the load spread as evenly as possible. Pure: the caller
 * loads the facts (schools, reviewers and what makes them ineligible or busy) and writes the plan;
 * no I/O, no clock. The model is explained at the top of plan.c. */
#ifndef SPP_PLAN_H
#define SPP_PLAN_H

#include <stddef.h>

#include "caldate.h"

#define PLAN_MAX_TEAM 4

/* Status codes of plan_solve. */
#define PLAN_OK        0
#define PLAN_ERR_INPUT -1

struct plan_range {
    struct caldate from, to; /* inclusive */
};

/* A peer reviewer of the partnership. Indices refer to plan_input.schools. Borrowed: the
 * arrays must outlive the plan_solve call (the result keeps indices, not pointers). */
struct plan_reviewer {
    const char *id;
    size_t school; /* the school the reviewer works at */
    /* Days on which the person is an accredited peer_reviewer (accreditation_evaluate:
     * from the award date to valid_until); a visit must lie wholly inside one range. */
    const struct plan_range *accredited;
    size_t naccredited;
    const size_t *conflicts; /* schools with a declared conflict */
    size_t nconflicts;
    /* Declared unavailability, visits of existing reviews whose team they sit on and workshop
     * dates they facilitate: a visit must not overlap any of them. */
    const struct plan_range *busy;
    size_t nbusy;
    /* Visits already on the reviewer's calendar in the plan's year (existing reviews): they
     * count in the spread, so the k-th visit of the year costs k whichever plan made it. */
    int prior_visits;
};

struct plan_input {
    const char *const *school_ids; /* the partnership's schools */
    size_t nschools;
    const struct plan_reviewer *reviewers;
    size_t nreviewers;
    struct caldate year_starts_on;
    int team_size;  /* 3 or 4 */
    int visit_days; /* 1 to 5 */
};

struct plan_member {
    size_t reviewer; /* index into plan_input.reviewers */
    int lead;        /* 1 for the one lead_reviewer of the team */
    char reason[320];
};

struct plan_proposal {
    size_t school;
    struct caldate starts_on, ends_on;
    size_t nmembers; /* team_size */
    struct plan_member members[PLAN_MAX_TEAM];
};

struct plan_blocked {
    size_t school;
    const char *rule; /* too_few_partner_schools or too_few_eligible_reviewers (static) */
    char message[192];
};

/* What plan_solve writes. Owned by the caller; plan_result_cleanup frees it. */
struct plan_result {
    struct plan_proposal *proposals; /* in visit order */
    size_t nproposals;
    struct plan_blocked *blocked; /* in school order */
    size_t nblocked;
    int *loads; /* visits in this plan, per reviewer (prior_visits not included) */
    /* The objective the teams minimise: the sum over reviewers of (prior + 1) + ... +
     * (prior + load), the cost of each visit being its rank in the reviewer's year. */
    long cost;
};

/* Plans every school of in: proposals for the schools it can staff, blocked entries (one per
 * school, with its rule) for the others. Returns PLAN_OK, or PLAN_ERR_INPUT with a message in err
 * when team_size, visit_days or a school index is out of range (out is then empty). */
int plan_solve(const struct plan_input *in, struct plan_result *out, char *err, size_t errlen);
void plan_result_cleanup(struct plan_result *r);

/* The number of visit windows the year offers (pairwise disjoint weeks' slices of visit_days
 * weekdays); more schools than this must share windows, and then teams must not share members. */
size_t plan_window_count(struct caldate year_starts_on, int visit_days);

/* A date's weekday (0 = Monday). Day numbers are caldate_to_days. */
int plan_weekday(struct caldate c);

#endif
