-- One door into the job ledger (DESIGN §4.1). Every job is inserted by spp_enqueue, from C
-- (common/jobs.c: jobs_enqueue) and from SQL alike, so that keys, defaults and the publishing
-- rule are decided in one place. The caller publishes the id it is given after its transaction
-- commits (struct jobs_outbox): published_at is the insert's instant, so the sweeper leaves a job
-- that is due at once to that publish (and publishes it again only if it went missing), and
-- publishes a delayed one when it falls due.

-- Inserts a job; returns its id, or NULL when its dedupe_key (ever) or its pending_key (while a
-- job holding it has not started) is taken. It is due after p_delay_s, or at p_run_at when given
-- (a schedule slot's instant). max_attempts NULL: the ledger's default (8, which is
-- JOBS_DEFAULT_MAX_ATTEMPTS).
CREATE FUNCTION spp_enqueue(p_kind text, p_payload jsonb, p_dedupe_key text DEFAULT NULL,
                            p_delay_s integer DEFAULT 0, p_max_attempts integer DEFAULT NULL,
                            p_requested_by text DEFAULT NULL, p_pending_key text DEFAULT NULL,
                            p_run_at timestamptz DEFAULT NULL)
    RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
    t_now timestamptz := clock_timestamp();
    j_id uuid;
BEGIN
    INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts, requested_by,
                      published_at, pending_key)
    VALUES (p_kind, COALESCE(p_payload, '{}'), p_dedupe_key,
            COALESCE(p_run_at,
                     t_now + make_interval(secs => GREATEST(COALESCE(p_delay_s, 0), 0))),
            COALESCE(p_max_attempts, 8), p_requested_by, t_now, p_pending_key)
    ON CONFLICT DO NOTHING
    RETURNING id INTO j_id;
    RETURN j_id;
END
$$;

-- Records nothing itself: announces an event (the webhook event {id, type, created_at, data})
-- as the webhook.deliver job that fans it out to the subscriptions, under the key
-- "event:<id>", so that an event is announced once. p_id and p_at name an event stored
-- elsewhere (a review event); NULL for a fresh one. Returns the job's id, or NULL when this event
-- was announced already.
CREATE FUNCTION spp_announce(p_type text, p_data jsonb, p_id uuid DEFAULT NULL,
                             p_at timestamptz DEFAULT NULL) RETURNS uuid
    LANGUAGE plpgsql AS $$
DECLARE
    e_id uuid := COALESCE(p_id, gen_random_uuid());
BEGIN
    RETURN spp_enqueue('webhook.deliver',
                       jsonb_build_object('event', jsonb_build_object(
                           'id', e_id, 'type', p_type,
                           'created_at', spp_ts(COALESCE(p_at, clock_timestamp())),
                           'data', p_data)),
                       'event:' || e_id);
END
$$;

-- Records a review event and announces it, with the review as it is now for data ("transition"
-- is announced as review.transitioned, every other kind under its own name). The webhook event
-- shares the review event's id, so receivers can drop duplicates. Returns the job's id.
CREATE FUNCTION spp_review_event(p_review uuid, p_kind text, p_from text, p_to text,
                                 p_actor text, p_reason text) RETURNS uuid
    LANGUAGE plpgsql AS $$
DECLARE
    e_id uuid;
    e_at timestamptz;
BEGIN
    INSERT INTO review_events (review_id, kind, from_status, to_status, actor, reason)
    VALUES (p_review, p_kind, p_from, p_to, p_actor, p_reason)
    RETURNING id, created_at INTO e_id, e_at;
    RETURN spp_announce(CASE WHEN p_kind = 'transition' THEN 'review.transitioned' ELSE p_kind END,
                        (SELECT review_json(r)::jsonb FROM reviews r WHERE r.id = p_review),
                        e_id, e_at);
END
$$;

-- spp_notify (0005) as before, its job now through spp_enqueue.
CREATE OR REPLACE FUNCTION spp_notify(p_kind text, p_subject uuid, p_person uuid,
                                      p_recipient text, p_due date, p_review uuid,
                                      p_data jsonb) RETURNS uuid
    LANGUAGE plpgsql AS $$
DECLARE
    n_id uuid;
    off boolean := false;
BEGIN
    IF p_recipient IS NULL OR btrim(p_recipient) = '' THEN
        RETURN NULL;
    END IF;
    IF p_person IS NOT NULL THEN
        SELECT COALESCE((notification_preferences ->> p_kind)::boolean = false, false)
          INTO off FROM people WHERE id = p_person;
    END IF;
    INSERT INTO notifications (kind, subject_id, person_id, recipient, due_on, review_id, data,
                               status)
    VALUES (p_kind, p_subject, p_person, lower(btrim(p_recipient)), p_due, p_review,
            COALESCE(p_data, '{}'), CASE WHEN off THEN 'skipped' ELSE 'pending' END)
    ON CONFLICT ON CONSTRAINT notifications_once_key DO NOTHING
    RETURNING id INTO n_id;
    IF n_id IS NULL OR off THEN
        RETURN NULL;
    END IF;
    RETURN spp_enqueue('notification.deliver', jsonb_build_object('notification_id', n_id),
                       'notification:' || n_id);
END
$$;
