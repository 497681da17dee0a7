-- Demo data for scripts/run.sh: one hub, two partnerships (one in the hub), six schools,
-- eighteen people with lead contacts, two declared conflicts and two unavailability rows.
-- Every id is fixed and every insert is ON CONFLICT DO NOTHING, so loading it again changes
-- nothing (and keeps whatever was changed through the API since). URNs start with 9 so that
-- they do not clash with the test suite's.
--
--   hub           10000000-0000-4000-8000-00000000000N
--   partnerships  20000000-0000-4000-8000-00000000000N
--   schools       30000000-0000-4000-8000-00000000000N
--   people        40000000-0000-4000-8000-0000000000NN
--   conflicts     50000000-0000-4000-8000-00000000000N
--   unavailability 60000000-0000-4000-8000-00000000000N

BEGIN;

INSERT INTO hubs (id, name, region, contact_email) VALUES
    ('10000000-0000-4000-8000-000000000001', 'West Yorkshire SPP Hub', 'Yorkshire and the Humber',
     'hub@westyorkshire-spp.example.org')
ON CONFLICT DO NOTHING;

INSERT INTO partnerships (id, name, kind, hub_id, phase, phase_started_on, digest_enabled, timezone) VALUES
    ('20000000-0000-4000-8000-000000000001', 'Aire Valley Schools Partnership',
     'teaching_school_alliance', '10000000-0000-4000-8000-000000000001', 'embed', '2025-09-01',
     true, 'Europe/London'),
    ('20000000-0000-4000-8000-000000000002', 'Fenland Learning Partnership', 'local_authority',
     NULL, 'build', '2026-09-01', true, 'Europe/London')
ON CONFLICT DO NOTHING;

INSERT INTO schools (id, urn, name, phase_of_education, local_authority, postcode, partnership_id) VALUES
    ('30000000-0000-4000-8000-000000000001', '914208', 'Kirkstall Road Primary School',
     'primary', 'Leeds', 'LS5 3AX', '20000000-0000-4000-8000-000000000001'),
    ('30000000-0000-4000-8000-000000000002', '914219', 'Bramley Fold Primary Academy',
     'primary', 'Leeds', 'LS13 2JQ', '20000000-0000-4000-8000-000000000001'),
    ('30000000-0000-4000-8000-000000000003', '9142230', 'Idle Moor High School',
     'secondary', 'Bradford', 'BD10 8NT', '20000000-0000-4000-8000-000000000001'),
    ('30000000-0000-4000-8000-000000000004', '914247', 'Armley Park Special School',
     'special', 'Leeds', 'LS12 4HE', '20000000-0000-4000-8000-000000000001'),
    ('30000000-0000-4000-8000-000000000005', '927811', 'March Riverside Primary School',
     'primary', 'Cambridgeshire', 'PE15 9QA', '20000000-0000-4000-8000-000000000002'),
    ('30000000-0000-4000-8000-000000000006', '9278125', 'Wisbech Fenland Academy',
     'secondary', 'Cambridgeshire', 'PE13 2RN', '20000000-0000-4000-8000-000000000002')
ON CONFLICT DO NOTHING;

-- notification_preferences holds the full map of reminder kinds, as the API writes it
-- (common/notify.c); Priya Raman has switched the overdue-action reminder off.
INSERT INTO people (id, school_id, full_name, email, job_title, digest_opt_in,
                    notification_preferences)
SELECT v.id::uuid, v.school_id::uuid, v.full_name, v.email, v.job_title, v.digest_opt_in,
       '{"review_visit_7d": true, "review_visit_1d": true, "workshop_3d": true,
         "action_due_7d": true, "action_overdue": true, "impact_reflection_due": true,
         "training_2d": true, "review_planning_6w": true}'::jsonb
       || CASE WHEN v.id = '40000000-0000-4000-8000-000000000006'
               THEN '{"action_overdue": false}'::jsonb ELSE '{}'::jsonb END
