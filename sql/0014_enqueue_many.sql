-- Many jobs and many notifications in one statement each (issue 10: a digest notified every
-- opted-in person with one spp_notify call each, three statements a recipient, which made the
-- nightly digests the slowest of the worker's bulk paths; bench/RESULTS.md, p10-worker).
--
-- spp_enqueue_many is spp_enqueue (0013) for many jobs of one kind: the same columns, defaults,
-- publishing rule and keys, so that the ledger still has one door with two widths; a change to
-- one is a change to both, in the same migration. spp_notify_many is spp_notify (0013) for many
-- recipients, on the same terms. The one-job functions are not rewritten over the many ones:
-- measured on this machine (bench/RESULTS.md, p10-worker), a one-element call through the
-- array functions cost 20-90 % more per call (an unnest plan instead of a VALUES insert), and
-- the API and the reminder scan make one-job calls.

-- Inserts one job of kind p_kind per element of p_payloads (with p_dedupe_keys[i] and
-- p_pending_keys[i] when given: arrays of the same length, or NULL), all due and published at the
-- same instant (as spp_enqueue: after p_delay_s, or at p_run_at). Returns the ids of the jobs
-- inserted; an element whose dedupe_key (ever) or pending_key (while its job has not started) is
-- taken, also by an earlier element of the same call, gets none.
CREATE FUNCTION spp_enqueue_many(p_kind text, p_payloads jsonb[], p_dedupe_keys text[] DEFAULT NULL,
                                 p_delay_s integer DEFAULT 0, p_max_attempts integer DEFAULT NULL,
                                 p_requested_by text DEFAULT NULL,
                                 p_pending_keys text[] DEFAULT NULL,
                                 p_run_at timestamptz DEFAULT NULL)
    RETURNS SETOF uuid LANGUAGE plpgsql AS $$
DECLARE
    t_now timestamptz := clock_timestamp();
BEGIN
    RETURN QUERY
    WITH i AS (
        INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts, requested_by,
                          published_at, pending_key)
        SELECT p_kind, COALESCE(j.payload, '{}'), j.dedupe_key,
               COALESCE(p_run_at,
                        t_now + make_interval(secs => GREATEST(COALESCE(p_delay_s, 0), 0))),
               COALESCE(p_max_attempts, 8), p_requested_by, t_now, j.pending_key
        FROM unnest(p_payloads, COALESCE(p_dedupe_keys, '{}'), COALESCE(p_pending_keys, '{}'))
             WITH ORDINALITY AS j(payload, dedupe_key, pending_key, n)
        ORDER BY j.n
        ON CONFLICT DO NOTHING
        RETURNING id)
    SELECT i.id FROM i;
END
$$;

-- One notification of kind p_kind about p_subject per recipient p_recipients[i] (person
-- p_people[i], or NULL for an address without a person: arrays of the same length), as
-- spp_notify decides it for one: a blank recipient gets nothing; a person who switched this kind
-- off (notification_preferences) gets a 'skipped' notification and no message; a recipient
-- notified of this subject for this date already gets nothing new (notifications_once_key);
-- every other one gets a 'pending' notification and its notification.deliver job. Returns the
-- ids of the jobs queued, which the caller publishes after its commit.
CREATE FUNCTION spp_notify_many(p_kind text, p_subject uuid, p_people uuid[], p_recipients text[],
                                p_due date, p_review uuid, p_data jsonb) RETURNS uuid[]
    LANGUAGE plpgsql AS $$
DECLARE
    payloads jsonb[];
    keys text[];
BEGIN
    WITH n AS (
        INSERT INTO notifications (kind, subject_id, person_id, recipient, due_on, review_id,
                                   data, status)
        SELECT p_kind, p_subject, r.person, lower(btrim(r.recipient)), p_due, p_review,
               COALESCE(p_data, '{}'),
               CASE WHEN COALESCE((pe.notification_preferences ->> p_kind)::boolean = false, false)
                    THEN 'skipped' ELSE 'pending' END
        FROM unnest(p_people, p_recipients) WITH ORDINALITY AS r(person, recipient, i)
        LEFT JOIN people pe ON pe.id = r.person
        WHERE btrim(r.recipient) <> ''
        ORDER BY r.i
        ON CONFLICT ON CONSTRAINT notifications_once_key DO NOTHING
        RETURNING id, status)
    SELECT array_agg(jsonb_build_object('notification_id', n.id)),
           array_agg('notification:' || n.id)
      INTO payloads, keys
      FROM n WHERE n.status = 'pending';
    RETURN COALESCE(ARRAY(SELECT spp_enqueue_many('notification.deliver', payloads, keys)),
                    '{}');
END
$$;
