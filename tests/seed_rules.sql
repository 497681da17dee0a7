-- The domain rules (DESIGN §1.2) over whatever the database holds, as one row per rule with the
-- number of rows that break it: every count must be 0. scripts/test.sh runs it after the run
-- command has loaded the demo (`spp-api seed`); bench/RESULTS.md notes it on the England-scale
-- load. Accredited "on day D": an award that counts with awarded_on <= D <= valid_until.
WITH acc AS NOT MATERIALIZED (
    SELECT person_id, role, awarded_on, valid_until FROM accreditations WHERE counts
),
live AS NOT MATERIALIZED (
    SELECT * FROM reviews WHERE status <> 'cancelled'
)
SELECT 'team member at the host school or outside the partnership' AS rule, count(*) AS broken
FROM review_team t JOIN reviews r ON r.id = t.review_id JOIN people p ON p.id = t.person_id
JOIN schools s ON s.id = p.school_id
WHERE s.id = r.school_id OR s.partnership_id IS DISTINCT FROM r.partnership_id
UNION ALL
SELECT 'team member not accredited on the visit start', count(*)
FROM review_team t JOIN reviews r ON r.id = t.review_id
WHERE NOT EXISTS (SELECT 1 FROM acc a WHERE a.person_id = t.person_id AND a.role = 'peer_reviewer'
                  AND a.awarded_on <= r.review_starts_on AND r.review_starts_on <= a.valid_until)
UNION ALL
SELECT 'team member with a declared conflict with the host', count(*)
FROM review_team t JOIN reviews r ON r.id = t.review_id
JOIN conflicts c ON c.person_id = t.person_id AND c.school_id = r.school_id
UNION ALL
SELECT 'team member on two overlapping visits', count(*)
FROM review_team t1 JOIN live r1 ON r1.id = t1.review_id
JOIN review_team t2 ON t2.person_id = t1.person_id AND t2.review_id <> t1.review_id
JOIN live r2 ON r2.id = t2.review_id
WHERE r1.review_starts_on <= r2.review_ends_on AND r2.review_starts_on <= r1.review_ends_on
UNION ALL
SELECT 'team member unavailable during the visit', count(*)
FROM review_team t JOIN live r ON r.id = t.review_id
JOIN unavailability u ON u.person_id = t.person_id
WHERE u.from_on <= r.review_ends_on AND r.review_starts_on <= u.to_on
UNION ALL
SELECT 'teams of reviews past planning: not 2+ with one lead', count(*)
FROM reviews r
WHERE r.status NOT IN ('planning', 'cancelled')
  AND ((SELECT count(*) FROM review_team t WHERE t.review_id = r.id) < 2
       OR (SELECT count(*) FROM review_team t WHERE t.review_id = r.id
           AND t.role = 'lead_reviewer') <> 1)
UNION ALL
SELECT 'champion at the host school, outside the partnership or on the team', count(*)
FROM reviews r JOIN people p ON p.id = r.champion_id JOIN schools s ON s.id = p.school_id
WHERE s.id = r.school_id OR s.partnership_id IS DISTINCT FROM r.partnership_id
   OR EXISTS (SELECT 1 FROM review_team t WHERE t.review_id = r.id AND t.person_id = r.champion_id)
   OR EXISTS (SELECT 1 FROM evidence e WHERE e.review_id = r.id AND e.recorded_by = r.champion_id)
   OR EXISTS (SELECT 1 FROM conflicts c WHERE c.person_id = r.champion_id AND c.school_id = r.school_id)
UNION ALL
SELECT 'champion not accredited on the workshop date', count(*)
FROM reviews r
WHERE r.champion_id IS NOT NULL AND r.workshop_on IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM acc a WHERE a.person_id = r.champion_id
                  AND a.role = 'improvement_champion' AND a.awarded_on <= r.workshop_on
                  AND r.workshop_on <= a.valid_until)
