#include "jobs.h"

#include <stdio.h>
#include "unit.h"

START_TEST(backoff_doubles_with_equal_jitter)
{
    /* attempt 1: base 2 -> between 1 and 2; attempt 3: 8 -> between 4 and 8. */
    ck_assert_int_eq(jobs_backoff_s(1, 2, 0), 1);
    ck_assert_int_eq(jobs_backoff_s(1, 2, 1), 2);
    ck_assert_int_eq(jobs_backoff_s(3, 2, 0), 4);
    ck_assert_int_eq(jobs_backoff_s(3, 2, 4), 8);
    ck_assert_int_eq(jobs_backoff_s(3, 2, 5), 4); /* rnd wraps inside the jitter range */
    for (uint32_t rnd = 0; rnd < 1000; rnd += 37) {
        int d = jobs_backoff_s(4, 2, rnd);
        ck_assert(d >= 8 && d <= 16);
    }
}
END_TEST

START_TEST(backoff_capped_at_an_hour)
{
    ck_assert_int_le(jobs_backoff_s(30, 2, 0xFFFFFFFFu), JOBS_BACKOFF_CAP_S);
    ck_assert_int_ge(jobs_backoff_s(30, 2, 0), JOBS_BACKOFF_CAP_S / 2);
    ck_assert_int_le(jobs_backoff_s(1000, 3600, 12345), JOBS_BACKOFF_CAP_S);
    ck_assert_int_eq(jobs_backoff_s(0, 2, 0), 1); /* a nonsense attempt counts as the first */
}
END_TEST

START_TEST(slots_are_aligned)
{
    ck_assert_int_eq(jobs_slot_start(1000, 300), 900);
    ck_assert_int_eq(jobs_slot_start(900, 300), 900);
    ck_assert_int_eq(jobs_slot_start(1199, 300), 900);
    ck_assert_int_eq(jobs_slot_start(1200, 300), 1200);
    ck_assert_int_eq(jobs_slot_start(-1, 300), -300);
}
END_TEST

START_TEST(uuid_text_form_only)
{
    ck_assert(jobs_uuid_valid("5eed0004-81c6-4564-8bde-000000000004"));
    ck_assert(jobs_uuid_valid("5EED0004-81C6-4564-8BDE-00000000000F"));
    ck_assert(!jobs_uuid_valid(""));
    ck_assert(!jobs_uuid_valid("5eed0004-81c6-4564-8bde-00000000000"));   /* short */
    ck_assert(!jobs_uuid_valid("5eed0004-81c6-4564-8bde-0000000000040")); /* long */
    ck_assert(!jobs_uuid_valid("5eed0004x81c6-4564-8bde-000000000004"));  /* no dash */
    ck_assert(!jobs_uuid_valid("5eed0004-81c6-4564-8bde-00000000000g"));  /* not hex */
    ck_assert(!jobs_uuid_valid("5eed0004-81c6-4564-8bde-00000000,004"));  /* an array's comma */
    ck_assert(!jobs_uuid_valid("{5eed0004-81c6-4564-8bde-000000000004}"));
}
END_TEST

START_TEST(batch_count_fits_the_flush_interval)
{
    /* 50 ms: quick jobs by the hundred (capped by the batch), slow ones one at a time. */
    ck_assert_int_eq(jobs_batch_count(5, 100, 50), 100);
    ck_assert_int_eq(jobs_batch_count(0, 100, 50), 100);
    ck_assert_int_eq(jobs_batch_count(1000, 100, 50), 50);
    ck_assert_int_eq(jobs_batch_count(50000, 100, 50), 1);
    ck_assert_int_eq(jobs_batch_count(3000000, 100, 50), 1);
    ck_assert_int_eq(jobs_batch_count(5, 1, 50), 1);
    ck_assert_int_eq(jobs_batch_count(5, 0, 50), 1);
}
END_TEST

