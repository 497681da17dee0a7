/* The data generator (seed.h). How the rows keep the rules:
 *
 * - Partnerships hold 3–7 schools; schools beyond 7 per partnership stay outside any (as many
 *   do in England). Each school has 10–15 staff whose position decides their part: 0 the
 *   headteacher (the school's lead contact), 1–3 accredited peer reviewers (position 1 of the
 *   first school is the partnership lead), 4 an accredited improvement champion, 5 a peer
 *   reviewer whose award lapses within 60 days, 6 a trainee (courses past and future), 7–9
 *   other staff and action owners.
 * - Reviews of a partnership sit in distinct weekly slots: review k's visit starts on
 *   today + c + 7k (c in -6..-1, a Monday to Thursday) and lasts two days, its workshop is a
 *   fixed number of days later (a weekday), so no two visits or workshops of a partnership
 *   overlap and nobody is on two visits at once or runs two workshops on one day. Reviewers
 *   (positions 1–3) and champions (position 4) are different people, so a champion is never on
 *   a team nor recorded evidence. A review's status follows from its slot (seed_pattern), and
 *   every event lies before today.
 * - Team members come from distinct partner schools other than the host, skipping anyone with
 *   a declared conflict with the host; champions from a partner school other than the host.
 * - Reviewers and champions hold a recorded award from about two and a half years ago and an
 *   attended refresher from about a year ago, which together cover every visit and workshop
 *   date generated (valid_until and counts come from accreditation_evaluate, the API's rule).
 * - Declared unavailability falls on days of the week that no visit or workshop of the
 *   person's partnership uses.
 * - Sessions never exceed their capacity; booked_count counts booked, attended and no-show. */
#include "seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accreditation.h"
#include "buf.h"
#include "xalloc.h"

/* ---- hashing and ids ---- */

static uint64_t seed_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t seed_hash(uint64_t seed, unsigned tag, uint64_t index, unsigned salt)
{
    return seed_mix(seed_mix(seed_mix(seed) ^ ((uint64_t)tag << 32 | salt)) ^ index);
}

void seed_uuid(uint64_t seed, unsigned tag, uint64_t index, char out[37])
{
    uint64_t s = seed_mix(seed ^ 0x5eed5eed5eedULL) & 0xffffffffffULL;
    snprintf(out, 37, "5eed%04x-%04x-4%03x-8%03x-%012llx", tag & 0xffff,
             (unsigned)(s >> 24) & 0xffff, (unsigned)(s >> 12) & 0xfff, (unsigned)s & 0xfff,
             (unsigned long long)(index & 0xffffffffffffULL));
}

/* Table tags of the ids (the second group of four hex digits of "5eedTTTT"). */
enum {
    TAG_HUB = 1,
    TAG_PARTNERSHIP,
    TAG_SCHOOL,
    TAG_PERSON,
    TAG_SESSION,
    TAG_BOOKING,
    TAG_ACCREDITATION,
    TAG_CONFLICT,
    TAG_UNAVAILABILITY,
    TAG_REVIEW,
    TAG_TEAM,
    TAG_EVIDENCE,
    TAG_FINDING,
    TAG_ACTION,
    TAG_BEST_PRACTICE,
    TAG_EVENT,
};

/* ---- dates as day numbers (days since 1970-01-01) ---- */

/* 0 = Monday … 6 = Sunday. */
static int seed_weekday(int day)
{
    int w = (day + 3) % 7;
    return w < 0 ? w + 7 : w;
}

static int seed_mod7(int x)
{
    int r = x % 7;
    return r < 0 ? r + 7 : r;
}

/* ---- word lists ---- */

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const first_names[] = {
    "Amira",    "Tom",    "Grace",   "Helen",   "Daniel",  "Priya",   "Martin",  "Sophie",
    "Kwame",    "Rachel", "Ian",     "Nadia",   "Claire",  "Owen",    "Lucy",    "Steven",
    "Fatima",   "Ben",    "Sarah",   "James",   "Emma",    "David",   "Hannah",  "Mohammed",
    "Laura",    "Paul",   "Aisha",   "Richard", "Chloe",   "Gareth",  "Joanne",  "Imran",
    "Rebecca",  "Simon",  "Zainab",  "Andrew",  "Megan",   "Callum",  "Siobhan", "Rhys",
    "Katie",    "Neil",   "Yasmin",  "Michael", "Eleanor", "Jamal",   "Gemma",   "Stuart",
    "Anita",    "Peter",  "Olivia",  "Hamza",   "Nicola",  "Liam",    "Bethan",  "Tariq",
    "Victoria", "Craig",  "Leah",    "Samuel",  "Harriet", "Adebayo", "Natalie", "Connor",
    "Ruth",     "Ashok",  "Jessica", "Keith",   "Niamh",   "Oliver",  "Sunita",  "Jonathan"};

static const char *const surnames[] = {
    "Hussain",    "Pickersgill", "Okafor",   "Brierley",  "Walsh",     "Raman",       "Ackroyd",
    "Lund",       "Mensah",      "Oduya",    "Thackray",  "Begum",     "Fairweather", "Carter",
    "Marsh",      "Gould",       "Noor",     "Dobson",    "Smith",     "Jones",       "Taylor",
    "Brown",      "Williams",    "Wilson",   "Johnson",   "Davies",    "Robinson",    "Wright",
    "Thompson",   "Evans",       "Walker",   "White",     "Roberts",   "Green",       "Hall",
    "Wood",       "Jackson",     "Clarke",   "Patel",     "Khan",      "Lewis",       "Harrison",
    "Morris",     "Cooper",      "Ward",     "Hughes",    "Turner",    "Hill",        "Edwards",
    "Collins",    "Ahmed",       "Shah",     "Kaur",      "Singh",     "O'Brien",     "Murphy",
    "Kelly",      "MacDonald",   "Fraser",   "Nowak",     "Kowalski",  "Adeyemi",     "Owusu",
    "Chen",       "Nguyen",      "Baker",    "Parker",    "Bennett",   "Holmes",      "Bailey",
    "Atkinson",   "Booth",       "Haigh",    "Sutcliffe", "Greenwood", "Whitaker",    "Lister",
    "Ramsbottom", "Pennington",  "Armitage", "Hartley",   "Fletcher",  "Chapman",     "Ellis"};

/* Job titles of positions 7 and up (0–6 have their own). */
static const char *const job_titles[] = {"Year 6 Teacher",
                                         "Maths Lead",
                                         "English Lead",
                                         "SENDCo",
                                         "EYFS Lead",
                                         "Science Lead",
                                         "Head of Humanities",
                                         "Reading Lead",
                                         "Year 2 Teacher",
                                         "PE Lead",
                                         "Pastoral Lead",
                                         "Head of Year 9",
                                         "Computing Lead",
                                         "Music Teacher",
                                         "Attendance Officer",
                                         "Designated Safeguarding Lead",
                                         "Curriculum Lead",
                                         "Teaching Assistant",
                                         "School Business Manager",
                                         "Year 4 Teacher"};

struct seed_place {
    const char *name;
    const char *la;
    const char *postcode; /* the outward code's letters */
    const char *region;
};

