-- One door into the jobs table again (issue 11): 0014 added spp_enqueue_many and
-- spp_notify_many beside spp_enqueue and spp_notify (0013), each with its own INSERT and its own
-- copy of the rules. The one-job functions are now the one-element case of the many-job ones,
-- so that the INSERT INTO jobs and the notification rules (blank recipient, per-kind opt-out,
-- once per subject and date) are written once. The price, measured by p10-worker, is an unnest
-- plan instead of a VALUES insert for a single job: tens of microseconds of PostgreSQL time on
-- an API write that announces an event (bench/RESULTS.md).

CREATE OR REPLACE FUNCTION spp_enqueue(p_kind text, p_payload jsonb, p_dedupe_key text DEFAULT NULL,
                                       p_delay_s integer DEFAULT 0,
                                       p_max_attempts integer DEFAULT NULL,
                                       p_requested_by text DEFAULT NULL,
                                       p_pending_key text DEFAULT NULL,
                                       p_run_at timestamptz DEFAULT NULL)
    RETURNS uuid LANGUAGE sql AS $$
    SELECT spp_enqueue_many(p_kind, ARRAY[COALESCE(p_payload, '{}')], ARRAY[p_dedupe_key],
                            p_delay_s, p_max_attempts, p_requested_by, ARRAY[p_pending_key],
                            p_run_at)
    LIMIT 1
$$;

CREATE OR REPLACE FUNCTION spp_notify(p_kind text, p_subject uuid, p_person uuid,
                                      p_recipient text, p_due date, p_review uuid,
                                      p_data jsonb) RETURNS uuid
    LANGUAGE sql AS $$
    SELECT (spp_notify_many(p_kind, p_subject, ARRAY[p_person], ARRAY[p_recipient], p_due,
                            p_review, p_data))[1]
$$;