UNION ALL
SELECT 'champion unavailable, on a visit or holding another workshop that day', count(*)
FROM live r
WHERE r.champion_id IS NOT NULL AND r.workshop_on IS NOT NULL
  AND (EXISTS (SELECT 1 FROM unavailability u WHERE u.person_id = r.champion_id
               AND r.workshop_on BETWEEN u.from_on AND u.to_on)
       OR EXISTS (SELECT 1 FROM review_team t JOIN live r2 ON r2.id = t.review_id
                  WHERE t.person_id = r.champion_id
                  AND r.workshop_on BETWEEN r2.review_starts_on AND r2.review_ends_on)
       OR EXISTS (SELECT 1 FROM live r2 WHERE r2.id <> r.id AND r2.champion_id = r.champion_id
                  AND r2.workshop_on = r.workshop_on))
UNION ALL
SELECT 'status without what its guard needs', count(*)
FROM reviews r
WHERE (r.status NOT IN ('planning', 'cancelled')
       AND (r.focus IS NULL OR r.self_review_summary IS NULL OR r.review_starts_on IS NULL
            OR r.review_ends_on < r.review_starts_on))
   OR (r.status IN ('feedback', 'workshop', 'implementing', 'reflecting', 'completed')
       AND (NOT EXISTS (SELECT 1 FROM evidence e WHERE e.review_id = r.id)
            OR NOT EXISTS (SELECT 1 FROM findings f WHERE f.review_id = r.id)))
   OR (r.status IN ('workshop', 'implementing', 'reflecting', 'completed')
       AND (r.champion_id IS NULL OR r.workshop_on IS NULL))
   OR (r.status IN ('implementing', 'reflecting', 'completed')
       AND (r.implementation_due_on IS NULL
            OR NOT EXISTS (SELECT 1 FROM actions a WHERE a.review_id = r.id AND a.status <> 'dropped')
            OR EXISTS (SELECT 1 FROM actions a WHERE a.review_id = r.id
                       AND (a.owner_id IS NULL OR a.due_on IS NULL))))
   OR (r.status = 'completed' AND (r.impact_summary IS NULL OR r.lessons_learned IS NULL))
UNION ALL
SELECT 'events out of order, in the future, or not ending in the status', count(*)
FROM reviews r
WHERE EXISTS (SELECT 1 FROM review_events e WHERE e.review_id = r.id
              AND (e.created_at < r.created_at OR e.created_at > now()))
   OR COALESCE((SELECT e.to_status FROM review_events e WHERE e.review_id = r.id
                AND e.kind = 'transition' ORDER BY e.created_at DESC, e.id DESC LIMIT 1),
               'planning') <> r.status
UNION ALL
SELECT 'best practice published on a review not completed, or not on completion', count(*)
FROM best_practices b JOIN reviews r ON r.id = b.review_id
WHERE (b.published_at IS NOT NULL) <> (r.status = 'completed')
UNION ALL
SELECT 'action owner outside the partnership', count(*)
FROM actions a JOIN reviews r ON r.id = a.review_id JOIN people p ON p.id = a.owner_id
JOIN schools s ON s.id = p.school_id
WHERE s.partnership_id IS DISTINCT FROM r.partnership_id
UNION ALL
SELECT 'finding citing evidence of another review', count(*)
FROM findings f CROSS JOIN LATERAL unnest(f.evidence_ids) AS x(id)
WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.id = x.id AND e.review_id = f.review_id)
UNION ALL
SELECT 'session booked_count not its booked, attended and no-show bookings', count(*)
FROM training_sessions ts
WHERE ts.booked_count <> (SELECT count(*) FROM bookings b WHERE b.session_id = ts.id
                          AND b.status IN ('booked', 'attended', 'no_show'))
UNION ALL
SELECT 'waitlisted booking on a session with seats left', count(*)
FROM bookings b JOIN training_sessions ts ON ts.id = b.session_id
WHERE b.status = 'waitlisted' AND ts.booked_count < ts.capacity
UNION ALL
SELECT 'lead contact not at the school or partnership', count(*)
FROM schools s LEFT JOIN people p ON p.id = s.lead_contact_id
WHERE s.lead_contact_id IS NOT NULL AND p.school_id <> s.id;