/* Ordered by local authority, so that neighbours in the list share one. */
static const struct seed_place places[] = {
    {"Kirkstall", "Leeds", "LS", "Yorkshire and the Humber"},
    {"Bramley", "Leeds", "LS", "Yorkshire and the Humber"},
    {"Armley", "Leeds", "LS", "Yorkshire and the Humber"},
    {"Headingley", "Leeds", "LS", "Yorkshire and the Humber"},
    {"Roundhay", "Leeds", "LS", "Yorkshire and the Humber"},
    {"Idle", "Bradford", "BD", "Yorkshire and the Humber"},
    {"Shipley", "Bradford", "BD", "Yorkshire and the Humber"},
    {"Keighley", "Bradford", "BD", "Yorkshire and the Humber"},
    {"Bingley", "Bradford", "BD", "Yorkshire and the Humber"},
    {"Halifax", "Calderdale", "HX", "Yorkshire and the Humber"},
    {"Todmorden", "Calderdale", "OL", "Yorkshire and the Humber"},
    {"Hebden Bridge", "Calderdale", "HX", "Yorkshire and the Humber"},
    {"March", "Cambridgeshire", "PE", "East of England"},
    {"Wisbech", "Cambridgeshire", "PE", "East of England"},
    {"Ely", "Cambridgeshire", "CB", "East of England"},
    {"Chatteris", "Cambridgeshire", "PE", "East of England"},
    {"Ipswich", "Suffolk", "IP", "East of England"},
    {"Lowestoft", "Suffolk", "NR", "East of England"},
    {"Bury St Edmunds", "Suffolk", "IP", "East of England"},
    {"Sneinton", "Nottingham", "NG", "East Midlands"},
    {"Bulwell", "Nottingham", "NG", "East Midlands"},
    {"Clifton", "Nottingham", "NG", "East Midlands"},
    {"Belper", "Derbyshire", "DE", "East Midlands"},
    {"Matlock", "Derbyshire", "DE", "East Midlands"},
    {"Glossop", "Derbyshire", "SK", "East Midlands"},
    {"Handsworth", "Birmingham", "B", "West Midlands"},
    {"Erdington", "Birmingham", "B", "West Midlands"},
    {"Selly Oak", "Birmingham", "B", "West Midlands"},
    {"Sparkhill", "Birmingham", "B", "West Midlands"},
    {"Tipton", "Sandwell", "DY", "West Midlands"},
    {"Oldbury", "Sandwell", "B", "West Midlands"},
    {"Walkden", "Salford", "M", "North West"},
    {"Eccles", "Salford", "M", "North West"},
    {"Swinton", "Salford", "M", "North West"},
    {"Everton", "Liverpool", "L", "North West"},
    {"Toxteth", "Liverpool", "L", "North West"},
    {"Garston", "Liverpool", "L", "North West"},
    {"Kendal", "Westmorland and Furness", "LA", "North West"},
    {"Ulverston", "Westmorland and Furness", "LA", "North West"},
    {"Byker", "Newcastle upon Tyne", "NE", "North East"},
    {"Walker", "Newcastle upon Tyne", "NE", "North East"},
    {"Gosforth", "Newcastle upon Tyne", "NE", "North East"},
    {"Seaham", "County Durham", "SR", "North East"},
    {"Consett", "County Durham", "DH", "North East"},
    {"Bishop Auckland", "County Durham", "DL", "North East"},
    {"Hackney Wick", "Hackney", "E", "London"},
    {"Stoke Newington", "Hackney", "N", "London"},
    {"Peckham", "Southwark", "SE", "London"},
    {"Bermondsey", "Southwark", "SE", "London"},
    {"Tottenham", "Haringey", "N", "London"},
    {"Hornsey", "Haringey", "N", "London"},
    {"Deal", "Kent", "CT", "South East"},
    {"Margate", "Kent", "CT", "South East"},
    {"Ashford", "Kent", "TN", "South East"},
    {"Banbury", "Oxfordshire", "OX", "South East"},
    {"Bicester", "Oxfordshire", "OX", "South East"},
    {"Witney", "Oxfordshire", "OX", "South East"},
    {"Redruth", "Cornwall", "TR", "South West"},
    {"Bodmin", "Cornwall", "PL", "South West"},
    {"Penzance", "Cornwall", "TR", "South West"},
    {"Bedminster", "Bristol", "BS", "South West"},
    {"Filton", "South Gloucestershire", "BS", "South West"},
    {"Yeovil", "Somerset", "BA", "South West"},
    {"Frome", "Somerset", "BA", "South West"}};

static const char *const features[] = {
    "Road",      "Park",      "Moor",      "Vale",     "Fold",      "Hill",   "Green",
    "Bridge",    "Meadow",    "Brook",     "Fields",   "Lane",      "Grange", "Valley",
    "Heath",     "Common",    "Riverside", "Oaks",     "Woodlands", "Church", "Castle",
    "Abbey",     "Mill",      "Wharf",     "Priory",   "Gate",      "Cross",  "Well",
    "Croft",     "Manor",     "Beck",      "Edge",     "Hollins",   "Ings",   "Dale",
    "Westfield", "Eastbrook", "Northgate", "Southway", "Highfield"};

enum { PH_NURSERY, PH_PRIMARY, PH_SECONDARY, PH_ALL_THROUGH, PH_SPECIAL, PH_AP, PH_POST16 };

static const char *const phases[] = {"nursery",     "primary", "secondary",
                                     "all_through", "special", "alternative_provision",
                                     "post_16"};

/* The school's type word by phase, and its slug for the email domain. */
static const char *const school_types[] = {"Nursery School",    "Primary School",
                                           "High School",       "All-Through School",
                                           "Special School",    "Alternative Provision Academy",
                                           "Sixth Form College"};
static const char *const school_type_slugs[] = {"nursery", "primary",   "high",     "allthrough",
                                                "special", "apacademy", "sixthform"};

static const char *const partnership_kinds[] = {"mat", "teaching_school_alliance",
                                                "local_authority", "informal"};
static const char *const partnership_phases[] = {"build", "embed", "sustain"};

const char *const seed_statuses[9] = {"planning",   "scheduled", "in_review",
                                      "feedback",   "workshop",  "implementing",
                                      "reflecting", "completed", "cancelled"};
enum {
    ST_PLANNING,
    ST_SCHEDULED,
    ST_IN_REVIEW,
    ST_FEEDBACK,
    ST_WORKSHOP,
    ST_IMPLEMENTING,
    ST_REFLECTING,
    ST_COMPLETED,
    ST_CANCELLED
};

static const struct {
    const char *area;
    const char *focus;
} focuses[] = {
    {"our_impact", "How well do our pupils read for pleasure?"},
    {"our_impact", "How well do disadvantaged pupils achieve in mathematics?"},
    {"our_impact", "What difference does our tutoring make to pupils who fell behind?"},
    {"looking_forward", "How ready is our curriculum for the changes to the science GCSE?"},
    {"looking_forward", "How do we keep pupils attending as they move up to Year 7?"},
    {"looking_forward", "How well do we prepare pupils for their next stage at 16?"},
    {"looking_inward", "How consistently is feedback used to move learning on?"},
    {"looking_inward", "How well do our adaptations meet the needs of pupils with SEND?"},
    {"looking_inward", "How well does our early reading programme serve every pupil?"},
    {"looking_outward", "What can we learn from partner schools about parental engagement?"},
    {"looking_outward", "How do other schools in the partnership build oracy across subjects?"},
    {"looking_outward", "How do partner schools support staff wellbeing and workload?"}};

static const char *const self_reviews[] = {
    "Phonics strong in KS1; reading for pleasure weaker in KS2, especially for boys.",
    "Attainment gap narrowing in Year 6 but widening in Years 3 and 4.",
    "Staff survey shows feedback practice varies between departments.",
    "Attendance of persistent absentees improved, but not for pupils with SEND.",
    "Curriculum maps are in place; sequencing in foundation subjects is uneven.",
    "Parents value communication but few attend curriculum events."};

static const char *const evidence_kinds[] = {
    "lesson_observation", "work_scrutiny", "staff_interview", "pupil_interview", "external_source",
    "document",           "other"};
static const char *const evidence_summaries[] = {
    "Observed six lessons across KS2; questioning was strong, independent reading time short.",
    "Scrutiny of Year 5 books: feedback acted on in maths, less so in writing.",
    "Interviewed the reading lead and three class teachers about book choice.",
    "Year 5 readers: few choose books at home; most named a book read in class.",
    "Published attendance and outcomes data for the last three years.",
    "The school improvement plan and the curriculum map for English.",
    "Learning walk with the headteacher and two governors."};

static const char *const strengths[] = {
    "Pupils talk confidently about the books they read in class.",
    "Feedback in mathematics is timely and pupils act on it.",
    "Staff share a clear understanding of the curriculum's intent.",
    "Relationships between pupils and staff are warm and purposeful."};
static const char *const developments[] = {
    "Reading for pleasure is not yet a habit for many pupils in KS2.",
    "Feedback in writing is not consistently followed up.",
    "Sequencing in foundation subjects does not always build on prior learning.",
    "Adaptations for pupils with SEND vary from class to class."};
static const char *const questions[] = {
    "How might the library be used more during the school day?",
    "What would it take for every department to share one feedback approach?",
    "How could parents be involved earlier in the reading programme?"};

static const char *const action_texts[] = {
    "Timetable a weekly library hour in KS2",
    "Run a feedback moderation session each half term",
    "Review the history and geography sequence with the partner school's leads",
    "Set up a reading ambassadors scheme in Years 5 and 6",
    "Share adapted resources for pupils with SEND across year groups",
    "Invite parents to termly reading cafes"};

static const struct {
    const char *title;
    const char *description;
} practices[] = {
    {"Protect reading time", "A timetabled library hour raised borrowing across KS2."},
    {"Feedback that pupils act on", "Short, specific marking codes with time in the next lesson "
                                    "to respond."},
    {"Pupil voice in the curriculum", "Termly pupil panels review each subject's topics."},
    {"Reading ambassadors", "Older pupils recommend books to younger ones each week."},
    {"Shared moderation", "Teachers from three schools moderate writing together each term."},
    {"Parents as partners", "Reading cafes before school brought in parents who rarely came."}};

static const char *const impacts[] = {
    "Library borrowing doubled and reading surveys show more pupils reading at home.",
    "Pupils respond to feedback in most books; writing outcomes improved in Year 6.",
    "Foundation subject plans now build on prior learning in every year group.",
    "Attendance at parents' events rose from one in five families to one in two."};
static const char *const lessons[] = {"Timetable it, or it does not happen.",
                                      "Small changes made consistently beat large ones made once.",
                                      "Involve pupils early: they noticed what adults missed.",
                                      "Visiting a partner school was the turning point."};

static const char *const unavailability_reasons[] = {
    "Year 11 mock examinations", "Residential trip", "Ofsted inspection at own school",
    "Attending a conference", "Leading staff training days"};

/* ---- the model ---- */

