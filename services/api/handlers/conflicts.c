/* /v1/people/{id}/conflicts: declared conflicts of interest between a person and a school
 * (DESIGN §1.2). Only people declare and clear them, never automation. They belong to the
 * person: the caller must see the person; whoever manages the person's details (the person
 * itself included) may declare one, but the person concerned never clears one (403): that is
 * for the keys above them (school, partnership, hub, admin; SCOPE_CONFLICT). */

#include "handlers.h"
#include "subcollection.h"

/* The statements, by handle: the descriptor and the check name them by these indexes. */
enum {
    CONFLICT_SCHOOL_EXISTS,
    CONFLICT_INSERT,
    CONFLICT_GET,
    CONFLICT_DELETE,
    CONFLICT_STATEMENTS
};

const struct db_stmt conflicts_statements[] = {
    /* Existence only: a conflict may name a school outside the caller's scope (a former
     * employer in another partnership), so visibility is not asked. */
    [CONFLICT_SCHOOL_EXISTS] = {"conflict_school_exists",
                                "SELECT 1 FROM schools WHERE id = $school_id"},
    [CONFLICT_INSERT] = {"conflict_insert", "INSERT INTO conflicts (person_id, school_id, reason) "
                                            "VALUES ($person_id, $school_id, $reason) "
                                            "RETURNING conflict_json(conflicts)::text AS json, id"},
    [CONFLICT_GET] = {"conflict_get", "SELECT conflict_json(c)::text AS json FROM conflicts c "
                                      "WHERE c.id = $id AND c.person_id = $person_id"},
    [CONFLICT_DELETE] = {"conflict_delete",
                         "DELETE FROM conflicts WHERE id = $id AND person_id = $person_id"},
    [CONFLICT_STATEMENTS] = {NULL, NULL},
};

/* The writable fields are the insert's $<field> values. A conflict is declared or removed,
 * never edited, so it has no version. */
static const struct vfield conflict_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"person_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"school_id", V_UUID, V_REQUIRED, 0, NULL, 0, 0},
    /* Required text: not blank, at most 10,000 characters. */
    {"reason", V_NAME, V_REQUIRED, VALIDATE_TEXT_MAX, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* The school must exist (422 otherwise). A second declaration for the same school is refused
 * by conflicts_person_school_key: 409. */
static int conflict_check(struct req *r, struct subcollection_write *w)
{
    PGresult *res = req_db(r, &conflicts_statements[CONFLICT_SCHOOL_EXISTS],
                           DB_ARGS({"school_id", *subcollection_param(w, "school_id")}));
    if (!res)
        return -1;
    if (PQntuples(res) == 0) {
        req_invalid_field(r, "/school_id", "not_found", "names no school");
        return -1;
    }
    return 0;
}

static struct list_variants conflict_items_variants;

/* The list joins the person's chain so that the caller's scope holds here as in every other
 * list, although the handler has checked the person already. */
static const struct list_desc conflict_items =
    LIST_ITEMS("conflict_list", "conflict_json", "conflicts c" LIST_PERSON_JOINS("c"), "c",
               "c.person_id", LIST_SCOPE_PERSON, conflict_items_variants);

static const struct subcollection conflicts = {
    .owner = SUBCOLLECTION_OF_PERSON,
    .kind = SCOPE_CONFLICT,
    .item_param = "conflict_id",
    .fields = conflict_fields,
    .list = &conflict_items,
    .get = &conflicts_statements[CONFLICT_GET],
    .insert = &conflicts_statements[CONFLICT_INSERT],
    .remove = &conflicts_statements[CONFLICT_DELETE],
    .check = conflict_check,
};

void conflicts_list(struct req *r)
{
    subcollection_list(r, &conflicts);
}

void conflicts_create(struct req *r)
{
    subcollection_create(r, &conflicts);
}

/* GET of one conflict, so that the Location a create answers names something readable. */
void conflicts_get(struct req *r)
{
    subcollection_get(r, &conflicts);
}

void conflicts_delete(struct req *r)
{
    subcollection_delete(r, &conflicts);
}
