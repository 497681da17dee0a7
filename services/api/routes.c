/* Every route of the API, and every statement table, in one place. */
#include "auth.h"
#include "handlers/handlers.h"
#include "handlers/resource.h"
#include "idem.h"
#include "facts.h"
#include "jobs.h"
#include "router.h"

const struct route routes[] = {
    {HTTP_GET, "/healthz", system_healthz, ROUTE_PUBLIC | ROUTE_INLINE},
    {HTTP_GET, "/readyz", system_readyz, ROUTE_PUBLIC | ROUTE_NO_DB},
    {HTTP_GET, "/metrics", system_metrics, ROUTE_PUBLIC | ROUTE_NO_DB},
    {HTTP_GET, "/openapi.yaml", system_openapi, ROUTE_PUBLIC | ROUTE_INLINE},
    {HTTP_GET, "/unsubscribe/{token}", unsubscribe_show, ROUTE_PUBLIC | ROUTE_SECRET},
    {HTTP_POST, "/unsubscribe/{token}", unsubscribe_apply, ROUTE_PUBLIC | ROUTE_SECRET},

    {HTTP_GET, "/v1/schools", schools_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/schools", schools_create, 0},
    {HTTP_GET, "/v1/schools/{id}", schools_get, 0},
    {HTTP_PATCH, "/v1/schools/{id}", schools_update, 0},
    {HTTP_DELETE, "/v1/schools/{id}", schools_delete, 0},

    /* @routes:resources (hubs, partnerships, people and their conflicts and unavailability) */
    {HTTP_GET, "/v1/hubs", hubs_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/hubs", hubs_create, 0},
    {HTTP_GET, "/v1/hubs/{id}", hubs_get, 0},
    {HTTP_PATCH, "/v1/hubs/{id}", hubs_update, 0},
    {HTTP_DELETE, "/v1/hubs/{id}", hubs_delete, 0},
    {HTTP_GET, "/v1/hubs/{id}/summary", hubs_summary, 0},

    {HTTP_GET, "/v1/partnerships", partnerships_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/partnerships", partnerships_create, 0},
    {HTTP_GET, "/v1/partnerships/{id}", partnerships_get, 0},
    {HTTP_PATCH, "/v1/partnerships/{id}", partnerships_update, 0},
    {HTTP_DELETE, "/v1/partnerships/{id}", partnerships_delete, 0},
    {HTTP_POST, "/v1/partnerships/{id}/phase", partnerships_phase, 0},
    {HTTP_GET, "/v1/partnerships/{id}/summary", partnerships_summary, 0},

    {HTTP_GET, "/v1/people", people_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/people", people_create, 0},
    {HTTP_GET, "/v1/people/{id}", people_get, 0},
    {HTTP_PATCH, "/v1/people/{id}", people_update, 0},
    {HTTP_DELETE, "/v1/people/{id}", people_delete, 0},
    {HTTP_GET, "/v1/people/{id}/calendar.ics", calendar_get, 0},
    {HTTP_POST, "/v1/people/{id}/calendar-feed", calendar_feed_create, 0},
    {HTTP_DELETE, "/v1/people/{id}/calendar-feed", calendar_feed_delete, 0},
    {HTTP_GET, "/v1/people/{id}/export", privacy_export, 0},
    {HTTP_POST, "/v1/people/{id}/erase", privacy_erase, 0},
    /* @routes:feeds (no Authorization header: the path's secret is the credential) */
    {HTTP_GET, "/feeds/calendar/{secret}.ics", calendar_feed_get, ROUTE_PUBLIC | ROUTE_SECRET},
    {HTTP_GET, "/v1/people/{id}/conflicts", conflicts_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/people/{id}/conflicts", conflicts_create, 0},
    {HTTP_GET, "/v1/people/{id}/conflicts/{conflict_id}", conflicts_get, 0},
    {HTTP_DELETE, "/v1/people/{id}/conflicts/{conflict_id}", conflicts_delete, 0},
    {HTTP_GET, "/v1/people/{id}/unavailability", unavailability_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/people/{id}/unavailability", unavailability_create, 0},
    {HTTP_GET, "/v1/people/{id}/unavailability/{unavailability_id}", unavailability_get, 0},
    {HTTP_DELETE, "/v1/people/{id}/unavailability/{unavailability_id}", unavailability_delete, 0},

    {HTTP_GET, "/v1/api-keys", api_keys_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/api-keys", api_keys_create, 0},
    {HTTP_GET, "/v1/api-keys/{id}", api_keys_get, 0},
    {HTTP_DELETE, "/v1/api-keys/{id}", api_keys_delete, 0},

    {HTTP_GET, "/v1/training-sessions", training_sessions_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/training-sessions", training_sessions_create, 0},
    {HTTP_GET, "/v1/training-sessions/{id}", training_sessions_get, 0},
    {HTTP_PATCH, "/v1/training-sessions/{id}", training_sessions_update, 0},
    {HTTP_DELETE, "/v1/training-sessions/{id}", training_sessions_delete, 0},
    {HTTP_GET, "/v1/training-sessions/{id}/bookings", bookings_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/training-sessions/{id}/bookings", bookings_create, 0},
    {HTTP_GET, "/v1/bookings/{id}", bookings_get, 0},
    {HTTP_PATCH, "/v1/bookings/{id}", bookings_update, 0},
    /* @routes:accreditations */
    {HTTP_GET, "/v1/people/{id}/accreditations", accreditations_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/people/{id}/accreditations", accreditations_create, 0},
    {HTTP_GET, "/v1/people/{id}/accreditations/{accreditation_id}", accreditations_get, 0},
    {HTTP_POST, "/v1/accreditations/import", accreditations_import, 0},

    {HTTP_GET, "/v1/reviews", reviews_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/reviews", reviews_create, 0},
    {HTTP_GET, "/v1/reviews/{id}", reviews_get, 0},
    {HTTP_PATCH, "/v1/reviews/{id}", reviews_update, 0},
    {HTTP_POST, "/v1/reviews/{id}/transitions", reviews_transition, 0},
    {HTTP_PUT, "/v1/reviews/{id}/champion", reviews_set_champion, 0},
    {HTTP_POST, "/v1/reviews/{id}/champion-assignment", reviews_assign_champion, 0},
    {HTTP_GET, "/v1/reviews/{id}/events", reviews_events, ROUTE_QUERY},
    /* @routes:review-items */
    {HTTP_GET, "/v1/reviews/{id}/team", review_team_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/reviews/{id}/team", review_team_create, 0},
    {HTTP_GET, "/v1/reviews/{id}/team/{item_id}", review_team_get, 0},
    {HTTP_PATCH, "/v1/reviews/{id}/team/{item_id}", review_team_update, 0},
    {HTTP_DELETE, "/v1/reviews/{id}/team/{item_id}", review_team_delete, 0},
    {HTTP_GET, "/v1/reviews/{id}/evidence", evidence_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/reviews/{id}/evidence", evidence_create, 0},
    {HTTP_GET, "/v1/reviews/{id}/evidence/{item_id}", evidence_get, 0},
    {HTTP_PATCH, "/v1/reviews/{id}/evidence/{item_id}", evidence_update, 0},
    {HTTP_DELETE, "/v1/reviews/{id}/evidence/{item_id}", evidence_delete, 0},
    {HTTP_GET, "/v1/reviews/{id}/findings", findings_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/reviews/{id}/findings", findings_create, 0},
    {HTTP_GET, "/v1/reviews/{id}/findings/{item_id}", findings_get, 0},
    {HTTP_PATCH, "/v1/reviews/{id}/findings/{item_id}", findings_update, 0},
    {HTTP_DELETE, "/v1/reviews/{id}/findings/{item_id}", findings_delete, 0},
    {HTTP_GET, "/v1/reviews/{id}/actions", actions_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/reviews/{id}/actions", actions_create, 0},
    {HTTP_GET, "/v1/reviews/{id}/actions/{item_id}", actions_get, 0},
    {HTTP_PATCH, "/v1/reviews/{id}/actions/{item_id}", actions_update, 0},
    {HTTP_DELETE, "/v1/reviews/{id}/actions/{item_id}", actions_delete, 0},
    {HTTP_GET, "/v1/reviews/{id}/best-practices", best_practices_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/reviews/{id}/best-practices", best_practices_create, 0},
    {HTTP_GET, "/v1/reviews/{id}/best-practices/{item_id}", best_practices_get, 0},
    {HTTP_PATCH, "/v1/reviews/{id}/best-practices/{item_id}", best_practices_update, 0},
    {HTTP_DELETE, "/v1/reviews/{id}/best-practices/{item_id}", best_practices_delete, 0},
    {HTTP_GET, "/v1/partnerships/{id}/best-practices", best_practices_published, ROUTE_QUERY},

    {HTTP_GET, "/v1/jobs", job_routes_list, ROUTE_QUERY},
    {HTTP_GET, "/v1/jobs/{id}", job_routes_get, 0},
    {HTTP_POST, "/v1/jobs/{id}/retry", job_routes_retry, 0},

    /* @routes:digests */
    {HTTP_GET, "/v1/partnerships/{id}/digests", digests_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/partnerships/{id}/digests", digests_create, 0},
    {HTTP_GET, "/v1/digests/{id}", digests_get, 0},

    /* @routes:review-plans */
    {HTTP_GET, "/v1/partnerships/{id}/review-plans", review_plans_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/partnerships/{id}/review-plans", review_plans_create, 0},
    {HTTP_GET, "/v1/review-plans/{id}", review_plans_get, 0},
    {HTTP_POST, "/v1/review-plans/{id}/accept", review_plans_accept, 0},

    /* @routes:webhooks */
    {HTTP_GET, "/v1/webhooks", webhooks_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/webhooks", webhooks_create, 0},
    {HTTP_GET, "/v1/webhooks/{id}", webhooks_get, 0},
    {HTTP_DELETE, "/v1/webhooks/{id}", webhooks_delete, 0},

    /* @routes:notifications */
    {HTTP_GET, "/v1/notifications", notifications_list, ROUTE_QUERY},
    {HTTP_POST, "/v1/admin/reminder-scan", admin_reminder_scan, 0},
    {HTTP_GET, "/v1/audit", audit_list, ROUTE_QUERY},

    {HTTP_OTHER, NULL, NULL, 0},
};

const size_t routes_count = sizeof routes / sizeof routes[0] - 1;

const struct db_stmt *const routes_statements[] = {
    auth_statements,
    idem_statements,
    resource_statements,
    schools_statements,
    /* @statements:resources */
    hubs_statements,
    partnerships_statements,
    people_statements,
    audit_statements,
    privacy_statements,
    calendar_statements,
    conflicts_statements,
    unavailability_statements,
    api_keys_statements,
    jobs_statements,
    job_routes_statements,
    accreditations_statements,
    training_sessions_statements,
    reviews_statements,
    review_facts_statements,
    facts_statements,
    /* @statements:review-items */
    review_team_statements,
    evidence_statements,
    findings_statements,
    actions_statements,
    best_practices_statements,
    bookings_statements,
    waitlist_statements,
    digests_statements,
    review_plans_statements,
    webhooks_statements,
    notifications_statements,
    admin_statements,
    unsubscribe_statements,
    NULL,
};