struct sm_school {
    int part; /* -1: outside any partnership */
    int pos;  /* position in the partnership */
    long first_person;
    int npeople;
    int phase;
    int place, feature;
    int dup; /* 0, or the number added to the domain when another school has it */
};

struct sm_part {
    int hub; /* -1: no hub */
    long first_school;
    int nschools;
    int c, delta; /* the visit offset in -6..-1 and the workshop's extra days */
    long first_review;
    int nreviews;
    int place;
};

enum { C_PR, C_IC, C_PR_REF, C_IC_REF };
static const char *const courses[] = {"peer_reviewer", "improvement_champion",
                                      "peer_reviewer_refresher", "improvement_champion_refresher"};

struct sm_session {
    int group; /* a hub, or nhubs for the partnerships without one */
    int course;
    int day;
    int capacity;
    int booked;
};

enum { B_BOOKED, B_WAITLISTED, B_CANCELLED, B_ATTENDED, B_NO_SHOW };
static const char *const booking_statuses[] = {"booked", "waitlisted", "cancelled", "attended",
                                               "no_show"};

struct sm_booking {
    int session;
    long person;
    int status;
    int order; /* minutes after the first booking of the session, for created_at */
};

struct seed_model {
    struct seed_opts o;
    int today;
    int nhubs, nparts;
    long nschools, npeople, nreviews;
    struct sm_school *schools;
    struct sm_part *parts;
    struct sm_session *sessions;
    long nsessions, capsessions;
    struct sm_booking *bookings;
    long nbookings, capbookings;
    long *attended; /* per person: the booking it attended (refresher or first course), or -1 */
};

/* ---- the review slots ---- */

static const struct {
    int status;
    int k;
} seed_pattern[] = {
    {ST_SCHEDULED, 1},      {ST_IN_REVIEW, 0},     {ST_FEEDBACK, -1},      {ST_WORKSHOP, -2},
    {ST_IMPLEMENTING, -3},  {ST_PLANNING, 3},      {ST_COMPLETED, -18},    {ST_REFLECTING, -16},
    {ST_CANCELLED, 2},      {ST_IMPLEMENTING, -8}, {ST_PLANNING, 5},       {ST_COMPLETED, -24},
    {ST_IMPLEMENTING, -15}, {ST_SCHEDULED, 4},     {ST_COMPLETED, -30},    {ST_IMPLEMENTING, -12},
    {ST_PLANNING, 7},       {ST_COMPLETED, -36},   {ST_IMPLEMENTING, -17}, {ST_COMPLETED, -42}};

static void seed_slot(int i, int *status, int *k)
{
    if (i < N_OF(seed_pattern)) {
        *status = seed_pattern[i].status;
        *k = seed_pattern[i].k;
    } else {
        *status = ST_COMPLETED;
        *k = -48 - 3 * (i - N_OF(seed_pattern));
    }
}

/* Everything about one review, derived from its partnership and its index there. */
struct seed_review {
    long g; /* global index */
    int status, k;
    long host; /* school index */
    int visit, workshop, impl_due, created, completed, scheduled_on;
    int has_focus, has_self, has_team, nevidence, nfindings, nactions, npractices;
    int team_n;
    long team[3];
    long champion; /* -1 */
    int focus;
};

/* The school position (in the partnership) that person position pos at school position j
 * declares a conflict with, or -1. */
static int seed_conflict_with(int n, int j, int pos)
{
    if (pos == 3 && j % 2 == 0)
        return (j + 1) % n;
    if (pos == 7 && j % 3 == 0 && n >= 3)
        return (j + 2) % n;
    return -1;
}

static void seed_review_plan(const struct seed_model *m, int p, int i, struct seed_review *r)
{
    const struct sm_part *pa = &m->parts[p];
    int n = pa->nschools, T = m->today;
    memset(r, 0, sizeof *r);
    r->g = pa->first_review + i;
    seed_slot(i, &r->status, &r->k);
    int h = i % n;
    r->host = pa->first_school + h;
    r->visit = T + pa->c + 7 * r->k;
    r->workshop = r->visit + 15 - pa->c + pa->delta;
    r->impl_due = r->workshop + 90;
    r->created = r->visit - 60 < T - 3 ? r->visit - 60 : T - 3;
    r->scheduled_on = r->visit - 14 < T - 2 ? r->visit - 14 : T - 2;
    uint64_t hr = seed_hash(m->o.seed, TAG_REVIEW, (uint64_t)r->g, 1);
    r->focus = (int)(hr % N_OF(focuses));
    int s = r->status;
    r->has_focus = i != 10;
    r->has_self = s != ST_PLANNING || i == 16;
    r->has_team = s != ST_PLANNING || i == 5 || i == 16;
    r->nevidence = s == ST_IN_REVIEW
                       ? 1
                       : (s >= ST_FEEDBACK && s != ST_CANCELLED ? 3 + (int)((hr >> 8) % 2) : 0);
    r->nfindings = s >= ST_FEEDBACK && s != ST_CANCELLED ? 2 + (int)((hr >> 12) % 2) : 0;
    r->nactions = s >= ST_IMPLEMENTING && s != ST_CANCELLED ? 2 + (int)((hr >> 16) % 2) : 0;
    r->npractices = s >= ST_WORKSHOP && s != ST_CANCELLED ? 1 + (int)((hr >> 20) % 2) : 0;
    if (s == ST_COMPLETED) {
        r->completed = r->impl_due + 14 + (int)((hr >> 24) % 21);
        if (r->completed > T - 2)
            r->completed = T - 2;
        if (i == 6) /* one completion a day ago: news for today's digest */
            r->completed = T - 1;
    }
    r->champion = -1;
    if (r->has_team) {
        r->team_n = n - 1 < 3 ? n - 1 : 3;
        for (int t = 0; t < r->team_n; t++) {
            int sj = (h + 1 + (i + t) % (n - 1)) % n;
            int pos = 1 + (i / n + t) % 3;
            if (seed_conflict_with(n, sj, pos) == h)
                pos = 1 + pos % 3;
            r->team[t] = m->schools[pa->first_school + sj].first_person + pos;
        }
    }
    if (s >= ST_FEEDBACK && s != ST_CANCELLED) {
        int cj = (h + 1 + (i + 1) % (n - 1)) % n;
        r->champion = m->schools[pa->first_school + cj].first_person + 4;
    }
}

/* ---- building the model ---- */

static void seed_add_session(struct seed_model *m, int group, int course, int day, int cap)
{
    if (m->nsessions == m->capsessions) {
        m->capsessions = m->capsessions ? 2 * m->capsessions : 256;
        m->sessions = xrealloc(m->sessions, (size_t)m->capsessions * sizeof *m->sessions);
    }
    m->sessions[m->nsessions++] = (struct sm_session){group, course, day, cap, 0};
}

static void seed_add_booking(struct seed_model *m, long person, int status, int order)
{
    if (m->nbookings == m->capbookings) {
        m->capbookings = m->capbookings ? 2 * m->capbookings : 1024;
        m->bookings = xrealloc(m->bookings, (size_t)m->capbookings * sizeof *m->bookings);
    }
    int s = (int)m->nsessions - 1;
    m->bookings[m->nbookings++] = (struct sm_booking){s, person, status, order};
    if (status == B_BOOKED || status == B_ATTENDED || status == B_NO_SHOW)
        m->sessions[s].booked++;
    if (status == B_ATTENDED)
        m->attended[person] = m->nbookings - 1;
}

/* The people of one group (a hub's partnerships, or those without a hub) at person position
 * pos (or positions 1–3 when pos is -1), in school order. Returns how many; fills out. */
static long seed_group_people(const struct seed_model *m, int group, int pos, long *out)
{
    long n = 0;
    for (int p = 0; p < m->nparts; p++) {
        int g = m->parts[p].hub < 0 ? m->nhubs : m->parts[p].hub;
        if (g != group)
            continue;
        for (int j = 0; j < m->parts[p].nschools; j++) {
            long first = m->schools[m->parts[p].first_school + j].first_person;
            if (pos < 0) {
                for (int q = 1; q <= 3; q++)
                    out[n++] = first + q;
            } else {
                out[n++] = first + pos;
            }
        }
    }
    return n;
}

/* Past refresher sessions of 20 attendees each, spread over 120 days about a year ago. */
static void seed_refreshers(struct seed_model *m, int group, int course, const long *who, long n)
{
    if (n == 0)
        return;
    long nsess = (n + 19) / 20;
    for (long j = 0; j < nsess; j++) {
        seed_add_session(m, group, course, m->today - 420 + (int)((j * 120) / nsess), 24);
        for (long a = j * 20; a < n && a < (j + 1) * 20; a++)
            seed_add_booking(m, who[a], B_ATTENDED, (int)(a - j * 20));
    }
}

