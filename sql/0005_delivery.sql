-- Delivery (DESIGN §4): notifications (one row per recipient, channel and due date, so that a
-- job that runs twice sends nothing twice), webhook subscriptions, and the nightly digests.

CREATE TABLE notifications (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- A reminder kind (common/notify.c), or booking.changed, champion.unassignable, digest.
    kind text NOT NULL,
    subject_id uuid NOT NULL,       -- the review, action, session, booking or digest
    person_id uuid REFERENCES people (id) ON DELETE RESTRICT,
    recipient text NOT NULL,        -- the email address it goes to
    channel text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'webhook')),
    due_on date NOT NULL,
    review_id uuid REFERENCES reviews (id) ON DELETE RESTRICT,
    -- What the message says, gathered when the notification is created; rendered on delivery.
    data jsonb NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    sent_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT notifications_once_key UNIQUE (kind, subject_id, recipient, channel, due_on)
);
CREATE INDEX notifications_created ON notifications (created_at DESC, id DESC);
CREATE INDEX notifications_person ON notifications (person_id, created_at DESC);
CREATE INDEX notifications_review ON notifications (review_id, created_at DESC);

CREATE TABLE webhooks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    url text NOT NULL,
    events text[] NOT NULL,
    -- The signing secret, encrypted (AES-256-GCM under SPP_WEBHOOK_KEY): signing needs the
    -- secret itself, so it cannot be stored as a hash like API keys.
    secret_enc text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    failing_since timestamptz,
    last_error text,
    disabled_at timestamptz,
    api_key_id uuid REFERENCES api_keys (id) ON DELETE RESTRICT,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX webhooks_created ON webhooks (created_at, id);

CREATE TABLE digests (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    partnership_id uuid NOT NULL REFERENCES partnerships (id) ON DELETE RESTRICT,
    digest_date date NOT NULL,
    window_from timestamptz NOT NULL,
    cut_off timestamptz NOT NULL,
    items jsonb NOT NULL,
    empty boolean NOT NULL,
    job_id uuid,                    -- the job that compiled it
    delivered_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT digests_once_key UNIQUE (partnership_id, digest_date)
);
CREATE INDEX digests_partnership ON digests (partnership_id, digest_date DESC, id DESC);

CREATE TYPE notification_out AS (
    id uuid, kind text, person_id uuid, recipient text, channel text, due_on date,
    review_id uuid, status text, attempts integer, last_error text, sent_at text,
    created_at text
);
CREATE FUNCTION notification_json(n notifications) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(n.id, n.kind, n.person_id, n.recipient, n.channel, n.due_on,
        n.review_id, n.status, n.attempts, n.last_error, spp_ts(n.sent_at),
        spp_ts(n.created_at))::notification_out)
$$;

CREATE TYPE webhook_out AS (
    id uuid, url text, events text[], active boolean, failing_since text, last_error text,
    disabled_at text, version integer, created_at text
);
CREATE FUNCTION webhook_json(w webhooks) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(w.id, w.url, w.events, w.active, spp_ts(w.failing_since),
        w.last_error, spp_ts(w.disabled_at), w.version, spp_ts(w.created_at))::webhook_out)
$$;

CREATE TYPE digest_out AS (
    id uuid, partnership_id uuid, digest_date date, cut_off text, empty boolean, items jsonb,
    delivered_at text, created_at text
);
CREATE FUNCTION digest_json(d digests) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(d.id, d.partnership_id, d.digest_date, spp_ts(d.cut_off), d.empty,
        d.items, spp_ts(d.delivered_at), spp_ts(d.created_at))::digest_out)
$$;

-- Creates the notification for one recipient and, unless it already existed or the person
-- switched this kind off (then it is stored as skipped), its notification.deliver job. Returns
-- the job's id, for the caller to publish after commit, or NULL. Every producer (bookings,
-- reminders, digests, champion alerts) goes through here, so "once per recipient and due date"
-- and the opt-out are decided in one place.
CREATE FUNCTION spp_notify(p_kind text, p_subject uuid, p_person uuid, p_recipient text,
                           p_due date, p_review uuid, p_data jsonb) RETURNS uuid
    LANGUAGE plpgsql AS $$
DECLARE
    n_id uuid;
    j_id uuid;
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
    INSERT INTO jobs (kind, payload, dedupe_key, max_attempts)
    VALUES ('notification.deliver', jsonb_build_object('notification_id', n_id),
            'notification:' || n_id, 8)
    RETURNING id INTO j_id;
    RETURN j_id;
END
$$;
