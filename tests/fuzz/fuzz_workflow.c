/* The review workflow (common/rules/workflow.c): a move and the facts its guards read, decoded from
 * the input, through workflow_check; and the input as a status name through
 * workflow_status_parse.
 *
 * Input: byte 0 the from status, byte 1 the to status (both modulo REVIEW_STATUS_COUNT + 2, so
 * that unknown statuses come too), then one byte per fact of struct review_facts in its order
 * (counts as signed bytes, flags as bytes, as a careless loader could pass them).
 *
 * Beyond crashes and sanitizer reports it aborts when the verdict disagrees with
 * workflow_is_edge or with the problems written, when more than WORKFLOW_MAX_PROBLEMS come,
 * when a problem lacks its rule or message or repeats a rule, when dates_missing and
 * dates_reversed come together, when a terminal status has a way out, or when a status name
 * does not parse back to its status. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workflow.h"

static int fuzz_byte(const uint8_t *data, size_t size, size_t *at)
{
    return *at < size ? (int8_t)data[(*at)++] : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at = 0;
    enum review_status from =
        (enum review_status)((uint8_t)fuzz_byte(data, size, &at) % (REVIEW_STATUS_COUNT + 2));
    enum review_status to =
        (enum review_status)((uint8_t)fuzz_byte(data, size, &at) % (REVIEW_STATUS_COUNT + 2));
    struct review_facts f;
    int *fields[] = {&f.has_focus,
                     &f.has_self_review,
                     &f.has_start,
                     &f.has_end,
                     &f.dates_reversed,
                     &f.team_size,
                     &f.lead_reviewers,
                     &f.team_not_eligible,
                     &f.evidence_count,
                     &f.finding_count,
                     &f.has_champion,
                     &f.has_workshop_on,
                     &f.action_count,
                     &f.actions_incomplete,
                     &f.has_implementation_due,
                     &f.has_impact_summary,
                     &f.has_lessons_learned,
                     &f.has_reason};
    _Static_assert(sizeof fields / sizeof *fields * sizeof(int) == sizeof f,
                   "every fact of struct review_facts is decoded");
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        *fields[i] = fuzz_byte(data, size, &at);

    struct workflow_problem problems[WORKFLOW_MAX_PROBLEMS];
    size_t n = 12345;
    enum workflow_verdict v = workflow_check(from, to, &f, problems, &n);
    int edge = workflow_is_edge(from, to);
    if (n > WORKFLOW_MAX_PROBLEMS)
        abort();
    if ((v == WORKFLOW_INVALID) != !edge || (v == WORKFLOW_INVALID && n != 0))
        abort();
    if ((v == WORKFLOW_OK && n != 0) || (v == WORKFLOW_GUARDED && n == 0))
        abort();
    int missing = 0, reversed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!problems[i].rule || !problems[i].message || !problems[i].rule[0])
            abort();
        for (size_t j = 0; j < i; j++)
            if (!strcmp(problems[i].rule, problems[j].rule))
                abort();
        missing |= !strcmp(problems[i].rule, "dates_missing");
        reversed |= !strcmp(problems[i].rule, "dates_reversed");
    }
    if (missing && reversed)
        abort();
    if (from < REVIEW_STATUS_COUNT && workflow_is_terminal(from) && edge)
        abort();

    /* Status names: the table parses back to itself; anything else parses to nothing. */
    if ((size_t)from < REVIEW_STATUS_COUNT &&
        workflow_status_parse(workflow_status_names[from]) != from)
        abort();
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    enum review_status s = workflow_status_parse(text);
    if (s != REVIEW_STATUS_COUNT && strcmp(workflow_status_names[s], text) != 0)
        abort();
    free(text);
    return 0;
}
