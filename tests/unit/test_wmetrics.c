/* The worker's /metrics text (services/worker/wmetrics.c) from its counters: jobs started and
 * finished by outcome, the gauges, and the wait and run histograms. */
#include "buf.h"
#include "unit.h"
#include "wmetrics.h"

START_TEST(wmetrics_render_counters)
{
    struct buf b;
    buf_init(&b);
    wmetrics_render(&b);
    /* Every outcome is listed from the start, at zero. */
    unit_assert_line(b.data, "spp_worker_jobs_started_total 0");
    unit_assert_line(b.data, "spp_worker_jobs_total{outcome=\"succeeded\"} 0");
    unit_assert_line(b.data, "spp_worker_jobs_total{outcome=\"released\"} 0");
    unit_assert_line(b.data, "spp_worker_job_run_seconds_bucket{le=\"+Inf\"} 0");
    buf_cleanup(&b);

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

    buf_init(&b);
    wmetrics_render(&b);
    unit_assert_line(b.data, "# TYPE spp_worker_jobs_started_total counter");
    unit_assert_line(b.data, "spp_worker_jobs_started_total 4");
    unit_assert_line(b.data, "spp_worker_jobs_total{outcome=\"succeeded\"} 2");
    unit_assert_line(b.data, "spp_worker_jobs_total{outcome=\"retried\"} 1");
    unit_assert_line(b.data, "spp_worker_jobs_total{outcome=\"dead\"} 1");
    unit_assert_line(b.data, "spp_worker_jobs_total{outcome=\"fenced\"} 1");
    unit_assert_line(b.data, "spp_worker_jobs_total{outcome=\"released\"} 1");
    unit_assert_line(b.data, "spp_worker_jobs_in_flight 2");
    unit_assert_line(b.data, "spp_jobs_queue_depth 12");
    unit_assert_line(b.data, "spp_jobs_oldest_due_seconds 4.250");
    /* Cumulative buckets: 0 and 0.5 ms within 1 ms, 2 s by 5 s, 400 s only in +Inf. */
    unit_assert_line(b.data, "# TYPE spp_worker_job_wait_seconds histogram");
    unit_assert_line(b.data, "spp_worker_job_wait_seconds_bucket{le=\"0.001\"} 2");
    unit_assert_line(b.data, "spp_worker_job_wait_seconds_bucket{le=\"1\"} 2");
    unit_assert_line(b.data, "spp_worker_job_wait_seconds_bucket{le=\"5\"} 3");
    unit_assert_line(b.data, "spp_worker_job_wait_seconds_bucket{le=\"300\"} 3");
    unit_assert_line(b.data, "spp_worker_job_wait_seconds_bucket{le=\"+Inf\"} 4");
    unit_assert_line(b.data, "spp_worker_job_wait_seconds_sum 402.000500");
    unit_assert_line(b.data, "spp_worker_job_wait_seconds_count 4");
    unit_assert_line(b.data, "spp_worker_job_run_seconds_bucket{le=\"0.01\"} 4");
    unit_assert_line(b.data, "spp_worker_job_run_seconds_bucket{le=\"0.05\"} 5");
    unit_assert_line(b.data, "spp_worker_job_run_seconds_bucket{le=\"0.1\"} 6");
    unit_assert_line(b.data, "spp_worker_job_run_seconds_sum 0.104000");
    unit_assert_line(b.data, "spp_worker_job_run_seconds_count 6");
    buf_cleanup(&b);
}
END_TEST

Suite *wmetrics_suite(void)
{
    return unit_suite("wmetrics", UNIT_TCASE("core", wmetrics_render_counters));
}
