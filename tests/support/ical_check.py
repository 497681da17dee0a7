"""A calendar subscription read as a calendar application reads it (issue 14): no Authorization
header, the text parsed by a real iCalendar parser (Debian's python3-icalendar), not by string
matching.

    SPP_TEST_URL=http://127.0.0.1:PORT SPP_ADMIN_TOKEN=... /usr/bin/python3 tests/support/ical_check.py

Makes its own person (through the API, with the admin token) who is on a review's team, is the
champion of another review's workshop and is booked on a training session, with commas,
semicolons, a backslash, a line break and non-ASCII letters in the text that reaches the feed;
asks for the person's subscription URL; fetches it twice with no header; and checks:

- the calendar parses, has PRODID and VERSION 2.0;
- every VEVENT has a UID and a DTSTAMP; the UIDs are unique and the same in both fetches;
- the review visit and the workshop are all-day events (DTSTART;VALUE=DATE, DTEND the day
  after the last), the training session is timed in UTC;
- the user text comes back exactly as it was sent (commas and semicolons escaped on the wire);
- every physical line ends in CRLF, is at most 75 octets and is valid UTF-8 on its own (folding
  never splits a character), and a long line is folded.

Exits 1 with a message on the first failure."""
import datetime
import json
import os
import sys
import urllib.error
import urllib.request
import uuid

from icalendar import Calendar

URL = os.environ["SPP_TEST_URL"].rstrip("/")
TOKEN = os.environ["SPP_ADMIN_TOKEN"]
TAG = uuid.uuid4().hex[:8]


def fail(msg):
    print("ical_check: " + msg, file=sys.stderr)
    sys.exit(1)


