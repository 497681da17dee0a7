-- One champion change (issue 11), for the host school's choice (PUT /v1/reviews/{id}/champion)
-- and the worker's (champion.assign) alike: the review's champion is set, or cleared when
-- p_champion is NULL (the worker, when the one set no longer qualifies and nobody else does),
-- and a champion set is recorded and announced as champion.assigned by p_actor
-- (spp_review_event, sql/0013). Returns the review's representation, its version and the job
-- announcing it (NULL when cleared, or when the announcement was already taken); no row when
-- there is no such review. The caller holds the review locked and publishes the job after it
-- commits.
CREATE FUNCTION spp_review_set_champion(p_review uuid, p_champion uuid, p_actor text,
                                        OUT o_json text, OUT o_version integer, OUT o_job uuid)
    RETURNS SETOF record LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reviews SET champion_id = p_champion, version = version + 1,
                       updated_at = clock_timestamp()
     WHERE id = p_review RETURNING review_json(reviews)::text, version INTO o_json, o_version;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_champion IS NOT NULL THEN
        o_job := spp_review_event(p_review, 'champion.assigned', NULL, NULL, p_actor, NULL);
    END IF;
    RETURN NEXT;
END
$$;