static void seed_sessions(struct seed_model *m)
{
    long cap = 3 * m->nschools + 16;
    long *who = xmalloc((size_t)cap * sizeof *who);
    for (int g = 0; g <= m->nhubs; g++) {
        long n = seed_group_people(m, g, -1, who);
        if (n == 0)
            continue;
        seed_refreshers(m, g, C_PR_REF, who, n);
        n = seed_group_people(m, g, 4, who);
        seed_refreshers(m, g, C_IC_REF, who, n);
        /* Trainees: the first half on a course two months ago (one did not come, one
         * cancelled), the second half booked on the next one, in two days (one cancelled), and
         * five of the first half on a champion course in a fortnight. */
        long nt = seed_group_people(m, g, 6, who), half = nt / 2 < 20 ? nt / 2 : 20;
        seed_add_session(m, g, C_PR, m->today - 60, 20);
        for (long t = 0; t < half; t++)
            seed_add_booking(m, who[t],
                             t == half - 1   ? B_CANCELLED
                             : t == half - 2 ? B_NO_SHOW
                                             : B_ATTENDED,
                             (int)t);
        seed_add_session(m, g, C_PR, m->today + 2, 20);
        for (long t = half; t < nt && t < half + 11; t++)
            seed_add_booking(m, who[t], t == half + 10 ? B_CANCELLED : B_BOOKED, (int)(t - half));
        seed_add_session(m, g, C_IC, m->today + 16, 16);
        for (long t = 0; t < half && t < 5; t++)
            seed_add_booking(m, who[t], B_BOOKED, (int)t);
        /* Lapsing reviewers fill a refresher, three on its waiting list. */
        long ne = seed_group_people(m, g, 5, who);
        seed_add_session(m, g, C_PR_REF, m->today + 30, 12);
        for (long e = 0; e < ne && e < 15; e++)
            seed_add_booking(m, who[e], e < 12 ? B_BOOKED : B_WAITLISTED, (int)e);
    }
    free(who);
}

/* FNV-1a of a string: the key of the domain table. */
static uint64_t seed_fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void seed_domain_base(int place, int feature, int phase, char *out, size_t len)
{
    char a[64], b[64];
    seed_slug(places[place].name, a, sizeof a);
    seed_slug(features[feature], b, sizeof b);
    snprintf(out, len, "%s%s-%s", a, b, school_type_slugs[phase]);
}

/* Gives every school whose domain another earlier school has a number (2, 3, …). */
static void seed_domains(struct seed_model *m)
{
    size_t cap = 1;
    while (cap < 4 * (size_t)m->nschools)
        cap <<= 1;
    uint64_t *keys = xcalloc(cap, sizeof *keys);
    int *counts = xcalloc(cap, sizeof *counts);
    char base[160];
    for (long s = 0; s < m->nschools; s++) {
        struct sm_school *sc = &m->schools[s];
        seed_domain_base(sc->place, sc->feature, sc->phase, base, sizeof base);
        uint64_t k = seed_fnv(base) | 1;
        size_t at = (size_t)k & (cap - 1);
        while (keys[at] && keys[at] != k)
            at = (at + 1) & (cap - 1);
        keys[at] = k;
        sc->dup = counts[at]++ ? counts[at] : 0;
    }
    free(keys);
    free(counts);
}

static int seed_school_phase(uint64_t h)
{
    int r = (int)(h % 100);
    if (r < 58)
        return PH_PRIMARY;
    if (r < 78)
        return PH_SECONDARY;
    if (r < 85)
        return PH_SPECIAL;
    if (r < 89)
        return PH_NURSERY;
    if (r < 93)
        return PH_ALL_THROUGH;
    if (r < 97)
        return PH_AP;
    return PH_POST16;
}

struct seed_model *seed_model_new(const struct seed_opts *opts, char *err, size_t errlen)
{
    struct seed_opts o = *opts;
    if (o.schools < 3 || o.schools > 1000000) {
        snprintf(err, errlen, "--schools must be 3 to 1000000");
        return NULL;
    }
    if (o.partnerships == 0)
        o.partnerships = o.schools / 8 > 0 ? o.schools / 8 : 1;
    if (o.partnerships < 1 || (long)o.partnerships * 3 > o.schools) {
        snprintf(err, errlen, "--partnerships must be 1 to %d (3 schools each at least)",
                 o.schools / 3);
        return NULL;
    }
    if (o.hubs == 0)
        o.hubs = o.partnerships / 25 > 0 ? o.partnerships / 25 : 1;
    if (o.hubs < 1 || o.hubs > o.partnerships) {
        snprintf(err, errlen, "--hubs must be 1 to %d", o.partnerships);
        return NULL;
    }
    if (o.accreditation_months < 1)
        o.accreditation_months = 24;
    struct seed_model *m = xcalloc(1, sizeof *m);
    m->o = o;
    m->today = (int)caldate_to_days(o.today);
    m->nhubs = o.hubs;
    m->nparts = o.partnerships;
    m->nschools = o.schools;
    m->parts = xcalloc((size_t)m->nparts, sizeof *m->parts);
    m->schools = xcalloc((size_t)m->nschools, sizeof *m->schools);

    /* Partnership sizes: 3–7 each; when the schools allow, every school is in one. */
    long sum = 0;
    for (int p = 0; p < m->nparts; p++) {
        m->parts[p].nschools = 3 + (int)(seed_hash(o.seed, TAG_PARTNERSHIP, (uint64_t)p, 1) % 5);
        sum += m->parts[p].nschools;
    }
    for (int p = 0; sum > o.schools; p = (p + 1) % m->nparts)
        if (m->parts[p].nschools > 3) {
            m->parts[p].nschools--;
            sum--;
        }
    if (o.schools <= 7L * m->nparts)
        for (int p = 0; sum < o.schools; p = (p + 1) % m->nparts)
            if (m->parts[p].nschools < 7) {
                m->parts[p].nschools++;
                sum++;
            }
    long s = 0, review = 0;
    for (int p = 0; p < m->nparts; p++) {
        struct sm_part *pa = &m->parts[p];
        uint64_t h = seed_hash(o.seed, TAG_PARTNERSHIP, (uint64_t)p, 2);
        /* Every tenth partnership (of more than ten) has no hub. */
        pa->hub = m->nparts > 10 && p % 10 == 9 ? -1 : p % m->nhubs;
        pa->first_school = s;
        pa->place = (int)(h % N_OF(places));
        /* c: a visit from Monday to Thursday; delta: a workshop on a weekday. */
        int cs[6], nc = 0;
        for (int c = -6; c <= -1; c++)
            if (seed_weekday(m->today + c) <= 3)
                cs[nc++] = c;
        pa->c = cs[(h >> 8) % (uint64_t)nc];
        int ds[3], nd = 0;
        for (int d = 0; d <= 2; d++)
            if (seed_weekday(m->today + 15 + d) <= 4)
                ds[nd++] = d;
        pa->delta = ds[(h >> 16) % (uint64_t)nd];
        pa->first_review = review;
        pa->nreviews = 4 * pa->nschools;
        review += pa->nreviews;
        for (int j = 0; j < pa->nschools; j++, s++) {
            m->schools[s].part = p;
            m->schools[s].pos = j;
            m->schools[s].place = (pa->place + j / 2) % N_OF(places);
        }
    }
    m->nreviews = review;
    long person = 0;
    for (long i = 0; i < m->nschools; i++) {
        struct sm_school *sc = &m->schools[i];
        uint64_t h = seed_hash(o.seed, TAG_SCHOOL, (uint64_t)i, 1);
        if (i >= s) {
            sc->part = -1;
            sc->place = (int)(h % N_OF(places));
        }
        sc->feature = (int)((h >> 16) % N_OF(features));
        sc->phase = seed_school_phase(h >> 32);
        sc->first_person = person;
        sc->npeople = 10 + (int)((h >> 40) % 6);
        person += sc->npeople;
    }
    m->npeople = person;
    seed_domains(m);
    m->attended = xmalloc((size_t)m->npeople * sizeof *m->attended);
    for (long i = 0; i < m->npeople; i++)
        m->attended[i] = -1;
    seed_sessions(m);
    return m;
}

void seed_model_free(struct seed_model *m)
{
    if (!m)
        return;
    free(m->parts);
    free(m->schools);
    free(m->sessions);
    free(m->bookings);
    free(m->attended);
    free(m);
}

/* ---- names ---- */

void seed_slug(const char *s, char *out, size_t outlen)
{
    size_t n = 0;
    for (; *s && n + 1 < outlen; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c >= 'a' && c <= 'z')
            out[n++] = c;
    }
    out[n] = '\0';
}

void seed_school_name(const struct seed_model *m, long school, char *name, size_t namelen,
                      char *domain, size_t domainlen)
{
    const struct sm_school *sc = &m->schools[school];
    snprintf(name, namelen, "%s %s %s", places[sc->place].name, features[sc->feature],
             school_types[sc->phase]);
    char base[160];
    seed_domain_base(sc->place, sc->feature, sc->phase, base, sizeof base);
    if (sc->dup)
        snprintf(domain, domainlen, "%s%d.example.org", base, sc->dup);
    else
        snprintf(domain, domainlen, "%s.example.org", base);
}

static void seed_raw_name(const struct seed_model *m, long person, const char **first,
                          const char **last)
{
    uint64_t h = seed_hash(m->o.seed, TAG_PERSON, (uint64_t)person, 1);
    *first = first_names[h % N_OF(first_names)];
    *last = surnames[(h >> 20) % N_OF(surnames)];
}

