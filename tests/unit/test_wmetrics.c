/* The worker's /metrics text (services/worker/wmetrics.c) from its counters: jobs started and
 * finished by outcome, the gauges, and the wait and run histograms. */
#include "buf.h"
#include "unit.h"
#include "wmetrics.h"

/* Renders the text and asserts that it holds each of lines as a whole line. */
static void assert_rendered(const char *const *lines, size_t nlines)
{
    struct buf b;
    buf_init(&b);
    wmetrics_render(&b);
    for (size_t i = 0; i < nlines; i++)
        unit_assert_line(b.data, lines[i]);
    buf_cleanup(&b);
}

START_TEST(wmetrics_render_counters)
{
    static const char *const at_zero[] = {
        /* Every outcome is listed from the start, at zero. */
        "spp_worker_jobs_started_total 0",
        "spp_worker_jobs_total{outcome=\"succeeded\"} 0",
        "spp_worker_jobs_total{outcome=\"released\"} 0",
        "spp_worker_job_run_seconds_bucket{le=\"+Inf\"} 0",
    };
    assert_rendered(at_zero, sizeof at_zero / sizeof *at_zero);

    wmetrics_started(500);       /* 0.5 ms */
    wmetrics_started(2000000);   /* 2 s */
    wmetrics_started(-5);        /* a clock step: counted as 0 */
    wmetrics_started(400000000); /* beyond the last bucket */
    wmetrics_finished(WM_SUCCEEDED, 30000);
    wmetrics_finished(WM_SUCCEEDED, 70000);
    wmetrics_finished(WM_RETRIED, 1000);
    wmetrics_finished(WM_DEAD, 1000);
    wmetrics_finished(WM_FENCED, 1000);
    wmetrics_finished(WM_RELEASED, 1000);
    wmetrics_inflight(3);
    wmetrics_inflight(-1);
    wmetrics_set_queue(12, 4.25);

    static const char *const counted[] = {
        "# TYPE spp_worker_jobs_started_total counter",
        "spp_worker_jobs_started_total 4",
        "spp_worker_jobs_total{outcome=\"succeeded\"} 2",
        "spp_worker_jobs_total{outcome=\"retried\"} 1",
        "spp_worker_jobs_total{outcome=\"dead\"} 1",
        "spp_worker_jobs_total{outcome=\"fenced\"} 1",
        "spp_worker_jobs_total{outcome=\"released\"} 1",
        "spp_worker_jobs_in_flight 2",
        "spp_jobs_queue_depth 12",
        "spp_jobs_oldest_due_seconds 4.250",
        /* Cumulative buckets: 0 and 0.5 ms within 1 ms, 2 s by 5 s, 400 s only in +Inf. */
        "# TYPE spp_worker_job_wait_seconds histogram",
        "spp_worker_job_wait_seconds_bucket{le=\"0.001\"} 2",
        "spp_worker_job_wait_seconds_bucket{le=\"1\"} 2",
        "spp_worker_job_wait_seconds_bucket{le=\"5\"} 3",
        "spp_worker_job_wait_seconds_bucket{le=\"300\"} 3",
        "spp_worker_job_wait_seconds_bucket{le=\"+Inf\"} 4",
        "spp_worker_job_wait_seconds_sum 402.000500",
        "spp_worker_job_wait_seconds_count 4",
        "spp_worker_job_run_seconds_bucket{le=\"0.01\"} 4",
        "spp_worker_job_run_seconds_bucket{le=\"0.05\"} 5",
        "spp_worker_job_run_seconds_bucket{le=\"0.1\"} 6",
        "spp_worker_job_run_seconds_sum 0.104000",
        "spp_worker_job_run_seconds_count 6",
    };
    assert_rendered(counted, sizeof counted / sizeof *counted);
}
END_TEST

Suite *wmetrics_suite(void)
{
    return unit_suite("wmetrics", UNIT_TCASE("core", wmetrics_render_counters));
}