FROM (VALUES
    ('40000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001',
     'Amira Hussain', 'a.hussain@kirkstallroad.example.org', 'Headteacher', true),
    ('40000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000001',
     'Tom Pickersgill', 't.pickersgill@kirkstallroad.example.org', 'Deputy Headteacher', true),
    ('40000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000001',
     'Grace Okafor', 'g.okafor@kirkstallroad.example.org', 'Year 6 Lead', true),
    ('40000000-0000-4000-8000-000000000004', '30000000-0000-4000-8000-000000000002',
     'Helen Brierley', 'h.brierley@bramleyfold.example.org', 'Headteacher', true),
    ('40000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000002',
     'Daniel Walsh', 'd.walsh@bramleyfold.example.org', 'SENDCo', true),
    ('40000000-0000-4000-8000-000000000006', '30000000-0000-4000-8000-000000000002',
     'Priya Raman', 'p.raman@bramleyfold.example.org', 'Maths Lead', false),
    ('40000000-0000-4000-8000-000000000007', '30000000-0000-4000-8000-000000000003',
     'Martin Ackroyd', 'm.ackroyd@idlemoor.example.org', 'Headteacher', true),
    ('40000000-0000-4000-8000-000000000008', '30000000-0000-4000-8000-000000000003',
     'Sophie Lund', 's.lund@idlemoor.example.org', 'Assistant Headteacher (Curriculum)', true),
    ('40000000-0000-4000-8000-000000000009', '30000000-0000-4000-8000-000000000003',
     'Kwame Mensah', 'k.mensah@idlemoor.example.org', 'Head of Science', true),
    ('40000000-0000-4000-8000-000000000010', '30000000-0000-4000-8000-000000000004',
     'Rachel Oduya', 'r.oduya@armleypark.example.org', 'Headteacher', true),
    ('40000000-0000-4000-8000-000000000011', '30000000-0000-4000-8000-000000000004',
     'Ian Thackray', 'i.thackray@armleypark.example.org', 'Deputy Headteacher', true),
    ('40000000-0000-4000-8000-000000000012', '30000000-0000-4000-8000-000000000004',
     'Nadia Begum', 'n.begum@armleypark.example.org', 'Communication Lead', true),
    ('40000000-0000-4000-8000-000000000013', '30000000-0000-4000-8000-000000000005',
     'Claire Fairweather', 'c.fairweather@marchriverside.example.org', 'Headteacher', true),
    ('40000000-0000-4000-8000-000000000014', '30000000-0000-4000-8000-000000000005',
     'Owen Carter', 'o.carter@marchriverside.example.org', 'Deputy Headteacher', true),
    ('40000000-0000-4000-8000-000000000015', '30000000-0000-4000-8000-000000000005',
     'Lucy Marsh', 'l.marsh@marchriverside.example.org', 'EYFS Lead', true),
    ('40000000-0000-4000-8000-000000000016', '30000000-0000-4000-8000-000000000006',
     'Steven Gould', 's.gould@wisbechfenland.example.org', 'Principal', true),
    ('40000000-0000-4000-8000-000000000017', '30000000-0000-4000-8000-000000000006',
     'Fatima Noor', 'f.noor@wisbechfenland.example.org', 'Vice Principal', true),
    ('40000000-0000-4000-8000-000000000018', '30000000-0000-4000-8000-000000000006',
     'Ben Dobson', 'b.dobson@wisbechfenland.example.org', 'Head of English', true)
) AS v (id, school_id, full_name, email, job_title, digest_opt_in)
ON CONFLICT DO NOTHING;

-- Lead contacts: each school's headteacher; each partnership's lead is a deputy at a member
-- school. Only set where still empty, so a lead changed through the API stays changed.
UPDATE schools s SET lead_contact_id = v.lead::uuid
FROM (VALUES
    ('30000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001'),
    ('30000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000004'),
    ('30000000-0000-4000-8000-000000000003', '40000000-0000-4000-8000-000000000007'),
    ('30000000-0000-4000-8000-000000000004', '40000000-0000-4000-8000-000000000010'),
    ('30000000-0000-4000-8000-000000000005', '40000000-0000-4000-8000-000000000013'),
    ('30000000-0000-4000-8000-000000000006', '40000000-0000-4000-8000-000000000016')
) AS v (school, lead)
WHERE s.id = v.school::uuid AND s.lead_contact_id IS NULL
  AND EXISTS (SELECT 1 FROM people p WHERE p.id = v.lead::uuid AND p.school_id = s.id);

UPDATE partnerships pa SET lead_contact_id = v.lead::uuid
FROM (VALUES
    ('20000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000002'),
    ('20000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000014')
) AS v (partnership, lead)
WHERE pa.id = v.partnership::uuid AND pa.lead_contact_id IS NULL
  AND EXISTS (SELECT 1 FROM people p JOIN schools s ON s.id = p.school_id
              WHERE p.id = v.lead::uuid AND s.partnership_id = pa.id);

INSERT INTO conflicts (id, person_id, school_id, reason) VALUES
    ('50000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000005',
     '30000000-0000-4000-8000-000000000003', 'Former employer: left Idle Moor High School in 2023'),
    ('50000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000011',
     '30000000-0000-4000-8000-000000000001', 'Governor at Kirkstall Road Primary School')
ON CONFLICT DO NOTHING;

INSERT INTO unavailability (id, person_id, from_on, to_on, reason) VALUES
    ('60000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000008',
     '2026-12-14', '2026-12-18', 'Year 11 mock examinations'),
    ('60000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000003',
     '2027-02-08', '2027-02-12', 'Residential trip')
ON CONFLICT DO NOTHING;

COMMIT;