static void seed_local_part(const char *first, const char *last, char *out, size_t len)
{
    char l[64];
    seed_slug(last, l, sizeof l);
    snprintf(out, len, "%c.%s", first[0] - 'A' + 'a', l);
}

void seed_person_name(const struct seed_model *m, long school, int pos, char *name, size_t namelen,
                      char *email, size_t emaillen)
{
    const struct sm_school *sc = &m->schools[school];
    const char *first, *last;
    seed_raw_name(m, sc->first_person + pos, &first, &last);
    char local[96], other[96], sname[256], domain[200];
    seed_local_part(first, last, local, sizeof local);
    int same = 0;
    for (int q = 0; q < pos; q++) {
        const char *f2, *l2;
        seed_raw_name(m, sc->first_person + q, &f2, &l2);
        seed_local_part(f2, l2, other, sizeof other);
        same += !strcmp(local, other);
    }
    seed_school_name(m, school, sname, sizeof sname, domain, sizeof domain);
    snprintf(name, namelen, "%s %s", first, last);
    if (same)
        snprintf(email, emaillen, "%s%d@%s", local, same + 1, domain);
    else
        snprintf(email, emaillen, "%s@%s", local, domain);
}

/* ---- emitting ---- */

struct seed_out {
    struct buf b;
    seed_write_fn write;
    void *ctx;
    int failed;
    long rows;
};

static void out_row_end(struct seed_out *w)
{
    buf_putc(&w->b, '\n');
    w->rows++;
    if (w->b.len >= (1 << 18) && !w->failed) {
        if (w->write(w->ctx, w->b.data, w->b.len))
            w->failed = 1;
        w->b.len = 0;
        w->b.data[0] = '\0';
    }
}

static void out_flush(struct seed_out *w)
{
    if (w->b.len && !w->failed && w->write(w->ctx, w->b.data, w->b.len))
        w->failed = 1;
    w->b.len = 0;
}

static void out_id(struct seed_out *w, const struct seed_model *m, unsigned tag, long idx)
{
    char id[37];
    seed_uuid(m->o.seed, tag, (uint64_t)idx, id);
    buf_append(&w->b, id, 36);
}

static void out_tab(struct seed_out *w)
{
    buf_putc(&w->b, '\t');
}

static void out_null(struct seed_out *w)
{
    buf_append(&w->b, "\\N", 2);
}

/* Text for COPY: the lists hold no tab, newline or backslash, so nothing needs escaping. */
static void out_s(struct seed_out *w, const char *s)
{
    buf_puts(&w->b, s);
}

static void out_date(struct seed_out *w, int day)
{
    char d[16];
    caldate_format(caldate_from_days(day), d);
    buf_puts(&w->b, d);
}

/* A UTC timestamp: day at minute-of-day. */
static void out_ts(struct seed_out *w, int day, int minute)
{
    struct caldate c = caldate_from_days(day);
    buf_printf(&w->b, "%04d-%02d-%02d %02d:%02d:00+00", c.y, c.m, c.d, minute / 60, minute % 60);
}

/* created_at and updated_at, the same. */
static void out_ts2(struct seed_out *w, int day, int minute)
{
    out_ts(w, day, minute);
    out_tab(w);
    out_ts(w, day, minute);
}

static void emit_hubs(const struct seed_model *m, struct seed_out *w)
{
    for (int hb = 0; hb < m->nhubs; hb++) {
        int place = -1;
        for (int p = hb; p < m->nparts; p += m->nhubs)
            if (m->parts[p].hub == hb) {
                place = m->parts[p].place;
                break;
            }
        if (place < 0)
            place = hb % N_OF(places);
        char slug[64];
        seed_slug(places[place].name, slug, sizeof slug);
        out_id(w, m, TAG_HUB, hb);
        /* A number only where the list of places has run out (hubs beyond the 64th). */
        if (hb < N_OF(places))
            buf_printf(&w->b, "\t%s SPP Hub", places[place].name);
        else
            buf_printf(&w->b, "\t%s SPP Hub %d", places[place].name, hb / N_OF(places) + 1);
        buf_printf(&w->b, "\t%s\thub@%s%d-spp.example.org\t", places[place].region, slug, hb + 1);
        out_ts2(w, m->today - 900, 9 * 60);
        out_row_end(w);
    }
}

static void emit_partnerships(const struct seed_model *m, struct seed_out *w)
{
    static const char *const kind_names[] = {"Learning Trust", "Teaching School Alliance",
                                             "Schools Partnership", "Schools Collaborative"};
    for (int p = 0; p < m->nparts; p++) {
        const struct sm_part *pa = &m->parts[p];
        uint64_t h = seed_hash(m->o.seed, TAG_PARTNERSHIP, (uint64_t)p, 3);
        int kind = p % 4, phase = (int)(h % 3);
        out_id(w, m, TAG_PARTNERSHIP, p);
        /* Names repeat across England (as they do); a number tells repeats apart. */
        buf_printf(&w->b, "\t%s %s", kind == 2 ? places[pa->place].la : places[pa->place].name,
                   kind_names[kind]);
        if (p >= 4 * N_OF(places))
            buf_printf(&w->b, " %d", p / (4 * N_OF(places)) + 1);
        buf_printf(&w->b, "\t%s\t", partnership_kinds[kind]);
        if (pa->hub < 0)
            out_null(w);
        else
            out_id(w, m, TAG_HUB, pa->hub);
        buf_printf(&w->b, "\t%s\t", partnership_phases[phase]);
        out_date(w, m->today - 60 - phase * 365 - (int)((h >> 8) % 200));
        /* One partnership in twenty has switched its digest off. */
        buf_printf(&w->b, "\t%s\tEurope/London\t", p % 20 == 19 ? "f" : "t");
        out_ts2(w, m->today - 800, 10 * 60);
        out_row_end(w);
    }
}

static void emit_schools(const struct seed_model *m, struct seed_out *w)
{
    char name[256], domain[200];
    for (long i = 0; i < m->nschools; i++) {
        const struct sm_school *sc = &m->schools[i];
        uint64_t h = seed_hash(m->o.seed, TAG_SCHOOL, (uint64_t)i, 2);
        seed_school_name(m, i, name, sizeof name, domain, sizeof domain);
        out_id(w, m, TAG_SCHOOL, i);
        buf_printf(&w->b, "\t%07ld\t%s\t%s\t%s\t%s%d %d%c%c\t", 8000000L + i, name,
                   phases[sc->phase], places[sc->place].la, places[sc->place].postcode,
                   1 + (int)(h % 28), (int)((h >> 8) % 10), 'A' + (int)((h >> 16) % 26),
                   'A' + (int)((h >> 24) % 26));
        if (sc->part < 0)
            out_null(w);
        else
            out_id(w, m, TAG_PARTNERSHIP, sc->part);
        out_tab(w);
        out_ts2(w, m->today - 800, 11 * 60);
        out_row_end(w);
    }
}

static const char *seed_job_title(const struct seed_model *m, long school, int pos)
{
    static const char *const fixed[] = {"Headteacher",
                                        "Deputy Headteacher",
                                        "Assistant Headteacher",
                                        "Head of English",
                                        "Assistant Headteacher (Curriculum)",
                                        "Head of Maths",
                                        "Early Career Teacher"};
    if (pos == 0 && m->schools[school].phase == PH_POST16)
        return "Principal";
    if (pos < N_OF(fixed))
        return fixed[pos];
    uint64_t h =
        seed_hash(m->o.seed, TAG_PERSON, (uint64_t)(m->schools[school].first_person + pos), 2);
    return job_titles[h % N_OF(job_titles)];
}

static void emit_people(const struct seed_model *m, struct seed_out *w)
{
    char name[160], email[320];
    for (long s = 0; s < m->nschools; s++) {
        const struct sm_school *sc = &m->schools[s];
        for (int pos = 0; pos < sc->npeople; pos++) {
            long person = sc->first_person + pos;
            uint64_t h = seed_hash(m->o.seed, TAG_PERSON, (uint64_t)person, 3);
            seed_person_name(m, s, pos, name, sizeof name, email, sizeof email);
            out_id(w, m, TAG_PERSON, person);
            out_tab(w);
            out_id(w, m, TAG_SCHOOL, s);
            buf_printf(&w->b, "\t%s\t%s\t%s\t%s\t", name, email, seed_job_title(m, s, pos),
                       pos >= 6 && h % 9 == 0 ? "f" : "t");
            buf_printf(&w->b,
                       "{\"review_visit_7d\": true, \"review_visit_1d\": true, "
                       "\"workshop_3d\": true, \"action_due_7d\": true, \"action_overdue\": %s, "
                       "\"impact_reflection_due\": true, \"training_2d\": true, "
                       "\"review_planning_6w\": true}\t",
                       pos == 8 && (h >> 8) % 7 == 0 ? "false" : "true");
            out_ts2(w, m->today - 790, 9 * 60 + pos);
            out_row_end(w);
        }
    }
}

