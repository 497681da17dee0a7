#include "workflow.h"

#include <string.h>

const char *const workflow_status_names[] = {
    "planning",     "scheduled",  "in_review", "feedback",  "workshop",
    "implementing", "reflecting", "completed", "cancelled", NULL,
};

/* The edges of DESIGN §1.1, one row each: the path forward one step at a time, the
 * reschedule back from scheduled to planning, and cancelling from every status that is not
 * terminal. Anything not listed here is WORKFLOW_INVALID. */
static const struct {
    enum review_status from, to;
} workflow_edges[] = {
    {REVIEW_PLANNING, REVIEW_SCHEDULED},      {REVIEW_SCHEDULED, REVIEW_PLANNING}, /* reschedule */
    {REVIEW_SCHEDULED, REVIEW_IN_REVIEW},     {REVIEW_IN_REVIEW, REVIEW_FEEDBACK},
    {REVIEW_FEEDBACK, REVIEW_WORKSHOP},       {REVIEW_WORKSHOP, REVIEW_IMPLEMENTING},
    {REVIEW_IMPLEMENTING, REVIEW_REFLECTING}, {REVIEW_REFLECTING, REVIEW_COMPLETED},
    {REVIEW_PLANNING, REVIEW_CANCELLED},      {REVIEW_SCHEDULED, REVIEW_CANCELLED},
    {REVIEW_IN_REVIEW, REVIEW_CANCELLED},     {REVIEW_FEEDBACK, REVIEW_CANCELLED},
    {REVIEW_WORKSHOP, REVIEW_CANCELLED},      {REVIEW_IMPLEMENTING, REVIEW_CANCELLED},
    {REVIEW_REFLECTING, REVIEW_CANCELLED},
};

/* The guard predicates: each returns 1 when its condition is NOT met. */
static int unmet_focus(const struct review_facts *f)
{
    return !f->has_focus;
}
static int unmet_self_review(const struct review_facts *f)
{
    return !f->has_self_review;
}
static int unmet_dates(const struct review_facts *f)
{
    return !f->has_start || !f->has_end;
}
/* The order of the dates only means something once both are set; a missing one is
 * dates_missing alone. */
static int unmet_date_order(const struct review_facts *f)
{
    return f->has_start && f->has_end && f->dates_reversed;
}
static int unmet_team_size(const struct review_facts *f)
{
    return f->team_size < 2;
}
static int unmet_lead_reviewer(const struct review_facts *f)
{
    return f->lead_reviewers != 1;
}
static int unmet_team_eligible(const struct review_facts *f)
{
    return f->team_not_eligible != 0;
}
static int unmet_evidence(const struct review_facts *f)
{
    return f->evidence_count < 1;
}
static int unmet_findings(const struct review_facts *f)
{
    return f->finding_count < 1;
}
static int unmet_champion(const struct review_facts *f)
{
    return !f->has_champion;
}
static int unmet_workshop_date(const struct review_facts *f)
{
    return !f->has_workshop_on;
}
static int unmet_actions(const struct review_facts *f)
{
    return f->action_count < 1;
}
static int unmet_actions_complete(const struct review_facts *f)
{
    return f->actions_incomplete != 0;
}
static int unmet_implementation_due(const struct review_facts *f)
{
    return !f->has_implementation_due;
}
static int unmet_impact_summary(const struct review_facts *f)
{
    return !f->has_impact_summary;
}
static int unmet_lessons_learned(const struct review_facts *f)
{
    return !f->has_lessons_learned;
}
static int unmet_reason(const struct review_facts *f)
{
    return !f->has_reason;
}

/* The guards of DESIGN §1.1, grouped by the status they lead into, in the order they are
 * reported. A target with no rows (in_review, reflecting, and planning on a reschedule) has
 * no guard. */