START_TEST(job_time_rises_at_once_and_falls_by_eighths)
{
    ck_assert_int_eq(jobs_avg_us(100, 8000), 8000); /* a slow batch counts at once */
    ck_assert_int_eq(jobs_avg_us(8000, 0), 1000);
    ck_assert_int_eq(jobs_avg_us(8000, 4000), 4000);
    ck_assert_int_eq(jobs_avg_us(800, -5), 100); /* a clock step back counts as 0 */
    /* From a runner's start (one entry at a time) to full batches within four reads. */
    int64_t avg = 50000;
    int sizes[8], reads = 0;
    while (reads < 8 && (sizes[reads] = jobs_batch_count(avg, 100, 50)) < 100) {
        avg = jobs_avg_us(avg, 10);
        reads++;
    }
    ck_assert_int_eq(reads, 3);
    ck_assert_int_eq(sizes[0], 1);
    ck_assert_int_eq(sizes[1], 8);
    ck_assert_int_eq(sizes[2], 64);
}
END_TEST

/* The outbox keeps what an enqueue handed back, in order, with its stream; uuid[] literals from
 * set-based SQL give their ids and skip NULLs; anything else is refused whole. */
START_TEST(outbox_collects_ids_and_arrays)
{
    struct jobs_outbox o = {0};
    const char *a = "3f1c2a8e-0d4b-4f7a-9c61-2b5e8d9a0f11";
    const char *b = "7a0e5c3d-1b2f-4e6a-8d9c-0f1e2d3c4b5a";
    jobs_outbox_add(&o, a, JOBS_STREAM);
    jobs_outbox_add(&o, NULL, JOBS_STREAM);
    jobs_outbox_add(&o, "", JOBS_STREAM);
    ck_assert_uint_eq(o.n, 1);
    char arr[128];
    snprintf(arr, sizeof arr, "{%s,NULL,%s}", b, a);
    ck_assert_int_eq(jobs_outbox_add_array(&o, arr, JOBS_WEBHOOK_STREAM), 2);
    ck_assert_int_eq(jobs_outbox_add_array(&o, "{}", JOBS_STREAM), 0);
    ck_assert_int_eq(jobs_outbox_add_array(&o, "{NULL}", JOBS_STREAM), 0);
    ck_assert_uint_eq(o.n, 3);
    ck_assert_str_eq(o.v[0].id, a);
    ck_assert_ptr_eq(o.v[0].stream, JOBS_STREAM);
    ck_assert_str_eq(o.v[1].id, b);
    ck_assert_ptr_eq(o.v[1].stream, JOBS_WEBHOOK_STREAM);
    ck_assert_str_eq(o.v[2].id, a);
    /* Not a uuid[] literal: nothing is added. */
    ck_assert_int_eq(jobs_outbox_add_array(&o, "", JOBS_STREAM), -1);
    ck_assert_int_eq(jobs_outbox_add_array(&o, "{abc}", JOBS_STREAM), -1);
    snprintf(arr, sizeof arr, "{%s,abc}", a);
    ck_assert_int_eq(jobs_outbox_add_array(&o, arr, JOBS_STREAM), -1);
    ck_assert_int_eq(jobs_outbox_add_array(&o, "[1,2]", JOBS_STREAM), -1);
    ck_assert_uint_eq(o.n, 3);
    /* Growing past its first allocation keeps every id. */
    for (int i = 0; i < 40; i++)
        jobs_outbox_add(&o, b, JOBS_STREAM);
    ck_assert_uint_eq(o.n, 43);
    ck_assert_str_eq(o.v[42].id, b);
    ck_assert_str_eq(o.v[0].id, a);
    jobs_outbox_clear(&o);
    ck_assert_uint_eq(o.n, 0);
    jobs_outbox_free(&o);
    ck_assert_ptr_null(o.v);
}
END_TEST

Suite *jobs_suite(void)
{
    Suite *s = suite_create("jobs");
    TCase *tc = tcase_create("jobs");
    tcase_add_test(tc, backoff_doubles_with_equal_jitter);
    tcase_add_test(tc, backoff_capped_at_an_hour);
    tcase_add_test(tc, slots_are_aligned);
    tcase_add_test(tc, uuid_text_form_only);
    tcase_add_test(tc, batch_count_fits_the_flush_interval);
    tcase_add_test(tc, job_time_rises_at_once_and_falls_by_eighths);
    tcase_add_test(tc, outbox_collects_ids_and_arrays);
    suite_add_tcase(s, tc);
    return s;
}