static void emit_leads(const struct seed_model *m, struct seed_out *w)
{
    for (long s = 0; s < m->nschools; s++) {
        out_s(w, "s\t");
        out_id(w, m, TAG_SCHOOL, s);
        out_tab(w);
        out_id(w, m, TAG_PERSON, m->schools[s].first_person);
        out_row_end(w);
    }
    for (int p = 0; p < m->nparts; p++) {
        out_s(w, "p\t");
        out_id(w, m, TAG_PARTNERSHIP, p);
        out_tab(w);
        out_id(w, m, TAG_PERSON, m->schools[m->parts[p].first_school].first_person + 1);
        out_row_end(w);
    }
}

static void emit_sessions(const struct seed_model *m, struct seed_out *w)
{
    for (long i = 0; i < m->nsessions; i++) {
        const struct sm_session *se = &m->sessions[i];
        out_id(w, m, TAG_SESSION, i);
        buf_printf(&w->b, "\t%s\t", courses[se->course]);
        out_ts(w, se->day, 9 * 60);
        out_tab(w);
        out_ts(w, se->day, 15 * 60 + 30);
        if (se->group == m->nhubs) {
            out_s(w, "\tOnline (Microsoft Teams)");
        } else {
            int place = -1;
            for (int p = se->group; p < m->nparts; p += m->nhubs)
                if (m->parts[p].hub == se->group) {
                    place = m->parts[p].place;
                    break;
                }
            buf_printf(&w->b, "\t%s Teaching Hub, %s", places[place < 0 ? 0 : place].name,
                       places[place < 0 ? 0 : place].la);
        }
        buf_printf(&w->b, "\t%d\t", se->capacity);
        if (se->group == m->nhubs)
            out_null(w);
        else
            out_id(w, m, TAG_HUB, se->group);
        buf_printf(&w->b, "\t%d\t", se->booked);
        out_ts2(w, se->day - 90 < m->today - 1 ? se->day - 90 : m->today - 1, 8 * 60);
        out_row_end(w);
    }
}

static void emit_bookings(const struct seed_model *m, struct seed_out *w)
{
    for (long i = 0; i < m->nbookings; i++) {
        const struct sm_booking *b = &m->bookings[i];
        const struct sm_session *se = &m->sessions[b->session];
        int made = se->day - 40 < m->today - 2 ? se->day - 40 : m->today - 2;
        /* A course's outcome is recorded on its day; a cancellation a week after booking. */
        int changed = b->status == B_ATTENDED || b->status == B_NO_SHOW ? se->day
                      : b->status == B_CANCELLED                        ? made + 7
                                                                        : made;
        if (changed > m->today - 1)
            changed = m->today - 1;
        out_id(w, m, TAG_BOOKING, i);
        out_tab(w);
        out_id(w, m, TAG_SESSION, b->session);
        out_tab(w);
        out_id(w, m, TAG_PERSON, b->person);
        buf_printf(&w->b, "\t%s\t%d\t", booking_statuses[b->status], changed == made ? 1 : 2);
        out_ts(w, made, 8 * 60 + b->order);
        out_tab(w);
        out_ts(w, changed, changed == made ? 8 * 60 + b->order : 16 * 60 + b->order);
        out_row_end(w);
    }
}

/* The awards of person (school s, position pos): up to 3, as the API would hold them. */
struct seed_award {
    int role; /* enum accreditation_role */
    int source_training;
    int refresher;
    int day;
    long booking; /* -1 for recorded */
    struct caldate valid_until;
    int counts;
};

static int seed_awards(const struct seed_model *m, long s, int pos, struct seed_award *out)
{
    const struct sm_school *sc = &m->schools[s];
    if (sc->part < 0)
        return 0;
    long person = sc->first_person + pos;
    uint64_t h = seed_hash(m->o.seed, TAG_ACCREDITATION, (uint64_t)person, 1);
    int n = 0;
    if ((pos >= 1 && pos <= 4) || pos == 5) {
        int role = pos == 4 ? ACCR_IMPROVEMENT_CHAMPION : ACCR_PEER_REVIEWER;
        int day;
        if (pos == 5) /* lapsing within 60 days */
            day = (int)caldate_to_days(caldate_add_months(m->o.today, -m->o.accreditation_months)) +
                  1 + (int)(h % 60);
        else
            day = m->today - 760 - (int)(h % 150);
        out[n++] = (struct seed_award){role, 0, 0, day, -1, {0, 0, 0}, 0};
    }
    long b = m->attended[person];
    if (b >= 0) {
        const struct sm_session *se = &m->sessions[m->bookings[b].session];
        int refresher = 0;
        enum accreditation_role role = accreditation_course_role(courses[se->course], &refresher);
        out[n++] = (struct seed_award){(int)role, 1, refresher, se->day, b, {0, 0, 0}, 0};
    }
    struct accreditation_award aw[3];
    for (int i = 0; i < n; i++) {
        aw[i].kind = out[i].source_training ? (out[i].refresher ? ACCR_REFRESHER : ACCR_INITIAL)
                                            : ACCR_RECORDED;
        aw[i].on = caldate_from_days(out[i].day);
    }
    /* Every award of one person here is in one role. */
    accreditation_evaluate(aw, (size_t)n, m->o.accreditation_months);
    for (int i = 0; i < n; i++) {
        out[i].valid_until = aw[i].valid_until;
        out[i].counts = aw[i].counts;
    }
    return n;
}

static void emit_accreditations(const struct seed_model *m, struct seed_out *w)
{
    static const char *const notes[] = {"Trained by the previous SPP provider",
                                        "Accredited through the Teaching School Hub",
                                        "Imported from the partnership's records"};
    struct seed_award a[3];
    char d[16];
    for (long s = 0; s < m->nschools; s++) {
        for (int pos = 0; pos < m->schools[s].npeople; pos++) {
            long person = m->schools[s].first_person + pos;
            int n = seed_awards(m, s, pos, a);
            for (int i = 0; i < n; i++) {
                out_id(w, m, TAG_ACCREDITATION, person * 4 + i);
                out_tab(w);
                out_id(w, m, TAG_PERSON, person);
                buf_printf(&w->b, "\t%s\t%s\t%s\t", accreditation_role_name(a[i].role),
                           a[i].source_training ? "training" : "recorded",
                           a[i].refresher ? "t" : "f");
                out_date(w, a[i].day);
                caldate_format(a[i].valid_until, d);
                buf_printf(&w->b, "\t%s\t%s\t", d, a[i].counts ? "t" : "f");
                if (a[i].booking >= 0) {
                    out_id(w, m, TAG_BOOKING, a[i].booking);
                    out_tab(w);
                    out_id(w, m, TAG_SESSION, m->bookings[a[i].booking].session);
                    out_s(w, "\t\\N\t");
                    out_ts(w, a[i].day, 16 * 60);
                } else {
                    buf_printf(&w->b, "\\N\t\\N\t%s\t", notes[person % 3]);
                    out_ts(w, m->today - 700, 10 * 60 + pos);
                }
                out_row_end(w);
            }
        }
    }
}

static void emit_conflicts(const struct seed_model *m, struct seed_out *w)
{
    char name[256], domain[200];
    for (int p = 0; p < m->nparts; p++) {
        const struct sm_part *pa = &m->parts[p];
        for (int j = 0; j < pa->nschools; j++) {
            for (int pos = 3; pos <= 7; pos += 4) {
                int with = seed_conflict_with(pa->nschools, j, pos);
                if (with < 0)
                    continue;
                long person = m->schools[pa->first_school + j].first_person + pos;
                seed_school_name(m, pa->first_school + with, name, sizeof name, domain,
                                 sizeof domain);
                out_id(w, m, TAG_CONFLICT, person);
                out_tab(w);
                out_id(w, m, TAG_PERSON, person);
                out_tab(w);
                out_id(w, m, TAG_SCHOOL, pa->first_school + with);
                buf_printf(&w->b,
                           pos == 3 ? "\tFormer employer: taught at %s until 2023\t"
                                    : "\tGovernor at %s\t",
                           name);
                out_ts(w, m->today - 200 - (int)(person % 100), 13 * 60);
                out_row_end(w);
            }
        }
    }
}

static void emit_unavailability(const struct seed_model *m, struct seed_out *w)
{
    for (int p = 0; p < m->nparts; p++) {
        const struct sm_part *pa = &m->parts[p];
        /* Days (relative to today, mod 7) that a visit or a workshop of this partnership
         * uses. */
        int busy[7] = {0};
        busy[seed_mod7(pa->c)] = busy[seed_mod7(pa->c + 1)] = 1;
        busy[seed_mod7(15 + pa->delta)] = 1;
        int from = -1, len = 1;
        for (int x = 10; x < 17 && from < 0; x++)
            if (!busy[x % 7] && !busy[(x + 1) % 7] && seed_weekday(m->today + x) <= 3) {
                from = x;
                len = 2;
            }
        for (int x = 10; x < 17 && from < 0; x++)
            if (!busy[x % 7] && seed_weekday(m->today + x) <= 4)
                from = x;
        if (from < 0)
            continue;
        for (int j = 0; j < pa->nschools; j++) {
            int pos = j % 2 == 1 ? 1 : j % 3 == 1 ? 4 : -1;
            if (pos < 0)
                continue;
            long person = m->schools[pa->first_school + j].first_person + pos;
            out_id(w, m, TAG_UNAVAILABILITY, person);
            out_tab(w);
            out_id(w, m, TAG_PERSON, person);
            out_tab(w);
            out_date(w, m->today + from);
            out_tab(w);
            out_date(w, m->today + from + len - 1);
            buf_printf(&w->b, "\t%s\t",
                       unavailability_reasons[person % N_OF(unavailability_reasons)]);
            out_ts(w, m->today - 20 - (int)(person % 10), 12 * 60);
            out_row_end(w);
        }
    }
}