static const struct {
    enum review_status into;
    const char *rule;
    const char *message;
    int (*unmet)(const struct review_facts *);
} workflow_guards[] = {
    {REVIEW_SCHEDULED, "focus_missing", "The review needs a focus before it is scheduled.",
     unmet_focus},
    {REVIEW_SCHEDULED, "self_review_missing",
     "The host school's self-review summary is needed before the review is scheduled.",
     unmet_self_review},
    {REVIEW_SCHEDULED, "dates_missing", "The review needs a start date and an end date.",
     unmet_dates},
    {REVIEW_SCHEDULED, "dates_reversed", "The review cannot end before it starts.",
     unmet_date_order},
    {REVIEW_SCHEDULED, "team_too_small", "The review team needs at least two reviewers.",
     unmet_team_size},
    {REVIEW_SCHEDULED, "lead_reviewer_count", "The review team needs exactly one lead reviewer.",
     unmet_lead_reviewer},
    {REVIEW_SCHEDULED, "team_not_eligible",
     "Someone on the review team is no longer eligible to sit on it.", unmet_team_eligible},
    {REVIEW_FEEDBACK, "evidence_missing", "Record at least one piece of evidence first.",
     unmet_evidence},
    {REVIEW_FEEDBACK, "findings_missing", "Record at least one finding first.", unmet_findings},
    {REVIEW_WORKSHOP, "champion_missing", "The review needs an improvement champion.",
     unmet_champion},
    {REVIEW_WORKSHOP, "workshop_date_missing", "The workshop needs a date.", unmet_workshop_date},
    {REVIEW_IMPLEMENTING, "actions_missing", "The action plan needs at least one action.",
     unmet_actions},
    {REVIEW_IMPLEMENTING, "action_incomplete", "Every action needs an owner and a due date.",
     unmet_actions_complete},
    {REVIEW_IMPLEMENTING, "implementation_due_missing",
     "The review needs a date by which the action plan is implemented.", unmet_implementation_due},
    {REVIEW_COMPLETED, "impact_summary_missing", "Summarise the impact before completing.",
     unmet_impact_summary},
    {REVIEW_COMPLETED, "lessons_learned_missing", "Record the lessons learned before completing.",
     unmet_lessons_learned},
    {REVIEW_CANCELLED, "reason_missing", "Give a reason for cancelling the review.", unmet_reason},
};

#define WORKFLOW_COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum review_status workflow_status_parse(const char *s)
{
    for (int i = 0; s && workflow_status_names[i]; i++)
        if (!strcmp(s, workflow_status_names[i]))
            return (enum review_status)i;
    return REVIEW_STATUS_COUNT;
}

int workflow_is_edge(enum review_status from, enum review_status to)
{
    for (size_t i = 0; i < WORKFLOW_COUNT(workflow_edges); i++)
        if (workflow_edges[i].from == from && workflow_edges[i].to == to)
            return 1;
    return 0;
}

enum workflow_verdict workflow_check(enum review_status from, enum review_status to,
                                     const struct review_facts *facts,
                                     struct workflow_problem *problems, size_t *nproblems)
{
    size_t n = 0;
    *nproblems = 0;
    if (!workflow_is_edge(from, to))
        return WORKFLOW_INVALID;
    for (size_t i = 0; i < WORKFLOW_COUNT(workflow_guards) && n < WORKFLOW_MAX_PROBLEMS; i++) {
        if (workflow_guards[i].into != to || !workflow_guards[i].unmet(facts))
            continue;
        problems[n].rule = workflow_guards[i].rule;
        problems[n].message = workflow_guards[i].message;
        n++;
    }
    *nproblems = n;
    return n ? WORKFLOW_GUARDED : WORKFLOW_OK;
}

/* Terminal means no edge leaves the status, so this follows the edge table. */
int workflow_is_terminal(enum review_status s)
{
    if ((unsigned)s >= REVIEW_STATUS_COUNT)
        return 0;
    for (size_t i = 0; i < WORKFLOW_COUNT(workflow_edges); i++)
        if (workflow_edges[i].from == s)
            return 0;
    return 1;
}
