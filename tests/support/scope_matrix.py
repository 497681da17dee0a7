"""The scope matrix (issue 9, DESIGN §3 "Auth"): every route of services/api/routes.c, for each
role (admin, hub, partnership, school, person), against a target inside and a target outside the
key's scope, with the status the API must answer. One table, MATRIX below (the rows written out in
scope_matrix.txt beside this file, and those generated here), is both the test and the README's
copy of it.

    /usr/bin/python3 tests/support/scope_matrix.py run BASE_URL ADMIN_TOKEN
        builds the fixtures over HTTP with the admin token, runs every case, prints each
        mismatch, exits 1 when there is one (or when a route of routes.c has no row)
    /usr/bin/python3 tests/support/scope_matrix.py markdown
        prints the table as Markdown
    /usr/bin/python3 tests/support/scope_matrix.py check-readme README.md
    /usr/bin/python3 tests/support/scope_matrix.py update-readme README.md
        compares (or rewrites) the README's copy, between the scope-matrix markers

Every 404 (and every 422 for a body reference outside the scope) is also compared with the
answer for an id that names nothing: DESIGN §3's "as if absent", field for field.

Every request is otherwise valid (a body the handler would take, a target that exists), so that
scope is what decides. A case that changes or deletes something works on a fixture made for it
alone, so the cases run in any order.

The world the fixtures build (all by admin over HTTP):

    hub A ── partnership PA  ── host school Sh, sibling school Ss   (cell "A")
          └─ partnership PA2 ── Sh, Ss                               (cell "A2")
    hub B ── partnership PB  ── Sh, Ss                               (cell "B")

Each cell has people ph and pc2 at Sh, and pr, pc and po at Ss; a review R hosted by Sh with pr on
its team and a review R2 hosted by Ss with ph on its team, each with a team member, evidence, a
finding, an action and a best practice; conflicts, unavailability, accreditations and bookings on
its people; a digest; a review plan (never proposed: two schools cannot staff a team of three).
The keys: hub → hub A, partnership → PA, school → Sh of cell A, person → pr
of cell A (on R's team). "Inside" is the key's own corner of cell A; "outside" is the nearest
place just beyond it: hub → cell B, partnership → cell A2 (same hub), school → its sibling school
Ss and review R2 (same partnership), person → po (same school) and R2.
"""
import http.client
import json
import os
import random
import re
import sys
import time
import urllib.parse