def call(method, path, body=None, token=TOKEN, want=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, headers, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        status, headers, raw = e.code, e.headers, e.read()
    if want is not None and status != want:
        fail("%s %s -> %d (wanted %d): %s" % (method, path, status, want, raw[:500]))
    return status, headers, raw


def create(path, body, token=TOKEN):
    return json.loads(call("POST", path, body, token, 201)[2])


def fixtures():
    hub = create("/v1/hubs", {"name": "Hub " + TAG, "region": "North West"})["id"]
    partnership = create("/v1/partnerships",
                         {"name": "Partnership " + TAG, "kind": "mat", "hub_id": hub})["id"]
    # A school name with a comma, a semicolon and letters outside ASCII, long enough that its
    # SUMMARY line is folded.
    host_name = ("St Mary’s, Church of England; Ünïcødé Primary School of the Ðales and the "
                 "Ŵolds " + TAG)
    schools = []
    for i, name in enumerate([host_name, "Workshop School " + TAG, "Home School " + TAG]):
        for attempt in range(5):
            urn = str(900000 + (uuid.uuid4().int % 99999))
            status, _, raw = call("POST", "/v1/schools",
                                  {"urn": urn, "name": name, "phase_of_education": "primary",
                                   "local_authority": "Leeds", "partnership_id": partnership})
            if status == 201:
                schools.append(json.loads(raw)["id"])
                break
        else:
            fail("could not create school %d: %s" % (i, raw[:300]))
    host1, host2, home = schools
    person = create("/v1/people", {"school_id": home, "full_name": "Ada Lovelace, Jr.; " + TAG,
                                   "email": "ada.%s@example.org" % TAG})["id"]
    for role in ("peer_reviewer", "improvement_champion"):
        create("/v1/people/%s/accreditations" % person,
               {"role": role, "awarded_on": "2026-01-05"})
    keys = [create("/v1/api-keys", {"name": "ical check", "role": "school", "scope_id": s})["token"]
            for s in (host1, host2)]
    focus = "Reading, writing; and \\ arithmetic\nacross the school"
    visit = create("/v1/reviews", {"school_id": host1, "focus": focus,
                                   "focus_area": "our_impact"}, keys[0])["id"]
    call("PATCH", "/v1/reviews/" + visit,
         {"review_starts_on": "2027-03-10", "review_ends_on": "2027-03-11"}, keys[0], 200)
    create("/v1/reviews/%s/team" % visit, {"person_id": person, "role": "lead_reviewer"}, keys[0])
    workshop = create("/v1/reviews", {"school_id": host2, "focus": "Attendance",
                                      "focus_area": "looking_inward"}, keys[1])["id"]
    call("PUT", "/v1/reviews/%s/champion" % workshop, {"person_id": person}, keys[1], 200)
    call("PATCH", "/v1/reviews/" + workshop, {"workshop_on": "2027-04-02"}, keys[1], 200)
    location = "Leeds Civic Hall, Room 2; Floor 3"
    session = create("/v1/training-sessions",
                     {"course": "improvement_champion", "starts_at": "2027-05-04T09:00:00Z",
                      "ends_at": "2027-05-04T15:30:00Z", "location": location, "capacity": 5,
                      "hub_id": None})["id"]
    booking = create("/v1/training-sessions/%s/bookings" % session, {"person_id": person})["id"]
    return {"person": person, "visit": visit, "workshop": workshop, "booking": booking,
            "host_name": host_name, "focus": focus, "location": location}


def check_lines(raw):
    if not raw.endswith(b"\r\n"):
        fail("the calendar does not end in CRLF")
    lines = raw[:-2].split(b"\r\n")
    folded = 0
    for n, line in enumerate(lines, 1):
        if b"\r" in line or b"\n" in line:
            fail("line %d holds a bare CR or LF: %r" % (n, line))
        if len(line) > 75:
            fail("line %d is %d octets long (75 at most): %r" % (n, len(line), line))
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            fail("line %d is not UTF-8 on its own (a fold split a character): %r" % (n, line))
        if line.startswith(b" "):
            folded += 1
    if folded == 0:
        fail("no line was folded, though the school's name makes a long SUMMARY")


def events(cal):
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def main():
    f = fixtures()
    status, headers, raw = call("POST", "/v1/people/%s/calendar-feed" % f["person"], None,
                                TOKEN, 201)
    url = json.loads(raw)["url"]
    prefix = "/feeds/calendar/"
    if prefix not in url or not url.endswith(".ics"):
        fail("unexpected subscription URL shape: " + url)
    path = url[url.index(prefix):]
    fetched = []
    for _ in range(2):
        status, headers, raw = call("GET", path, token=None, want=200)
        if not headers.get("Content-Type", "").startswith("text/calendar"):
            fail("Content-Type is %r" % headers.get("Content-Type"))
        check_lines(raw)
        try:
            cal = Calendar.from_ical(raw)
        except Exception as e:  # the parser's own error, whatever its class
            fail("icalendar cannot parse the feed: %s" % e)
        fetched.append((raw, cal))
    raw, cal = fetched[0]
    if cal.name != "VCALENDAR":
        fail("top component is %s" % cal.name)
    if not str(cal.get("PRODID", "")):
        fail("no PRODID")
    if str(cal.get("VERSION", "")) != "2.0":
        fail("VERSION is %r" % cal.get("VERSION"))

    uids = [str(ev["UID"]) for ev in cal.walk("VEVENT") if "UID" in ev]
    if len(uids) != 3 or len(cal.walk("VEVENT")) != 3:
        fail("wanted 3 events each with a UID, got %d UIDs for %d events"
             % (len(uids), len(cal.walk("VEVENT"))))
    if len(set(uids)) != len(uids):
        fail("UIDs are not unique: %s" % uids)
    again = sorted(str(ev["UID"]) for ev in fetched[1][1].walk("VEVENT"))
    if again != sorted(uids):
        fail("UIDs changed between two fetches: %s then %s" % (sorted(uids), again))
    for ev in cal.walk("VEVENT"):
        stamp = ev.get("DTSTAMP")
        if stamp is None or not isinstance(stamp.dt, datetime.datetime) or stamp.dt.utcoffset() \
                != datetime.timedelta(0):
            fail("VEVENT %s has no DTSTAMP in UTC" % ev.get("UID"))

    evs = events(cal)
    visit = evs.get("review-visit-%s@spp" % f["visit"])
    workshop = evs.get("workshop-%s@spp" % f["workshop"])
    training = evs.get("booking-%s@spp" % f["booking"])
    if not (visit and workshop and training):
        fail("missing events; UIDs are %s" % uids)
    for ev, first, end in ((visit, datetime.date(2027, 3, 10), datetime.date(2027, 3, 12)),
                           (workshop, datetime.date(2027, 4, 2), datetime.date(2027, 4, 3))):
        start, stop = ev["DTSTART"], ev["DTEND"]
        if type(start.dt) is not datetime.date or type(stop.dt) is not datetime.date:
            fail("%s is not all-day: %r %r" % (ev["UID"], start.dt, stop.dt))
        if start.params.get("VALUE") != "DATE" or stop.params.get("VALUE") != "DATE":
            fail("%s: DTSTART/DTEND lack VALUE=DATE (%s)" % (ev["UID"], start.params))
        if (start.dt, stop.dt) != (first, end):
            fail("%s runs %s to %s, wanted %s to %s" % (ev["UID"], start.dt, stop.dt, first, end))
    start, stop = training["DTSTART"].dt, training["DTEND"].dt
    want = (datetime.datetime(2027, 5, 4, 9, 0, tzinfo=datetime.timezone.utc),
            datetime.datetime(2027, 5, 4, 15, 30, tzinfo=datetime.timezone.utc))
    if not isinstance(start, datetime.datetime) or (start, stop) != want:
        fail("training runs %r to %r, wanted %r" % (start, stop, want))

    # User text survives the round trip; on the wire its commas and semicolons are escaped.
    summary = "Peer review visit: " + f["host_name"]
    if str(visit["SUMMARY"]) != summary:
        fail("SUMMARY came back as %r, sent %r" % (str(visit["SUMMARY"]), summary))
    if str(visit["DESCRIPTION"]) != f["focus"]:
        fail("DESCRIPTION came back as %r, sent %r" % (str(visit["DESCRIPTION"]), f["focus"]))
    if str(training["LOCATION"]) != f["location"]:
        fail("LOCATION came back as %r, sent %r" % (str(training["LOCATION"]), f["location"]))
    unfolded = raw.replace(b"\r\n ", b"")
    if b"LOCATION:Leeds Civic Hall\\, Room 2\\; Floor 3\r\n" not in unfolded:
        fail("LOCATION's comma and semicolon are not escaped on the wire")
    if b"DESCRIPTION:Reading\\, writing\\; and \\\\ arithmetic\\nacross the school\r\n" \
            not in unfolded:
        fail("DESCRIPTION is not escaped as RFC 5545 says")
    name = str(cal.get("X-WR-CALNAME", ""))
    if "Ada Lovelace, Jr.; " + TAG not in name:
        fail("X-WR-CALNAME came back as %r" % name)
    print("ical_check: 3 events, stable unique UIDs, DTSTAMP, VALUE=DATE, escaping and "
          "folding all as RFC 5545 says")


if __name__ == "__main__":
    main()
