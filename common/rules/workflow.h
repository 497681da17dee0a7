/* The review workflow (DESIGN §1.1) as a table: which moves are edges, and the guard of each
 * target status. Pure: the caller loads the facts, this decides. */
#ifndef SPP_WORKFLOW_H
#define SPP_WORKFLOW_H

#include <stddef.h>

enum review_status {
    REVIEW_PLANNING,
    REVIEW_SCHEDULED,
    REVIEW_IN_REVIEW,
    REVIEW_FEEDBACK,
    REVIEW_WORKSHOP,
    REVIEW_IMPLEMENTING,
    REVIEW_REFLECTING,
    REVIEW_COMPLETED,
    REVIEW_CANCELLED,
    REVIEW_STATUS_COUNT,
};

extern const char *const workflow_status_names[]; /* NULL-terminated, in enum order */

/* Returns the status named s, or REVIEW_STATUS_COUNT. */
enum review_status workflow_status_parse(const char *s);

/* What the guards look at, loaded by the caller in the transaction that holds the review. */
struct review_facts {
    int has_focus;
    int has_self_review;
    int has_start, has_end;
    int dates_reversed; /* review_starts_on > review_ends_on; read only when both set */
    int team_size;
    int lead_reviewers;    /* members with role lead_reviewer */
    int team_not_eligible; /* members for whom eligibility_team_member reports a problem */
    int evidence_count;
    int finding_count;
    int has_champion;
    int has_workshop_on;
    int action_count;
    int actions_incomplete; /* actions without owner or due_on */
    int has_implementation_due;
    int has_impact_summary;
    int has_lessons_learned;
    int has_reason; /* a non-blank reason came with the transition */
};

struct workflow_problem {
    const char *rule;    /* stable id, e.g. "dates_missing" */
    const char *message; /* a sentence for people */
};

enum workflow_verdict {
    WORKFLOW_OK,
    WORKFLOW_INVALID, /* not an edge: 409 invalid_transition */
    WORKFLOW_GUARDED, /* an edge whose guard fails: 422 guard_failed, problems listed */
};

#define WORKFLOW_MAX_PROBLEMS 16

/* 1 when from -> to is an edge of the workflow: one step forward, scheduled back to planning
 * (reschedule), and any status but completed and cancelled to cancelled. */
int workflow_is_edge(enum review_status from, enum review_status to);

/* Decides from -> to: WORKFLOW_INVALID when it is no edge (an unknown status included), with
 * *nproblems set to 0; else every unmet guard of to is written to problems (at most
 * WORKFLOW_MAX_PROBLEMS, in the order listed below) with *nproblems set, and WORKFLOW_GUARDED
 * returned when there is any. dates_missing and dates_reversed never come together. The
 * messages are static strings. The rule ids are those of DESIGN §1.1 and:
 * focus_missing, self_review_missing, dates_missing, dates_reversed, team_too_small,
 * lead_reviewer_count, team_not_eligible (scheduled); evidence_missing, findings_missing
 * (feedback); champion_missing, workshop_date_missing (workshop); actions_missing,
 * action_incomplete, implementation_due_missing (implementing); impact_summary_missing,
 * lessons_learned_missing (completed); reason_missing (cancelled). */
enum workflow_verdict workflow_check(enum review_status from, enum review_status to,
                                     const struct review_facts *facts,
                                     struct workflow_problem *problems, size_t *nproblems);

/* 1 for completed and cancelled: nothing moves out of them. */
int workflow_is_terminal(enum review_status s);

#endif
