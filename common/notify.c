#include "notify.h"

#include <stddef.h>

const char *const notify_reminder_kinds[] = {
    "review_visit_7d", "review_visit_1d",    "workshop_3d",
    "action_due_7d",   "action_overdue",     "impact_reflection_due",
    "training_2d",     "review_planning_6w", NULL,
};
