/* /v1/people/{id}/unavailability: dates a person cannot review or facilitate (DESIGN §1.2).
 * They belong to the person: the caller must see the person, and whoever manages the person's
 * details (the person itself included) may add and remove them. */
#include <string.h>

#include "handlers.h"
#include "subcollection.h"

/* The statements, by handle: the descriptor names them by these indexes. */
enum {
    UNAVAILABILITY_INSERT,
    UNAVAILABILITY_GET,
    UNAVAILABILITY_DELETE,
    UNAVAILABILITY_STATEMENTS
};

const struct db_stmt unavailability_statements[] = {
    [UNAVAILABILITY_INSERT] = {"unavailability_insert",
                               "INSERT INTO unavailability (person_id, from_on, to_on, reason) "
                               "VALUES ($person_id, $from_on, $to_on, $reason) "
                               "RETURNING unavailability_json(unavailability)::text AS json, id"},
    [UNAVAILABILITY_GET] = {"unavailability_get",
                            "SELECT unavailability_json(u)::text AS json FROM unavailability u "
                            "WHERE u.id = $id AND u.person_id = $person_id"},
    [UNAVAILABILITY_DELETE] = {"unavailability_delete", "DELETE FROM unavailability WHERE id = $id "
                                                        "AND person_id = $person_id"},
    [UNAVAILABILITY_STATEMENTS] = {NULL, NULL},
};

/* The writable fields are the insert's $<field> values. An unavailability is added or removed,
 * never edited, so it has no version. */
static const struct vfield unavailability_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"person_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"from_on", V_DATE, V_REQUIRED, 0, NULL, 0, 0},
    {"to_on", V_DATE, V_REQUIRED, 0, NULL, 0, 0},
    {"reason", V_TEXT, 0, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* The period runs forwards. Both are valid YYYY-MM-DD dates here, which compare as text in
 * calendar order. */
static int unavailability_check(struct req *r, struct subcollection_write *w)
{
    if (strcmp(*subcollection_param(w, "from_on"), *subcollection_param(w, "to_on")) > 0) {
        req_invalid_field(r, "/to_on", "dates_reversed", "must be on or after from_on");
        return -1;
    }
    return 0;
}

static struct list_variants unavailability_items_variants;

/* The list joins the person's chain so that the caller's scope holds here as in every other
 * list, although the handler has checked the person already. */
static const struct list_desc unavailability_items = LIST_ITEMS(
    "unavailability_list", "unavailability_json", "unavailability u" LIST_PERSON_JOINS("u"), "u",
    "u.person_id", LIST_SCOPE_PERSON, unavailability_items_variants);

static const struct subcollection unavailability = {
    .owner = SUBCOLLECTION_OF_PERSON,
    .kind = SCOPE_PERSON_DETAIL,
    .item_param = "unavailability_id",
    .fields = unavailability_fields,
    .list = &unavailability_items,
    .get = &unavailability_statements[UNAVAILABILITY_GET],
    .insert = &unavailability_statements[UNAVAILABILITY_INSERT],
    .remove = &unavailability_statements[UNAVAILABILITY_DELETE],
    .check = unavailability_check,
};

void unavailability_list(struct req *r)
{
    subcollection_list(r, &unavailability);
}

void unavailability_create(struct req *r)
{
    subcollection_create(r, &unavailability);
}

/* GET of one period, so that the Location a create answers names something readable. */
void unavailability_get(struct req *r)
{
    subcollection_get(r, &unavailability);
}

void unavailability_delete(struct req *r)
{
    subcollection_delete(r, &unavailability);
}