/* The transitions of a review, oldest first: to-status and time (day, minute). */
struct seed_step {
    int to;
    int day, minute;
    int champion; /* a champion.assigned event rather than a transition */
};

static int seed_steps(const struct seed_model *m, const struct seed_review *r, struct seed_step *st)
{
    int n = 0, s = r->status;
    if (s == ST_PLANNING)
        return 0;
    st[n++] = (struct seed_step){ST_SCHEDULED, r->scheduled_on, 10 * 60, 0};
    if (s == ST_CANCELLED) {
        st[n++] = (struct seed_step){ST_CANCELLED, m->today - 1, 16 * 60, 0};
        return n;
    }
    if (s >= ST_IN_REVIEW)
        st[n++] = (struct seed_step){ST_IN_REVIEW, r->visit, 8 * 60 + 30, 0};
    if (s >= ST_FEEDBACK) {
        st[n++] = (struct seed_step){ST_FEEDBACK, r->visit + 2, 15 * 60, 0};
        st[n++] = (struct seed_step){-1, r->visit + 2, 15 * 60 + 5, 1};
    }
    if (s >= ST_WORKSHOP)
        st[n++] = (struct seed_step){ST_WORKSHOP, r->workshop - 4, 10 * 60, 0};
    if (s >= ST_IMPLEMENTING)
        st[n++] = (struct seed_step){ST_IMPLEMENTING, r->workshop + 2, 11 * 60, 0};
    if (s >= ST_REFLECTING)
        st[n++] = (struct seed_step){ST_REFLECTING, r->impl_due + 1, 9 * 60 + 30, 0};
    if (s >= ST_COMPLETED)
        st[n++] = (struct seed_step){ST_COMPLETED, r->completed, 15 * 60, 0};
    return n;
}

static void emit_reviews(const struct seed_model *m, struct seed_out *w)
{
    struct seed_review r;
    struct seed_step st[12];
    for (int p = 0; p < m->nparts; p++) {
        for (int i = 0; i < m->parts[p].nreviews; i++) {
            seed_review_plan(m, p, i, &r);
            int n = seed_steps(m, &r, st), s = r.status;
            uint64_t h = seed_hash(m->o.seed, TAG_REVIEW, (uint64_t)r.g, 2);
            out_id(w, m, TAG_REVIEW, r.g);
            out_tab(w);
            out_id(w, m, TAG_SCHOOL, r.host);
            out_tab(w);
            out_id(w, m, TAG_PARTNERSHIP, p);
            if (r.has_focus)
                buf_printf(&w->b, "\t%s\t%s\t", focuses[r.focus].focus, focuses[r.focus].area);
            else
                out_s(w, "\t\\N\t\\N\t");
            buf_printf(&w->b, "%s\t", seed_statuses[s]);
            if (r.has_self)
                out_s(w, self_reviews[h % N_OF(self_reviews)]);
            else
                out_null(w);
            out_tab(w);
            out_date(w, r.visit);
            out_tab(w);
            out_date(w, r.visit + 1);
            out_tab(w);
            if (s >= ST_FEEDBACK && s != ST_CANCELLED)
                out_date(w, r.workshop);
            else
                out_null(w);
            out_tab(w);
            if (s >= ST_IMPLEMENTING && s != ST_CANCELLED)
                out_date(w, r.impl_due);
            else
                out_null(w);
            out_tab(w);
            if (s == ST_COMPLETED || (s == ST_REFLECTING && h % 2))
                out_s(w, impacts[(h >> 8) % N_OF(impacts)]);
            else
                out_null(w);
            out_tab(w);
            if (s == ST_COMPLETED)
                out_s(w, lessons[(h >> 16) % N_OF(lessons)]);
            else
                out_null(w);
            out_tab(w);
            if (r.champion >= 0)
                out_id(w, m, TAG_PERSON, r.champion);
            else
                out_null(w);
            buf_printf(&w->b, "\t%d\t", 1 + n);
            out_ts(w, r.created, 9 * 60 + 15);
            out_tab(w);
            if (n)
                out_ts(w, st[n - 1].day, st[n - 1].minute);
            else
                out_ts(w, r.created, 9 * 60 + 15);
            out_row_end(w);
        }
    }
}

static void emit_team(const struct seed_model *m, struct seed_out *w)
{
    struct seed_review r;
    for (int p = 0; p < m->nparts; p++)
        for (int i = 0; i < m->parts[p].nreviews; i++) {
            seed_review_plan(m, p, i, &r);
            for (int t = 0; t < r.team_n; t++) {
                out_id(w, m, TAG_TEAM, r.g * 4 + t);
                out_tab(w);
                out_id(w, m, TAG_REVIEW, r.g);
                out_tab(w);
                out_id(w, m, TAG_PERSON, r.team[t]);
                out_s(w, t == 0 ? "\tlead_reviewer\t" : "\tpeer_reviewer\t");
                out_ts2(w, r.created + 1, 10 * 60 + t);
                out_row_end(w);
            }
        }
}

static void emit_evidence(const struct seed_model *m, struct seed_out *w)
{
    struct seed_review r;
    for (int p = 0; p < m->nparts; p++)
        for (int i = 0; i < m->parts[p].nreviews; i++) {
            seed_review_plan(m, p, i, &r);
            for (int e = 0; e < r.nevidence; e++) {
                int kind = (int)((r.g * 3 + e) % N_OF(evidence_kinds));
                out_id(w, m, TAG_EVIDENCE, r.g * 8 + e);
                out_tab(w);
                out_id(w, m, TAG_REVIEW, r.g);
                buf_printf(&w->b, "\t%s\t%s\t", evidence_kinds[kind], evidence_summaries[kind]);
                if (kind == 4)
                    buf_printf(&w->b, "https://data.example.org/schools/%07ld", 8000000L + r.host);
                else if (kind == 5)
                    buf_printf(&w->b, "https://docs.example.org/review/%ld/plan.pdf", r.g);
                else
                    out_null(w);
                out_tab(w);
                out_id(w, m, TAG_PERSON, r.team[e % r.team_n]);
                out_tab(w);
                out_ts2(w, r.visit, 11 * 60 + 40 * e);
                out_row_end(w);
            }
        }
}

static void emit_findings(const struct seed_model *m, struct seed_out *w)
{
    struct seed_review r;
    char id[37];
    for (int p = 0; p < m->nparts; p++)
        for (int i = 0; i < m->parts[p].nreviews; i++) {
            seed_review_plan(m, p, i, &r);
            for (int f = 0; f < r.nfindings; f++) {
                uint64_t h = seed_hash(m->o.seed, TAG_FINDING, (uint64_t)(r.g * 4 + f), 1);
                out_id(w, m, TAG_FINDING, r.g * 4 + f);
                out_tab(w);
                out_id(w, m, TAG_REVIEW, r.g);
                if (f == 0)
                    buf_printf(&w->b, "\tstrength\t%s\t{", strengths[h % N_OF(strengths)]);
                else if (f == 1)
                    buf_printf(&w->b, "\tarea_for_development\t%s\t{",
                               developments[h % N_OF(developments)]);
                else
                    buf_printf(&w->b, "\tquestion\t%s\t{", questions[h % N_OF(questions)]);
                /* Each finding cites one or two of the review's evidence items. */
                int e1 = f % r.nevidence, e2 = (f + 1) % r.nevidence;
                seed_uuid(m->o.seed, TAG_EVIDENCE, (uint64_t)(r.g * 8 + e1), id);
                out_s(w, id);
                if (e2 != e1 && f != 2) {
                    seed_uuid(m->o.seed, TAG_EVIDENCE, (uint64_t)(r.g * 8 + e2), id);
                    buf_putc(&w->b, ',');
                    out_s(w, id);
                }
                out_s(w, "}\t");
                out_ts2(w, r.visit + 1, 14 * 60 + 10 * f);
                out_row_end(w);
            }
        }
}

