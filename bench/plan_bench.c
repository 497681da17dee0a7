/* The review-plan solver on a large partnership (issue 13): 60 schools and 300 reviewers with
 * random accreditation, conflicts and unavailability, solved for team sizes 3 and 4 and every
 * visit length; prints the time of each solve. A benchmark, not a timed test:
 *   build/test/spp-plan-bench [schools] [reviewers] [seed] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "plan.h"
#include "xalloc.h"

static unsigned long state = 42;
static unsigned rnd(unsigned n)
{
    state = state * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)((state >> 33) % n);
}

int main(int argc, char **argv)
{
    size_t ns = argc > 1 ? strtoul(argv[1], NULL, 10) : 60;
    size_t nr = argc > 2 ? strtoul(argv[2], NULL, 10) : 300;
    state = argc > 3 ? strtoul(argv[3], NULL, 10) : 42;
    if (ns == 0)
        return 1;
    struct caldate start;
    caldate_parse("2027-09-01", &start);
    const char **ids = xcalloc(ns, sizeof *ids);
    for (size_t s = 0; s < ns; s++)
        ids[s] = xasprintf("school-%zu", s);
    struct plan_reviewer *rv = xcalloc(nr, sizeof *rv);
    struct plan_range *acc = xcalloc(nr, sizeof *acc);
    struct plan_range *busy = xcalloc(nr * 3, sizeof *busy);
    size_t *conf = xcalloc(nr * 3, sizeof *conf);
    for (size_t r = 0; r < nr; r++) {
        rv[r].id = xasprintf("person-%zu", r);
        rv[r].school = r % ns;
        caldate_parse("2025-06-01", &acc[r].from);
        acc[r].to =
            rnd(8) == 0 ? caldate_add_days(start, (int)rnd(365)) : caldate_add_months(start, 18);
        rv[r].accredited = &acc[r];
        rv[r].naccredited = 1;
        rv[r].conflicts = &conf[r * 3];
        rv[r].nconflicts = rnd(4);
        for (size_t i = 0; i < rv[r].nconflicts; i++)
            conf[r * 3 + i] = rnd((unsigned)ns);
        rv[r].busy = &busy[r * 3];
        rv[r].nbusy = rnd(4);
        for (size_t i = 0; i < rv[r].nbusy; i++) {
            busy[r * 3 + i].from = caldate_add_days(start, (int)rnd(365));
            busy[r * 3 + i].to = caldate_add_days(busy[r * 3 + i].from, (int)rnd(30));
        }
    }
    printf("%zu schools, %zu reviewers\n", ns, nr);
    double worst = 0;
    for (int ts = 3; ts <= 4; ts++)
        for (int vd = 1; vd <= 5; vd++) {
            struct plan_input in = {ids, ns, rv, nr, start, ts, vd};
            struct plan_result res;
            char err[128];
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            if (plan_solve(&in, &res, err, sizeof err) != PLAN_OK) {
                fprintf(stderr, "plan_solve: %s\n", err);
                return 1;
            }
            clock_gettime(CLOCK_MONOTONIC, &b);
            double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
            worst = ms > worst ? ms : worst;
            int lo = 1 << 30, hi = 0;
            for (size_t r = 0; r < nr; r++)
                if (res.loads[r] > 0) {
                    lo = res.loads[r] < lo ? res.loads[r] : lo;
                    hi = res.loads[r] > hi ? res.loads[r] : hi;
                }
            printf("team_size %d visit_days %d: %zu planned, %zu blocked, loads %d-%d of those "
                   "visiting, cost %ld, %.1f ms\n",
                   ts, vd, res.nproposals, res.nblocked, res.nproposals ? lo : 0, hi, res.cost, ms);
            plan_result_cleanup(&res);
        }
    printf("slowest solve: %.1f ms\n", worst);
    for (size_t r = 0; r < nr; r++)
        free((char *)rv[r].id);
    for (size_t s = 0; s < ns; s++)
        free((char *)ids[s]);
    free(conf);
    free(busy);
    free(acc);
    free(rv);
    free(ids);
    return 0;
}