ROLES = ["admin", "hub", "partnership", "school", "person"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# ---- the table ---------------------------------------------------------------------------------
#
# Each row: method, path, variant ("" or a few words), then one "inside outside" pair per role in
# ROLES order; the rows written out are in scope_matrix.txt, a section for each run of them. A status is a number; "-" means the case does not exist (admin has no outside; a
# route without a target has no inside or outside). For a list, "+" after 200 means the answer
# holds the target, "x" that it does not (every page is read).

ROWS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scope_matrix.txt")


def _rows(section):
    """The rows of one [section] of scope_matrix.txt, each "METHOD PATH | variant | admin | hub |
    partnership | school | person", as MATRIX tuples."""
    rows, current = [], None
    with open(ROWS_FILE, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                current = line[1:-1]
                continue
            if current != section:
                continue
            head, variant, *cells = [c.strip() for c in line.split("|")]
            method, path = head.split(" ", 1)
            if len(cells) != len(ROLES):
                raise SystemExit("%s: %d cells, not %d: %s" % (ROWS_FILE, len(cells), len(ROLES), line))
            rows.append((method, path, variant) + tuple(cells))
    if not rows:
        raise SystemExit("%s: no section [%s]" % (ROWS_FILE, section))
    return rows


MATRIX = _rows("routes")

# The review's sub-collections: (name, who writes them) where the writers' inside answers are
# given per role; readers get 200 inside and everyone 404 outside.
_SUB_WRITERS = {
    "team": "school",        # the host school drives its team
    "evidence": "person",    # the team (the person key sits on R's team)
    "findings": "person",
    "actions": "school",     # the workshop: host school and champion (the person key is not)
    "best-practices": "school",
}
for _name, _writer in _SUB_WRITERS.items():
    def _w(ok, role):
        return ok if role == "admin" or role == _writer else "403"
    def _pair(ok, role):
        return "%s %s" % (_w(ok, role), "-" if role == "admin" else "404")
    MATRIX += [
        ("GET", "/v1/reviews/{id}/%s" % _name, "", "200 -", "200 404", "200 404", "200 404", "200 404"),
        ("POST", "/v1/reviews/{id}/%s" % _name, "") + tuple(_pair("201", r) for r in ROLES),
        ("GET", "/v1/reviews/{id}/%s/{item_id}" % _name, "",
         "200 -", "200 404", "200 404", "200 404", "200 404"),
        ("PATCH", "/v1/reviews/{id}/%s/{item_id}" % _name, "") + tuple(_pair("200", r) for r in ROLES),
        ("DELETE", "/v1/reviews/{id}/%s/{item_id}" % _name, "") + tuple(_pair("204", r) for r in ROLES),
    ]

# An item reached through the key's own parent but belonging to a parent outside its scope: 404
# (the item is not that parent's), unless the role is refused the operation first (403).
OTHERS = "another parent's item"
MATRIX += _rows("others")
for _name, _writer in _SUB_WRITERS.items():
    MATRIX += [
        ("GET", "/v1/reviews/{id}/%s/{item_id}" % _name, OTHERS, "- -", "- 404", "- 404", "- 404", "- 404"),
        ("DELETE", "/v1/reviews/{id}/%s/{item_id}" % _name, OTHERS, "- -")
        + tuple("- 404" if r == _writer else "- 403" for r in ROLES[1:]),
    ]

# The person key as a review's champion rather than a team member (DESIGN §3: "champion:
# workshop, actions"): a review of its partnership with it as champion, made for each case.
CHAMP = "the person key as champion"
MATRIX += _rows("champion")
for _name in ("actions", "best-practices"):
    MATRIX += [
        ("POST", "/v1/reviews/{id}/%s" % _name, CHAMP, "- -", "- -", "- -", "- -", "201 -"),
        ("PATCH", "/v1/reviews/{id}/%s/{item_id}" % _name, CHAMP, "- -", "- -", "- -", "- -", "200 -"),
        ("DELETE", "/v1/reviews/{id}/%s/{item_id}" % _name, CHAMP, "- -", "- -", "- -", "- -", "204 -"),
    ]

MATRIX += _rows("tail")

# Why a cell reads as it does, where the role table alone does not say; printed under the table.
NOTES = [
    "A create names its parent in the body: a parent the key cannot see answers 422 with "
    "`not_found` at that field (\"names no … you can see\"), the way every reference to an "
    "invisible record does; a create the role may never make answers 403 before the body is read.",
    "School keys see no partnership (404), yet read their partnership's best practices and "
    "digests; person keys see themselves, their details and bookings, and the reviews they sit "
    "on: \"person in\" sits on the review's team; the rows \"as champion\" on a review it is "
    "the champion of.",
    "Training sessions: the hub's own sessions are read by its keys and everything beneath; only "
    "admin and the session's hub change them (403 for the keys beneath).",
    "A person key books only for itself (403 otherwise); other keys booking for a person they "
    "cannot see get 422.",
    "API keys, the job list and retry, and the reminder scan are admin business: 403 for every "
    "other role wherever the target is. A job is read by admin and the key whose request "
    "caused it (a person key causes none), and by every key whose own request would be answered "
    "with it (a compile of a date already asked for, a repeated champion assignment), so every "
    "202's Location can be polled; the retry of a job that is not dead answers 409.",
    "Webhooks: admin sees all; a hub key its own (another key's answers 404); other roles 403.",
    "Conflicts are never cleared by the person concerned (403), though it declares them.",
    "A calendar subscription URL (`POST`/`DELETE /v1/people/{id}/calendar-feed`) is made and "
    "revoked by every key that may change the person, its own person key included; "
    "`GET /feeds/calendar/{secret}.ics` takes no key: the secret decides (404 for one that names "
    "no live feed, counted by the failed-authentication limiter).",
    "The rows \"naming a person outside the key's scope\" and \"owner outside …\" target the "
    "key's own review and name a person of another hub in the body: the answer is 422 with "
    "the one rule `not_found` (\"names no person you can see\"), never the eligibility rules "
    "that person would break, and never a 201 (an action owner is a person of the review's "
    "partnership).",
]


# ---- HTTP --------------------------------------------------------------------------------------

class Api:
    def __init__(self, base, admin_token):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.admin = admin_token
        self.conn = None
        self.count = 0

    def call(self, method, path, body=None, token=None, headers=None):
        """(status, parsed JSON or text) of one request; reconnects once when the kept-alive
        connection was closed."""
        hdrs = {"Authorization": "Bearer " + (token or self.admin)}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        for attempt in (0, 1):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.conn.request(method, path, body=data, headers=hdrs)
                res = self.conn.getresponse()
                raw = res.read()
                self.count += 1
                if res.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                break
            except (http.client.HTTPException, OSError):
                if self.conn:
                    self.conn.close()
                self.conn = None
                if attempt:
                    raise
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return res.status, parsed

    def make(self, path, body, want=201):
        """Admin creates something; returns the parsed answer or stops the run."""
        status, out = self.call("POST", path, body)
        if status != want:
            raise SystemExit("fixture: POST %s %s answered %d: %s" % (path, json.dumps(body)[:200],
                                                                       status, str(out)[:300]))
        return out

    def list_all(self, path, token):
        """Every item of a list (following next_cursor), or (status, None) when it is not 200."""
        items = []
        cursor = None
        while True:
            sep = "&" if "?" in path else "?"
            p = path + sep + "limit=200" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
            status, out = self.call("GET", p, token=token)
            if status != 200:
                return status, None
            items += out["items"]
            cursor = out.get("next_cursor")
            if not cursor:
                return 200, items


# ---- fixtures ----------------------------------------------------------------------------------

class World:
    """The fixtures, made by admin over HTTP."""

    def __init__(self, api):
        self.api = api
        self.n = 0
        self.tag = "%06x" % random.SystemRandom().getrandbits(24)
        self.urn_base = random.SystemRandom().randrange(1000000, 9000000)
        self.day = 0
        self.webhooks = []  # deleted at the end, so that no delivery outlives the run

    def uniq(self):
        self.n += 1
        return "%s-%d" % (self.tag, self.n)

    def today_minus(self, days):
        return time.strftime("%Y-%m-%d", time.gmtime(time.time() - days * 86400))

    def urn(self):
        """A 7-digit URN no other school of this run has (another run's may collide: retried)."""
        self.n += 1
        return str((self.urn_base + self.n * 7919) % 9000000 + 1000000)

    # -- fresh records --
    def hub(self):
        return self.api.make("/v1/hubs", {"name": "Matrix hub " + self.uniq(), "region": "North"})["id"]

    def partnership(self, hub):
        return self.api.make("/v1/partnerships", {"name": "Matrix partnership " + self.uniq(),
                                                  "kind": "informal", "hub_id": hub})["id"]

    def school(self, partnership=None):
        for _ in range(20):
            body = {"urn": self.urn(),
                    "name": "Matrix school " + self.uniq(), "phase_of_education": "primary",
                    "local_authority": "Leeds"}
            if partnership:
                body["partnership_id"] = partnership
            status, out = self.api.call("POST", "/v1/schools", body)
            if status == 201:
                return out["id"]
            if status != 409:
                break
        raise SystemExit("fixture: no school: %d %s" % (status, out))

    def person(self, school):
        u = self.uniq()
        return self.api.make("/v1/people", {"school_id": school, "full_name": "Matrix " + u,
                                            "email": "matrix-%s@example.org" % u})["id"]

    def accredit(self, person, role="peer_reviewer"):
        self.day += 1
        return self.api.make("/v1/people/%s/accreditations" % person,
                             {"role": role, "awarded_on": self.today_minus(self.day % 300 + 10)})["id"]

    def conflict(self, person):
        school = self.school()  # a school with no partnership: conflicts with it touch no rule
        return self.api.make("/v1/people/%s/conflicts" % person,
                             {"school_id": school, "reason": "former employer"})["id"]

    def calendar_feed(self, person):
        """The path of a fresh subscription URL for person (admin makes it)."""
        url = self.api.make("/v1/people/%s/calendar-feed" % person, None)["url"]
        return url[url.index("/feeds/calendar/"):]

    def unavailability(self, person):
        return self.api.make("/v1/people/%s/unavailability" % person,
                             {"from_on": "2031-01-06", "to_on": "2031-01-07"})["id"]

    def session(self, hub=None, starts="2031-03-03T09:00:00Z"):
        body = {"course": "peer_reviewer", "starts_at": starts, "ends_at": starts[:11] + "16:00:00Z",
                "location": "Matrix hall " + self.uniq(), "capacity": 20}
        if hub:
            body["hub_id"] = hub
        return self.api.make("/v1/training-sessions", body)["id"]

    def booking(self, person, session=None):
        # A session of hub A unless told: only t0 and t0_notify are open to every hub's keys, so
        # that the matrix adds few rows to other suites' lists of the sessions every key sees.
        session = session or self.session(self.hub_a)
        return self.api.make("/v1/training-sessions/%s/bookings" % session, {"person_id": person})["id"]

    def review(self, host, reviewer):
        rid = self.api.make("/v1/reviews", {"school_id": host, "focus": "Reading"})["id"]
        self.api.make("/v1/reviews/%s/team" % rid, {"person_id": reviewer, "role": "lead_reviewer"})
        return rid

    def team_member(self, review):
        """A new eligible peer reviewer seated on the review (from the reviewer's school)."""
        person = self.person(review["reviewer_school"])
        self.accredit(person)
        return self.api.make("/v1/reviews/%s/team" % review["id"],
                             {"person_id": person, "role": "peer_reviewer"})["id"]

    def evidence(self, review):
        return self.api.make("/v1/reviews/%s/evidence" % review["id"],
                             {"kind": "document", "summary": "Minutes",
                              "recorded_by": review["reviewer"]})["id"]

    def finding(self, review):
        return self.api.make("/v1/reviews/%s/findings" % review["id"],
                             {"kind": "strength", "text": "Strong phonics"})["id"]

    def action(self, review):
        return self.api.make("/v1/reviews/%s/actions" % review["id"],
                             {"description": "Train staff"})["id"]

    def best_practice(self, review):
        return self.api.make("/v1/reviews/%s/best-practices" % review["id"],
                             {"title": "Paired reading", "description": "Older pupils read with younger"})["id"]

    def key(self, role, scope_id=None):
        body = {"name": "matrix " + role, "role": role}
        if scope_id:
            body["scope_id"] = scope_id
        out = self.api.make("/v1/api-keys", body)
        return out["id"], out["token"]

    def webhook(self, token):
        url = os.environ.get("SPP_TEST_RECEIVER_URL", "http://127.0.0.1:9") + "/matrix"
        status, out = self.api.call("POST", "/v1/webhooks",
                                    {"url": url, "events": ["champion.unassignable"]}, token=token)
        if status != 201:
            raise SystemExit("fixture: webhook: %d %s" % (status, out))
        self.webhooks.append(out["id"])
        return out["id"]

    def wait_job(self, job_id, seconds=30):
        end = time.time() + seconds
        while time.time() < end:
            status, job = self.api.call("GET", "/v1/jobs/" + job_id)
            if status == 200 and job["status"] in ("succeeded", "dead"):
                return job["status"]
            time.sleep(0.2)
        return None

    # -- the world --
    def cell(self, hub):
        c = {"hub": hub}
        c["p"] = self.partnership(hub)
        c["sh"], c["ss"] = self.school(c["p"]), self.school(c["p"])
        c["ph"], c["pc2"] = self.person(c["sh"]), self.person(c["sh"])
        c["pr"], c["pc"], c["po"] = self.person(c["ss"]), self.person(c["ss"]), self.person(c["ss"])
        for p in ("ph", "pr", "po"):
            c["accr_" + p] = self.accredit(c[p])
        self.accredit(c["pc"], "improvement_champion")
        self.accredit(c["pc2"], "improvement_champion")
        self.accredit(c["pr"], "improvement_champion")  # the person key's champion cases
        c["r"] = {"host": c["sh"], "reviewer": c["pr"], "reviewer_school": c["ss"], "champ": c["pc"]}
        c["r2"] = {"host": c["ss"], "reviewer": c["ph"], "reviewer_school": c["sh"], "champ": c["pc2"]}
        for r in (c["r"], c["r2"]):
            r["id"] = self.review(r["host"], r["reviewer"])
            r["team"] = self.team_member(r)
            r["evidence"] = self.evidence(r)
            r["findings"] = self.finding(r)
            r["actions"] = self.action(r)
            r["best-practices"] = self.best_practice(r)
        for p in ("ph", "pr", "po"):
            c["conflict_" + p] = self.conflict(c[p])
            c["unav_" + p] = self.unavailability(c[p])
            c["booking_" + p] = self.booking(c[p], self.t0)
            # A cancelled place tells its person: a notification in that person's scope.
            cancelled = self.booking(c[p], self.t0_notify)
            status, _ = self.api.call("PATCH", "/v1/bookings/" + cancelled, {"status": "cancelled"})
            assert status == 200, status
        job = self.api.make("/v1/partnerships/%s/digests" % c["p"], {}, want=202)
        if self.wait_job(job["id"]) != "succeeded":
            raise SystemExit("fixture: the digest of %s was not compiled (is spp-worker running?)" % c["p"])
        status, out = self.api.call("GET", "/v1/partnerships/%s/digests" % c["p"])
        c["digest"] = out["items"][0]["id"]
        c["digest_job"] = job["id"]  # asked for by admin: other keys are answered with it too
        c["plan"] = self.api.make("/v1/partnerships/%s/review-plans" % c["p"],
                                  {"year_starts_on": "2027-09-01"}, want=202)["review_plan_id"]
        return c

    def build(self):
        self.hub_a, self.hub_b = self.hub(), self.hub()
        self.t0, self.t0_notify = self.session(), self.session()
        self.ts = {"A": self.session(self.hub_a), "B": self.session(self.hub_b)}
        self.cells = {"A": self.cell(self.hub_a), "A2": self.cell(self.hub_a), "B": self.cell(self.hub_b)}
        a = self.cells["A"]
        self.keys = {"admin": (None, self.api.admin)}
        self.keys["hub"] = self.key("hub", self.hub_a)
        self.keys["partnership"] = self.key("partnership", a["p"])
        self.keys["school"] = self.key("school", a["sh"])
        self.keys["person"] = self.key("person", a["pr"])
        self.other_key = self.key("hub", self.hub_b)  # owns the outside webhook and job
        self.victim_key = self.key("school", a["ss"])  # what other roles try to revoke
        # Jobs each key caused (a 202's Location), and one caused by another key.
        self.jobs = {}
        for i, role in enumerate(("hub", "partnership")):
            st, out = self.api.call("POST", "/v1/partnerships/%s/digests" % a["p"],
                                    {"date": self.today_minus(400 + i)}, token=self.keys[role][1])
            assert st == 202, (st, out)
            self.jobs[role] = out["id"]
        st, out = self.api.call("POST", "/v1/reviews/%s/champion-assignment" % self.review_fresh(a["r"]),
                                token=self.keys["school"][1])
        assert st == 202, (st, out)
        self.jobs["school"] = out["id"]
        self.jobs["admin"] = self.api.make("/v1/admin/reminder-scan",
                                           {"as_of": "2001-01-01T00:00:00Z"}, want=202)["id"]
        st, out = self.api.call("POST", "/v1/partnerships/%s/digests" % self.cells["B"]["p"],
                                {"date": self.today_minus(400)}, token=self.other_key[1])
        assert st == 202, (st, out)
        self.jobs["other"] = out["id"]
        self.hook_in = self.webhook(self.keys["hub"][1])
        self.hook_out = self.webhook(self.other_key[1])

    def champion_review(self):
        """A new review hosted by cell A's Sh with the person key's person (pr) as its champion
        and no team, so that pr sits on it as champion only."""
        a = self.cells["A"]
        rid = self.api.make("/v1/reviews", {"school_id": a["sh"], "focus": "Reading"})["id"]
        status, out = self.api.call("PUT", "/v1/reviews/%s/champion" % rid, {"person_id": a["pr"]})
        if status != 200:
            raise SystemExit("fixture: champion: %d %s" % (status, out))
        return rid

    def review_fresh(self, r):
        """A new review like r: same host and reviewer, so that the same keys sit where they sat."""
        return self.review(r["host"], r["reviewer"])

    def cleanup(self):
        for w in self.webhooks:
            self.api.call("DELETE", "/v1/webhooks/" + w)

    # -- places --
    def place(self, role, side):
        """The targets of one (role, side): hub, partnership, school, person, review, session."""
        A, A2, B = self.cells["A"], self.cells["A2"], self.cells["B"]
        if side == "in":
            if role == "person":
                return dict(hub=self.hub_a, cell=A, p=A["p"], school=A["ss"], person="pr",
                            review=A["r"], ts=self.ts["A"])
            return dict(hub=self.hub_a, cell=A, p=A["p"], school=A["sh"], person="ph",
                        review=A["r"], ts=self.ts["A"])
        if role == "hub":
            return dict(hub=self.hub_b, cell=B, p=B["p"], school=B["sh"], person="ph",
                        review=B["r"], ts=self.ts["B"])
        if role == "partnership":
            return dict(hub=self.hub_b, cell=A2, p=A2["p"], school=A2["sh"], person="ph",
                        review=A2["r"], ts=self.ts["B"])
        if role == "school":
            return dict(hub=self.hub_b, cell=A, p=A2["p"], school=A["ss"], person="po",
                        review=A["r2"], ts=self.ts["B"])
        return dict(hub=self.hub_b, cell=A, p=A2["p"], school=A["sh"], person="po",
                    review=A["r2"], ts=self.ts["B"])


# ---- the cases ---------------------------------------------------------------------------------
#
# build(world, role, side, place) → (method-less) request: dict(path, body?, find?, headers?).
# "find" is the id a list answer must (or must not) hold.

def _person(w, pl):
    return pl["cell"][pl["person"]]


def _own(role, side, kind):
    """Whether the key's own scope record is the inside target of kind (a record the key is
    bound to cannot be made afresh, and the role may not delete it)."""
    return side == "in" and role == kind


def case(w, method, path, variant, role, side):
    pl = w.place(role, side)
    c = pl["cell"]
    person = _person(w, pl)
    rv = pl["review"]
    far = w.cells["B"]  # a person of another hub: outside every key's scope but admin's
    if variant == "naming a person outside the key's scope":
        home = w.place(role, "in")["review"]
        if path.endswith("/champion"):
            return dict(path="/v1/reviews/%s/champion" % w.review_fresh(home), body={"person_id": far["pc"]},
                        rules={"not_found"})
        return dict(path="/v1/reviews/%s/team" % home["id"], body={"person_id": far["pr"], "role": "peer_reviewer"},
                    rules={"not_found"})
    if variant == "owner outside the key's scope":
        home = w.place(role, "in")["review"]
        return dict(path="/v1/reviews/%s/actions" % home["id"],
                    body={"description": "Plan", "owner_id": far["ph"], "due_on": "2031-01-01"}, rules={"not_found"})
    if variant == OTHERS:
        home, away = w.place(role, "in"), pl
        m = re.match(r"/v1/people/\{id\}/(\w+)/", path)
        if m:
            coll = m.group(1)
            key = {"conflicts": "conflict", "unavailability": "unav", "accreditations": "accr"}[coll]
            fresh = {"conflicts": w.conflict, "unavailability": w.unavailability}.get(coll)
            item = away["cell"]["%s_%s" % (key, away["person"])] if method == "GET" else fresh(_person(w, away))
            return dict(path="/v1/people/%s/%s/%s" % (_person(w, home), coll, item))
        name = path.split("/")[4]
        rv_home, rv_away = home["review"], away["review"]
        if method == "GET":
            item = rv_away[name]
        else:
            item = {"team": w.team_member, "evidence": w.evidence, "findings": w.finding,
                    "actions": w.action, "best-practices": w.best_practice}[name](rv_away)
        return dict(path="/v1/reviews/%s/%s/%s" % (rv_home["id"], name, item))
    if variant.startswith(CHAMP):
        a = w.cells["A"]
        rid = w.champion_review()
        rv = {"id": rid, "host": a["sh"], "reviewer": a["pr"], "reviewer_school": a["ss"]}
        if path == "/v1/reviews/{id}":
            bodies = {CHAMP: None, CHAMP + ": workshop_on": {"workshop_on": w.today_minus(-30)},
                      CHAMP + ": focus": {"focus": "Writing"}}
            return dict(path="/v1/reviews/" + rid, body=bodies[variant])
        if path == "/v1/reviews/{id}/transitions":
            return dict(path="/v1/reviews/%s/transitions" % rid, body={"to": "cancelled", "reason": "merged"})
        name = path.split("/")[4]
        if method == "POST":
            if name == "team":
                return dict(path="/v1/reviews/%s/team" % rid,
                            body={"person_id": fresh_reviewer(w, rv), "role": "peer_reviewer"})
            return review_item_case(w, method, name, False, role, "in", rv)
        rv[name] = {"actions": w.action, "best-practices": w.best_practice}[name](rv)
        return review_item_case(w, method, name, True, role, "in", rv)
    if variant == "a session every key sees":
        return dict(path="/v1/training-sessions/%s/bookings" % w.t0, find=c["booking_" + pl["person"]])
    sub = re.match(r"/v1/reviews/\{id\}/(team|evidence|findings|actions|best-practices)(/\{item_id\})?$", path)
    if sub:
        return review_item_case(w, method, sub.group(1), bool(sub.group(2)), role, side, rv)
    k = (method, path)
    if path in ("/healthz", "/readyz", "/metrics", "/openapi.yaml"):
        return dict(path=path)
    if path == "/feeds/calendar/{secret}.ics":
        if variant:
            return dict(path="/feeds/calendar/%064x.ics" % random.getrandbits(256))
        return dict(path=w.calendar_feed(person))
    if path == "/unsubscribe/{token}":
        # Shaped like a token (version 1, 46 characters) but with no valid MAC.
        return dict(path="/unsubscribe/AQ" + "".join(random.choice("ABCDEFGHIJ") for _ in range(44)))
    # schools
    if k == ("GET", "/v1/schools"):
        # Each list is narrowed by a filter that keeps the target, so that few pages are read;
        # the key's scope still applies on top of it.
        return dict(path=path + "?partnership_id=" + c["p"], find=pl["school"])
    if k == ("POST", "/v1/schools"):
        return dict(path=path, body={"urn": w.urn(), "name": "New " + w.uniq(),
                                     "phase_of_education": "secondary", "local_authority": "York",
                                     "partnership_id": pl["p"]})
    if path == "/v1/schools/{id}":
        if method == "GET":
            return dict(path="/v1/schools/" + pl["school"])
        if method == "PATCH":
            return dict(path="/v1/schools/" + pl["school"], body={"postcode": "LS1 1AA"})
        target = pl["school"] if _own(role, side, "school") else w.school(pl["p"])
        return dict(path="/v1/schools/" + target)
    # hubs
    if k == ("GET", "/v1/hubs"):
        return dict(path=path, find=pl["hub"])
    if k == ("POST", "/v1/hubs"):
        return dict(path=path, body={"name": "New hub " + w.uniq(), "region": "South"})
    if path == "/v1/hubs/{id}":
        if method == "DELETE":
            target = w.hub() if role == "admin" or side == "out" else pl["hub"]
            return dict(path="/v1/hubs/" + target)
        return dict(path="/v1/hubs/" + pl["hub"], body={"region": "North East"} if method == "PATCH" else None)
    if path == "/v1/hubs/{id}/summary":
        return dict(path="/v1/hubs/%s/summary" % pl["hub"])
    # partnerships
    if k == ("GET", "/v1/partnerships"):
        hub = [x for x in w.cells.values() if x["p"] == pl["p"]][0]["hub"]
        return dict(path=path + "?hub_id=" + hub, find=pl["p"])
    if k == ("POST", "/v1/partnerships"):
        return dict(path=path, body={"name": "New partnership " + w.uniq(), "kind": "mat", "hub_id": pl["hub"]})
    if path == "/v1/partnerships/{id}":
        if method == "DELETE":
            target = pl["p"] if _own(role, side, "partnership") else w.partnership(c["hub"])
            return dict(path="/v1/partnerships/" + target)
        return dict(path="/v1/partnerships/" + pl["p"],
                    body={"digest_enabled": True} if method == "PATCH" else None)
    if path == "/v1/partnerships/{id}/phase":
        # A partnership key's own partnership moves once per run; everyone else's target is new.
        target = pl["p"] if _own(role, side, "partnership") else w.partnership(c["hub"])
        return dict(path="/v1/partnerships/%s/phase" % target, body={"to": "embed"})
    if path == "/v1/partnerships/{id}/summary":
        return dict(path="/v1/partnerships/%s/summary" % pl["p"])
    # people
    if k == ("GET", "/v1/people"):
        school = c["sh"] if pl["person"] == "ph" else c["ss"]
        return dict(path=path + "?school_id=" + school, find=person)
    if k == ("POST", "/v1/people"):
        u = w.uniq()
        return dict(path=path, body={"school_id": pl["school"], "full_name": "New " + u,
                                     "email": "matrix-new-%s@example.org" % u})
    if path == "/v1/people/{id}":
        if method == "DELETE":
            target = person if _own(role, side, "person") else w.person(pl["school"] if role != "person" else c["ss"])
            return dict(path="/v1/people/" + target)
        return dict(path="/v1/people/" + person, body={"job_title": "Teacher"} if method == "PATCH" else None)
    if path == "/v1/people/{id}/calendar.ics":
        return dict(path="/v1/people/%s/calendar.ics" % person)
    if path == "/v1/people/{id}/calendar-feed":
        if method == "DELETE" and side == "in":
            w.calendar_feed(person)  # something to revoke
        return dict(path="/v1/people/%s/calendar-feed" % person)
    if path == "/v1/people/{id}/export":
        return dict(path="/v1/people/%s/export" % person)
    if path == "/v1/people/{id}/erase":
        # An erasure that succeeds works on a person made for it; the person key's own record
        # (403) and every 404 leave their target as it was.
        target = person if _own(role, side, "person") else w.person(pl["school"] if role != "person" else c["ss"])
        return dict(path="/v1/people/%s/erase" % target, body={"reason": "matrix leaver"})
    for coll, key, fresh in (("conflicts", "conflict", w.conflict), ("unavailability", "unav", w.unavailability)):
        base = "/v1/people/%s/%s" % (person, coll)
        if path == "/v1/people/{id}/" + coll:
            if method == "GET":
                return dict(path=base)
            if coll == "conflicts":
                return dict(path=base, body={"school_id": w.school(), "reason": "governor"})
            return dict(path=base, body={"from_on": "2032-02-02", "to_on": "2032-02-03", "reason": "leave"})
        if path.startswith("/v1/people/{id}/%s/" % coll):
            item = c["%s_%s" % (key, pl["person"])] if method == "GET" else fresh(person)
            return dict(path=base + "/" + item)
    # api keys
    if path == "/v1/api-keys":
        if method == "GET":
            return dict(path=path)
        return dict(path=path, body={"name": "new", "role": "school", "scope_id": c["sh"]})
    if path == "/v1/api-keys/{id}":
        if method == "DELETE":
            # Only admin's revocation succeeds; the others all aim at one key nobody uses.
            target = w.key("school", c["sh"])[0] if role == "admin" else w.victim_key[0]
        else:
            own = w.keys[role][0]
            target = own if side == "in" and own else w.other_key[0]
        return dict(path="/v1/api-keys/" + target)
    # training
    if k == ("GET", "/v1/training-sessions"):
        hub = w.hub_a if pl["ts"] == w.ts["A"] else w.hub_b
        return dict(path=path + "?hub_id=" + hub, find=pl["ts"])
    if k == ("POST", "/v1/training-sessions"):
        return dict(path=path, body={"course": "improvement_champion", "starts_at": "2031-05-05T09:00:00Z",
                                     "ends_at": "2031-05-05T15:00:00Z", "location": "Hall", "capacity": 5,
                                     "hub_id": pl["hub"]})
    if path == "/v1/training-sessions/{id}":
        if method == "DELETE":
            return dict(path="/v1/training-sessions/" + w.session(pl["hub"]))
        return dict(path="/v1/training-sessions/" + pl["ts"],
                    body={"location": "Room 2"} if method == "PATCH" else None)
    if path == "/v1/training-sessions/{id}/bookings":
        if method == "GET":
            return dict(path="/v1/training-sessions/%s/bookings" % pl["ts"])
        if variant:
            # A session of hub A: every key but admin's sits under it and sees it.
            return dict(path="/v1/training-sessions/%s/bookings" % w.session(w.hub_a),
                        body={"person_id": person})
        # Inside: the key's own person on a session of its hub; outside: that person on a session
        # of the hub beyond.
        me = _person(w, w.place(role, "in"))
        return dict(path="/v1/training-sessions/%s/bookings" % w.session(pl["hub"]), body={"person_id": me})
    if path == "/v1/bookings/{id}":
        if method == "GET":
            return dict(path="/v1/bookings/" + c["booking_" + pl["person"]])
        return dict(path="/v1/bookings/" + w.booking(person), body={"status": "cancelled"})
    # accreditations
    if path == "/v1/people/{id}/accreditations":
        if method == "GET":
            return dict(path="/v1/people/%s/accreditations" % person)
        w.day += 1
        return dict(path="/v1/people/%s/accreditations" % person,
                    body={"role": "improvement_champion", "awarded_on": w.today_minus(w.day % 300 + 10)})
    if path == "/v1/people/{id}/accreditations/{accreditation_id}":
        return dict(path="/v1/people/%s/accreditations/%s" % (person, c["accr_" + pl["person"]]))
    if path == "/v1/accreditations/import":
        w.day += 1
        return dict(path=path, body={"items": [{"person_id": person, "role": "improvement_champion",
                                                "awarded_on": w.today_minus(w.day % 300 + 10)}]})
    # reviews
    if k == ("GET", "/v1/reviews"):
        return dict(path=path + "?school_id=" + rv["host"], find=rv["id"])
    if k == ("POST", "/v1/reviews"):
        return dict(path=path, body={"school_id": rv["host"], "focus": "Maths", "focus_area": "our_impact"})
    if path == "/v1/reviews/{id}":
        return dict(path="/v1/reviews/" + rv["id"], body={"focus": "Reading for pleasure"} if method == "PATCH" else None)
    if path == "/v1/reviews/{id}/transitions":
        return dict(path="/v1/reviews/%s/transitions" % w.review_fresh(rv), body={"to": "cancelled", "reason": "merged"})
    if path == "/v1/reviews/{id}/champion":
        return dict(path="/v1/reviews/%s/champion" % w.review_fresh(rv), body={"person_id": rv["champ"]})
    if path == "/v1/reviews/{id}/champion-assignment":
        return dict(path="/v1/reviews/%s/champion-assignment" % w.review_fresh(rv))
    if path == "/v1/reviews/{id}/events":
        return dict(path="/v1/reviews/%s/events" % rv["id"])
    if path == "/v1/partnerships/{id}/best-practices":
        return dict(path="/v1/partnerships/%s/best-practices" % pl["p"])
    # jobs
    if path in ("/v1/jobs", "/v1/audit"):
        return dict(path=path)
    if variant == "a digest compile another key asked for first":
        cell = [x for x in w.cells.values() if x["p"] == pl["p"]][0]
        return dict(path="/v1/jobs/" + cell["digest_job"])
    if variant == "a champion assignment another key asked for first":
        job = w.api.make("/v1/reviews/%s/champion-assignment" % w.review_fresh(rv), None, want=202)
        return dict(path="/v1/jobs/" + job["id"])
    if path.startswith("/v1/jobs/{id}"):
        job = w.jobs.get(role) if side == "in" else w.jobs["other"]
        if job is None:
            return None
        return dict(path=path.replace("{id}", job), body={} if method == "POST" else None)
    # digests
    if path == "/v1/partnerships/{id}/digests":
        if method == "GET":
            return dict(path="/v1/partnerships/%s/digests" % pl["p"])
        # A date of its own, so that the compile is this key's job, not an earlier one's.
        return dict(path="/v1/partnerships/%s/digests" % pl["p"],
                    body={"date": w.today_minus(500 + ROLES.index(role) * 2 + (side == "out"))})
    if path == "/v1/digests/{id}":
        cell = [x for x in w.cells.values() if x["p"] == pl["p"]][0]
        return dict(path="/v1/digests/" + cell["digest"])
    # review plans
    if path == "/v1/partnerships/{id}/review-plans":
        if method == "GET":
            cell = [x for x in w.cells.values() if x["p"] == pl["p"]][0]
            return dict(path="/v1/partnerships/%s/review-plans" % pl["p"], find=cell["plan"])
        return dict(path="/v1/partnerships/%s/review-plans" % pl["p"], body={"year_starts_on": "2027-09-01"})
    if path.startswith("/v1/review-plans/{id}"):
        cell = [x for x in w.cells.values() if x["p"] == pl["p"]][0]
        return dict(path=path.replace("{id}", cell["plan"]))
    # webhooks
    if path == "/v1/webhooks":
        if method == "GET":
            return dict(path=path, find=w.hook_in if side == "in" else w.hook_out)
        url = os.environ.get("SPP_TEST_RECEIVER_URL", "http://127.0.0.1:9") + "/matrix"
        return dict(path=path, body={"url": url, "events": ["champion.unassignable"]}, webhook=True)
    if path == "/v1/webhooks/{id}":
        if method == "DELETE":
            owner = w.keys["hub"][1] if side == "in" else w.other_key[1]
            return dict(path="/v1/webhooks/" + w.webhook(owner))
        return dict(path="/v1/webhooks/" + (w.hook_in if side == "in" else w.hook_out))
    # notifications, admin
    if path == "/v1/notifications":
        return dict(path=path + "?person_id=" + person, find=person, find_field="person_id")
    if path == "/v1/admin/reminder-scan":
        return dict(path=path, body={"as_of": "2001-06-0%dT00:00:00Z" % (ROLES.index(role) + 1)})
    raise KeyError((method, path))


def review_item_case(w, method, name, item, role, side, rv):
    base = "/v1/reviews/%s/%s" % (rv["id"], name)
    if not item:
        if method == "GET":
            return dict(path=base)
        bodies = {
            "team": lambda: {"person_id": fresh_reviewer(w, rv), "role": "peer_reviewer"},
            # A person key records as itself; admin names the team member.
            "evidence": lambda: {"kind": "other", "summary": "Notes", "recorded_by": rv["reviewer"]},
            "findings": lambda: {"kind": "question", "text": "Why?"},
            "actions": lambda: {"description": "Plan", "due_on": "2031-01-01"},
            "best-practices": lambda: {"title": "Idea", "description": "Share it"},
        }
        return dict(path=base, body=bodies[name]())
    if method == "GET":
        return dict(path="%s/%s" % (base, rv[name]))
    if method == "PATCH":
        bodies = {"team": {"role": "peer_reviewer"}, "evidence": {"summary": "Minutes, corrected"},
                  "findings": {"text": "Strong phonics teaching"}, "actions": {"status": "in_progress"},
                  "best-practices": {"title": "Paired reading, weekly"}}
        return dict(path="%s/%s" % (base, rv[name]), body=bodies[name])
    fresh = {"team": w.team_member, "evidence": w.evidence, "findings": w.finding,
             "actions": w.action, "best-practices": w.best_practice}[name](rv)
    return dict(path="%s/%s" % (base, fresh))


def fresh_reviewer(w, rv):
    person = w.person(rv["reviewer_school"])
    w.accredit(person)
    return person


# ---- running -----------------------------------------------------------------------------------

def parse_cell(s):
    """'200+' → (200, True); '200x' → (200, False); '404' → (404, None); '-' → None."""
    if s == "-":
        return None
    if s.endswith("+"):
        return int(s[:-1]), True
    if s.endswith("x"):
        return int(s[:-1]), False
    return int(s), None


def routes_of_c():
    text = open(os.path.join(ROOT, "services/api/routes.c")).read()
    return set(re.findall(r'\{HTTP_(GET|POST|PUT|PATCH|DELETE), "([^"]+)"', text))


def run(base, admin_token):
    api = Api(base, admin_token)
    started = time.time()
    failures = []
    routes, rows = routes_of_c(), {(m, p) for (m, p, *_rest) in MATRIX}
    for m, p in sorted(routes - rows):
        failures.append("%s %s: a route of routes.c with no row in the matrix" % (m, p))
    for m, p in sorted(rows - routes):
        failures.append("%s %s: a row of the matrix for no route of routes.c" % (m, p))
    w = World(api)
    cases = 0
    try:
        w.build()
        built = time.time()
        for row in MATRIX:
            method, path, variant = row[:3]
            for i, role in enumerate(ROLES):
                pair = row[3 + i].split()
                for side, cell in zip(("in", "out"), pair):
                    want = parse_cell(cell)
                    if want is None:
                        continue
                    req = case(w, method, path, variant, role, side)
                    if req is None:
                        failures.append("%s %s %s: no %s case for %s" % (method, path, variant, side, role))
                        continue
                    token = w.keys[role][1]
                    status, out = api.call(method, req["path"], req.get("body"), token=token)
                    cases += 1
                    if req.get("webhook") and status == 201:
                        w.webhooks.append(out["id"])
                    got = (status, None)
                    if want[1] is not None and status == 200:
                        st, items = api.list_all(req["path"], token)
                        field = req.get("find_field", "id")
                        got = (st, any(it.get(field) == req["find"] for it in items or []))
                    if got == want and req.get("rules") and status == 422 and isinstance(out, dict):
                        rules = {e.get("rule") for e in out.get("errors", [])}
                        if rules != req["rules"]:
                            got = (status, None)
                            want = (status, None)
                            failures.append("%s %s [%s] as %s, %s: want only rules %s, got %s" % (
                                method, req["path"], variant, role, side, sorted(req["rules"]),
                                sorted(r for r in rules if r)))
                            continue
                    if got == want and (status == 404 or (status == 422 and side == "out")):
                        twin = absent_twin(api, method, req, variant, token, status, out)
                        if twin:
                            failures.append("%s %s%s as %s, %s: 404 unlike an absent one: %s" % (
                                method, req["path"], " [%s]" % variant if variant else "", role,
                                side, twin))
                    if got != want:
                        detail = out.get("detail") if isinstance(out, dict) else ""
                        failures.append("%s %s%s as %s, %s: want %s, got %s (%s)" % (
                            method, req["path"], " [%s]" % variant if variant else "", role, side,
                            fmt(want), fmt(got), detail))
    finally:
        w.cleanup()
    for f in failures:
        print("MISMATCH " + f)
    print("scope matrix: %d cases on %d rows, %d mismatches; fixtures %.1f s, cases %.1f s, %d requests"
          % (cases, len(MATRIX), len(failures), built - started, time.time() - built, api.count))
    return 1 if failures else 0


UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def absent_twin(api, method, req, variant, token, got, out):
    """DESIGN §3: outside the scope answers "as if absent". Sends the same request with the ids of
    what lies outside replaced by ids that name nothing (for a 404 the path's: every one, or
    only the item's for another parent's item; for a 422 those of the body), and returns how
    the two problems differ ("" when they do not)."""
    def nothing(_match):
        return "%08x-0000-4000-8000-%012x" % (random.getrandbits(32), random.getrandbits(48))
    path, body = req["path"], req.get("body")
    if got == 404:
        ids = UUID.findall(path)
        for i in ids[-1:] if variant == OTHERS else ids:
            path = path.replace(i, nothing(None))
    else:
        body = json.loads(UUID.sub(nothing, json.dumps(body)))
    if (path, body) == (req["path"], req.get("body")):
        return ""
    status, absent = api.call(method, path, body, token=token)
    keys = ("status", "code", "title", "detail", "type", "errors")
    a = {k: out.get(k) for k in keys} if isinstance(out, dict) else out
    b = {k: absent.get(k) for k in keys} if isinstance(absent, dict) else absent
    if status == got and a == b:
        return ""
    return "%s, where an absent id answers %d %s" % (json.dumps(a), status, json.dumps(b))


def fmt(v):
    if v[1] is None:
        return str(v[0])
    return "%d%s" % (v[0], " holding the target" if v[1] else " without the target")


# ---- Markdown ----------------------------------------------------------------------------------

BEGIN = "<!-- scope-matrix:begin (generated by tests/support/scope_matrix.py update-readme) -->"
END = "<!-- scope-matrix:end -->"


def md_cell(s):
    if s == "-":
        return "·"
    if s.endswith("+"):
        return "200 ∋"
    if s == "200x":
        return "200 ∌"
    return s


def markdown():
    out = [BEGIN, "",
           "| route | admin | hub in | hub out | partnership in | partnership out | school in | "
           "school out | person in | person out |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in MATRIX:
        method, path, variant = row[:3]
        label = "`%s %s`" % (method, path) + (" (%s)" % variant if variant else "")
        cells = []
        for i, role in enumerate(ROLES):
            a, b = row[3 + i].split()
            cells += [md_cell(a)] if role == "admin" else [md_cell(a), md_cell(b)]
        out.append("| %s | %s |" % (label, " | ".join(cells)))
    out += ["", "`200 ∋`: a list that holds the target; `200 ∌`: one that does not (every page read); "
            "`·`: no such case (admin has no outside; some routes have no target)."]
    out += [""] + ["- " + n for n in NOTES] + ["", END]
    return "\n".join(out) + "\n"


def readme_split(path):
    text = open(path, encoding="utf-8").read()
    b = text.find(BEGIN)
    e = text.find(END)
    if b < 0 or e < b:
        raise SystemExit("%s has no scope-matrix markers" % path)
    return text[:b], text[b:e + len(END) + 1], text[e + len(END) + 1:]


def main(argv):
    if len(argv) >= 4 and argv[1] == "run":
        return run(argv[2], argv[3])
    if len(argv) == 2 and argv[1] == "markdown":
        sys.stdout.write(markdown())
        return 0
    if len(argv) == 3 and argv[1] == "check-readme":
        _, have, _ = readme_split(argv[2])
        if have != markdown():
            print("%s: the scope matrix is out of date; run tests/support/scope_matrix.py "
                  "update-readme %s" % (argv[2], argv[2]))
            return 1
        return 0
    if len(argv) == 3 and argv[1] == "update-readme":
        head, _, tail = readme_split(argv[2])
        open(argv[2], "w", encoding="utf-8").write(head + markdown() + tail)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