static void emit_actions(const struct seed_model *m, struct seed_out *w)
{
    static const int owner_pos[] = {2, 7, 8};
    struct seed_review r;
    for (int p = 0; p < m->nparts; p++)
        for (int i = 0; i < m->parts[p].nreviews; i++) {
            seed_review_plan(m, p, i, &r);
            for (int a = 0; a < r.nactions; a++) {
                uint64_t h = seed_hash(m->o.seed, TAG_ACTION, (uint64_t)(r.g * 4 + a), 1);
                int due = r.workshop + 20 + 25 * a;
                const char *status;
                if (r.status == ST_COMPLETED)
                    status = a == 2 && h % 3 == 0 ? "dropped" : "done";
                else if (r.status == ST_REFLECTING)
                    status = "done";
                else if (due < m->today)
                    status = a == 0 ? "open" : "done";
                else
                    status = a % 2 ? "in_progress" : "open";
                out_id(w, m, TAG_ACTION, r.g * 4 + a);
                out_tab(w);
                out_id(w, m, TAG_REVIEW, r.g);
                buf_printf(&w->b, "\t%s\t", action_texts[(r.g + a) % N_OF(action_texts)]);
                out_id(w, m, TAG_PERSON, m->schools[r.host].first_person + owner_pos[a]);
                out_tab(w);
                out_date(w, due);
                buf_printf(&w->b, "\t%s\t", status);
                out_ts2(w, r.workshop, 15 * 60 + a);
                out_row_end(w);
            }
        }
}

static void emit_best_practices(const struct seed_model *m, struct seed_out *w)
{
    struct seed_review r;
    for (int p = 0; p < m->nparts; p++)
        for (int i = 0; i < m->parts[p].nreviews; i++) {
            seed_review_plan(m, p, i, &r);
            int made = r.workshop < m->today - 1 ? r.workshop : m->today - 1;
            for (int b = 0; b < r.npractices; b++) {
                int k = (int)((r.g + b) % N_OF(practices));
                out_id(w, m, TAG_BEST_PRACTICE, r.g * 2 + b);
                out_tab(w);
                out_id(w, m, TAG_REVIEW, r.g);
                buf_printf(&w->b, "\t%s\t%s\t", practices[k].title, practices[k].description);
                if (r.status == ST_COMPLETED)
                    out_ts(w, r.completed, 15 * 60);
                else
                    out_null(w);
                out_tab(w);
                out_ts(w, made, 16 * 60 + b);
                out_tab(w);
                if (r.status == ST_COMPLETED)
                    out_ts(w, r.completed, 15 * 60);
                else
                    out_ts(w, made, 16 * 60 + b);
                out_row_end(w);
            }
        }
}

static void emit_events(const struct seed_model *m, struct seed_out *w)
{
    static const char *const cancel_reasons[] = {
        "The host school is closing for building works; to be rearranged next term",
        "Headteacher on long-term leave; the governors asked to postpone",
        "Clashes with an Ofsted inspection; rearranging"};
    struct seed_review r;
    struct seed_step st[12];
    for (int p = 0; p < m->nparts; p++)
        for (int i = 0; i < m->parts[p].nreviews; i++) {
            seed_review_plan(m, p, i, &r);
            int n = seed_steps(m, &r, st), from = ST_PLANNING;
            for (int e = 0; e < n; e++) {
                out_id(w, m, TAG_EVENT, r.g * 16 + e);
                out_tab(w);
                out_id(w, m, TAG_REVIEW, r.g);
                if (st[e].champion) {
                    out_s(w, "\tchampion.assigned\t\\N\t\\N\tworker\t\\N\t");
                } else {
                    buf_printf(&w->b, "\ttransition\t%s\t%s\tseed\t%s\t", seed_statuses[from],
                               seed_statuses[st[e].to],
                               st[e].to == ST_CANCELLED ? cancel_reasons[r.g % 3] : "\\N");
                    from = st[e].to;
                }
                out_ts(w, st[e].day, st[e].minute);
                out_row_end(w);
            }
        }
}

static const struct {
    const char *name;
    const char *copy;
} seed_tables[SEED_TABLE_COUNT] = {
    {"hubs", "COPY hubs (id, name, region, contact_email, created_at, updated_at) FROM STDIN"},
    {"partnerships", "COPY partnerships (id, name, kind, hub_id, phase, phase_started_on, "
                     "digest_enabled, timezone, created_at, updated_at) FROM STDIN"},
    {"schools", "COPY schools (id, urn, name, phase_of_education, local_authority, postcode, "
                "partnership_id, created_at, updated_at) FROM STDIN"},
    {"people", "COPY people (id, school_id, full_name, email, job_title, digest_opt_in, "
               "notification_preferences, created_at, updated_at) FROM STDIN"},
    {"lead contacts", "COPY seed_leads (kind, id, lead) FROM STDIN"},
    {"training_sessions", "COPY training_sessions (id, course, starts_at, ends_at, location, "
                          "capacity, hub_id, booked_count, created_at, updated_at) FROM STDIN"},
    {"bookings", "COPY bookings (id, session_id, person_id, status, version, created_at, "
                 "updated_at) FROM STDIN"},
    {"accreditations", "COPY accreditations (id, person_id, role, source, refresher, awarded_on, "
                       "valid_until, counts, booking_id, session_id, note, created_at) FROM STDIN"},
    {"conflicts", "COPY conflicts (id, person_id, school_id, reason, created_at) FROM STDIN"},
    {"unavailability",
     "COPY unavailability (id, person_id, from_on, to_on, reason, created_at) FROM STDIN"},
    {"reviews", "COPY reviews (id, school_id, partnership_id, focus, focus_area, status, "
                "self_review_summary, review_starts_on, review_ends_on, workshop_on, "
                "implementation_due_on, impact_summary, lessons_learned, champion_id, version, "
                "created_at, updated_at) FROM STDIN"},
    {"review_team",
     "COPY review_team (id, review_id, person_id, role, created_at, updated_at) FROM STDIN"},
    {"evidence", "COPY evidence (id, review_id, kind, summary, source_url, recorded_by, "
                 "created_at, updated_at) FROM STDIN"},
    {"findings", "COPY findings (id, review_id, kind, text, evidence_ids, created_at, "
                 "updated_at) FROM STDIN"},
    {"actions", "COPY actions (id, review_id, description, owner_id, due_on, status, "
                "created_at, updated_at) FROM STDIN"},
    {"best_practices", "COPY best_practices (id, review_id, title, description, published_at, "
                       "created_at, updated_at) FROM STDIN"},
    {"review_events", "COPY review_events (id, review_id, kind, from_status, to_status, actor, "
                      "reason, created_at) FROM STDIN"},
};

const char *seed_table_name(enum seed_table t)
{
    return seed_tables[t].name;
}

const char *seed_table_copy(enum seed_table t)
{
    return seed_tables[t].copy;
}

long seed_emit(const struct seed_model *m, enum seed_table t, seed_write_fn write, void *ctx)
{
    static void (*const emitters[SEED_TABLE_COUNT])(const struct seed_model *,
                                                    struct seed_out *) = {
        emit_hubs,      emit_partnerships,   emit_schools,  emit_people,
        emit_leads,     emit_sessions,       emit_bookings, emit_accreditations,
        emit_conflicts, emit_unavailability, emit_reviews,  emit_team,
        emit_evidence,  emit_findings,       emit_actions,  emit_best_practices,
        emit_events};
    struct seed_out w = {{NULL, 0, 0}, write, ctx, 0, 0};
    buf_init(&w.b);
    emitters[t](m, &w);
    out_flush(&w);
    buf_cleanup(&w.b);
    return w.failed ? -1 : w.rows;
}

static int seed_count_write(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return 0;
}

long seed_count(const struct seed_model *m, enum seed_table t)
{
    return seed_emit(m, t, seed_count_write, NULL);
}

void seed_id_of(const struct seed_model *m, enum seed_table t, long index, char out[37])
{
    static const unsigned tags[SEED_TABLE_COUNT] = {[SEED_HUBS] = TAG_HUB,
                                                    [SEED_PARTNERSHIPS] = TAG_PARTNERSHIP,
                                                    [SEED_SCHOOLS] = TAG_SCHOOL,
                                                    [SEED_PEOPLE] = TAG_PERSON,
                                                    [SEED_SESSIONS] = TAG_SESSION};
    long n = t == SEED_HUBS           ? m->nhubs
             : t == SEED_PARTNERSHIPS ? m->nparts
             : t == SEED_SCHOOLS      ? m->nschools
             : t == SEED_PEOPLE       ? m->npeople
             : t == SEED_SESSIONS     ? m->nsessions
                                      : 0;
    if (index < 0 || index >= n || !tags[t]) {
        out[0] = '\0';
        return;
    }
    seed_uuid(m->o.seed, tags[t], (uint64_t)index, out);
}

void seed_review_id(const struct seed_model *m, int partnership, int i, char out[37])
{
    if (partnership < 0 || partnership >= m->nparts || i < 0 ||
        i >= m->parts[partnership].nreviews) {
        out[0] = '\0';
        return;
    }
    seed_uuid(m->o.seed, TAG_REVIEW, (uint64_t)(m->parts[partnership].first_review + i), out);
}

const char *seed_review_status(const struct seed_model *m, int partnership, int i)
{
    if (partnership < 0 || partnership >= m->nparts || i < 0 || i >= m->parts[partnership].nreviews)
        return "";
    int status, k;
    seed_slot(i, &status, &k);
    return seed_statuses[status];
}

int seed_partnership_count(const struct seed_model *m)
{
    return m->nparts;
}

int seed_review_count(const struct seed_model *m, int partnership)
{
    return partnership >= 0 && partnership < m->nparts ? m->parts[partnership].nreviews : 0;
}
