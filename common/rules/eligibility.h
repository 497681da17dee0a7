/* Who may sit where (DESIGN §1.2): the rules for team members (lead reviewer likewise) and for
 * the improvement champion, each named so that errors can say which rule failed. Pure: the
 * caller loads the facts about the review and the person. */
#ifndef SPP_ELIGIBILITY_H
#define SPP_ELIGIBILITY_H

#include <stddef.h>

#include "accreditation.h"
#include "caldate.h"

struct elig_range {
    struct caldate from, to; /* inclusive */
};

/* What is known about the review. Ids are UUID strings. */
struct elig_review {
    const char *id;
    const char *school_id;      /* the host school */
    const char *partnership_id; /* may be NULL: then no one is in "the same partnership" */
    int has_dates;              /* review_starts_on and review_ends_on both set */
    struct elig_range visit;
    int has_workshop;
    struct caldate workshop_on;
    struct caldate today;    /* the date used while the review has no dates */
    const char *const *team; /* person ids on the review's team */
    size_t nteam;
    const char *const *recorders; /* person ids who recorded any of its evidence */
    size_t nrecorders;
    const char *champion_id; /* the review's improvement champion, or NULL */
};

/* What is known about the candidate. */
struct elig_person {
    const char *id;
    const char *school_id;
    const char *partnership_id; /* of the person's school; NULL when it has none */
    /* The person's awards in the role being checked, already evaluated
     * (accreditation_evaluate). */
    const struct accreditation_award *awards;
    size_t nawards;
    const char *const *conflict_schools; /* schools with a declared conflict */
    size_t nconflicts;
    const struct elig_range *unavailable; /* declared unavailability */
    size_t nunavailable;
    const struct elig_range *other_visits; /* visits of OTHER reviews whose team they sit on */
    size_t nother_visits;
    const struct caldate *other_workshops; /* workshops of OTHER reviews they facilitate */
    size_t nother_workshops;
};

struct elig_problem {
    const char *rule; /* not_accredited, host_school, other_partnership, declared_conflict,
                         unavailable, is_champion, on_team, recorded_evidence, workshop_clash */
    const char *message;
};

/* The room out must have: one problem per rule, and the champion has eight rules. */
#define ELIG_MAX_PROBLEMS 8

/* Every rule a team member (or lead reviewer) breaks, one problem per rule in the order below
 * (the rule ids above; messages are static strings): accredited peer_reviewer on the review's
 * start date (today while there are no dates); at a school of the same partnership; not at the
 * host school; no declared conflict with the host school; not unavailable during the visit
 * (declared unavailability overlapping it, another review's visit overlapping it, or a workshop
 * to facilitate within it; only checked once the dates are set). Returns the number written. */
size_t eligibility_team_member(const struct elig_review *review, const struct elig_person *p,
                               struct elig_problem *out);

/* Every rule an improvement champion breaks, one problem per rule in the order below: accredited
 * improvement_champion on the workshop date (today while none is set); at a school of the same
 * partnership; not at the host school; not on the review's team; not the recorder of any of its
 * evidence; no declared conflict with the host school; not unavailable on the workshop date
 * (declared, or on a visit that day); not already holding a workshop that date. Returns the number
 * written. */
size_t eligibility_champion(const struct elig_review *review, const struct elig_person *p,
                            struct elig_problem *out);

#endif
