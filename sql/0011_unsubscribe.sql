-- One-click unsubscribe (RFC 8058, DESIGN §2 /unsubscribe/{token}, §4 "Delivery").
--
-- An unsubscribe token is an HMAC-SHA256 over (person id, message kind) keyed with the key
-- below (common/unsub.c). The key lives in the database rather than in the configuration: both
-- services already share the database, it exists from the first migration on, whatever the
-- environment sets (SPP_WEBHOOK_KEY may be unset), and nobody has to keep two processes'
-- settings in step. Whoever can read it could forge a link, but could also change the people
-- table directly. Replacing it (UPDATE unsubscribe_key SET key = ...) invalidates every link
-- in mail already sent. 32 bytes from two gen_random_uuid() values (PostgreSQL's strong random
-- source): 244 random bits, since six bits of each UUID are fixed.
CREATE TABLE unsubscribe_key (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    key bytea NOT NULL CHECK (length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO unsubscribe_key (key)
VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
