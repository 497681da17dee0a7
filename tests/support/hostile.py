"""The hostile-input catalogue (issue 9): one table of hostile requests over real HTTP, each with
the exact status it must get (and the problem `code` where the application answers), and after
every case a check that the database did not change: the row count and a checksum of every
table of the public schema. Requests are written as raw bytes on a socket so that any byte can
be sent.

    SPP_TEST_URL=http://127.0.0.1:PORT SPP_ADMIN_TOKEN=... SPP_DATABASE_URL=postgresql://... \
        /usr/bin/python3 tests/support/hostile.py [SUBSTRING...]

SPP_HTTP_TIMEOUT_S (default 30) must be the server's; the stalled-request cases wait for it in
threads while the rest of the table runs. Arguments, when given, run only the cases whose name
contains one of them, and HOSTILE_SKIP ("|"-separated) leaves out those naming one of its
parts: both for development; the test command runs the whole table.

Nothing else may write to the database while this runs (the test command stops the worker
first). No table is excluded from the check: the API writes bookkeeping only on success
(idempotency_keys stores only a successful POST's answer: the cases that send a key are refused
and must store nothing), and rate limiting lives in Redis. A case that must change something (a
string at its limit is accepted) either removes what it made (create, read back, delete: the
database is then exactly as before) or names the tables it may change with their exact change in
rows.

Exits 1 when any case fails, printing each failure; prints one line per case with -v."""
import base64
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import uuid as uuidlib

URL = os.environ["SPP_TEST_URL"]
TOKEN = os.environ["SPP_ADMIN_TOKEN"]
DB_URL = os.environ["SPP_DATABASE_URL"]
HTTP_TIMEOUT = int(os.environ.get("SPP_HTTP_TIMEOUT_S", "30"))
HOST, PORT = URL.split("//", 1)[1].rstrip("/").rsplit(":", 1)
PORT = int(PORT)
VERBOSE = "-v" in sys.argv
ONLY = [a for a in sys.argv[1:] if a != "-v"]
# Cases to leave out while developing against a build that lacks a fix (e.g. "10,000 copies"
# would exhaust memory where webhook events are not capped); substrings separated by "|".
SKIP = [x for x in os.environ.get("HOSTILE_SKIP", "").split("|") if x]
MIB = 1048576


# ---- HTTP over a raw socket ----

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None


def parse_responses(data, heads):
    """Splits data into complete responses; heads[i] is true when request i was a HEAD (no
    body). Returns the list and whatever bytes were left over."""
    out = []
    while True:
        end = data.find(b"\r\n\r\n")
        if end < 0:
            return out, data
        lines = data[:end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise ValueError("not an HTTP response: %r" % data[:80])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        rest = data[end + 4:]
        head = heads[len(out)] if len(out) < len(heads) else False
        if head or parts[1] in ("204", "304"):
            body, data = b"", rest
        elif "content-length" in headers:
            n = int(headers["content-length"])
            if len(rest) < n:
                return out, data
            body, data = rest[:n], rest[n:]
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body, pos = b"", 0
            while True:
                eol = rest.find(b"\r\n", pos)
                if eol < 0:
                    return out, data
                size = int(rest[pos:eol].split(b";")[0], 16)
                if len(rest) < eol + 2 + size + 2:
                    return out, data
                body += rest[eol + 2:eol + 2 + size]
                pos = eol + 2 + size + 2
                if size == 0:
                    break
            data = rest[pos:]
        else:
            body, data = rest, b""  # until close; only complete once the peer closed
        out.append(Response(int(parts[1]), headers, body))


def exchange(raw, n=1, heads=None, half_close=False, pauses=None, wait=15.0):
    """Sends raw (bytes, or a list of byte strings sent with pauses[i] seconds before part i),
    reads until n responses arrived or the server closed. Stops sending when the server answers
    early (an oversized body refused before it is read). Returns (responses, closed, seconds)."""
    parts = raw if isinstance(raw, list) else [raw]
    heads = heads or []
    s = socket.create_connection((HOST, PORT), timeout=wait)
    s.setblocking(False)
    start = time.time()
    data, closed, answered = b"", False, []

    def pump(t):
        nonlocal data, closed
        r, _, _ = select.select([s], [], [], t)
        if r:
            try:
                chunk = s.recv(1 << 20)
            except (ConnectionResetError, BlockingIOError):
                chunk = b""
            if not chunk:
                closed = True
            data += chunk

    try:
        for i, part in enumerate(parts):
            if pauses and pauses[i]:
                until = time.time() + pauses[i]
                while not closed and time.time() < until:
                    pump(until - time.time())
            if closed or data.find(b"\r\n\r\n") >= 0:
                break  # answered (or closed) before this part: send no more
            view = memoryview(part)
            while view and not closed:
                _, w, _ = select.select([], [s], [], 0.5)
                if w:
                    try:
                        sent = s.send(view[:1 << 16])
                        view = view[sent:]
                    except (BrokenPipeError, ConnectionResetError):
                        closed = True
                        break
                pump(0)
                if data.find(b"\r\n\r\n") >= 0:
                    break  # answered before the whole body went: stop sending
        if half_close and not closed:
            s.shutdown(socket.SHUT_WR)
        deadline = start + wait
        while not closed and time.time() < deadline:
            answered, _ = parse_responses(data, heads)
            if len(answered) >= n:
                break
            pump(min(0.5, max(0.0, deadline - time.time())))
    finally:
        s.close()
    answered, _ = parse_responses(data, heads)
    return answered, closed, time.time() - start


def request_bytes(method, path, body=None, headers=None, auth=True, ctype="application/json",
                  close=True, length=None, token=None):
    """One request as bytes, with the bootstrap admin token unless auth is false or token names
    another; length, when given, is the Content-Length sent whatever the body."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    h = ["%s %s HTTP/1.1" % (method, path), "Host: %s:%d" % (HOST, PORT)]
    if auth:
        h.append("Authorization: Bearer " + (token or TOKEN))
    if body is not None and ctype:
        h.append("Content-Type: " + ctype)
    if body is not None:
        h.append("Content-Length: %d" % (len(body) if length is None else length))
    if close:
        h.append("Connection: close")
    raw = ("\r\n".join(h) + "\r\n").encode("latin-1")
    for k, v in (headers or {}).items():
        raw += (k.encode("latin-1") if isinstance(k, str) else k) + b": " + \
            (v.encode("latin-1") if isinstance(v, str) else v) + b"\r\n"
    return raw + b"\r\n" + (body or b"")


def call(method, path, body=None, **kw):
    rs, _, _ = exchange(request_bytes(method, path, body, **kw), heads=[method == "HEAD"])
    if not rs:
        raise RuntimeError("no answer to %s %s" % (method, path))
    return rs[0]


# ---- the database: row count and checksum of every table, through one psql session ----

class Db:
    """The state of every table: (rows, newest row version, checksum). A table's checksum is the
    sum of a 64-bit hash of each row's text: it changes when any row is added, removed or
    changed, and needs no sort. Hashing every row after every case would cost most of the run
    once the suites before have left thousands of jobs, so a checksum is computed again only
    for a table whose row count or newest row version (max xmin) moved: PostgreSQL writes a new
    row version, with a new xmin, for every insert and update, and a delete lowers the count,
    so a table whose two figures stand still holds the same rows. full=True hashes every table
    (at the start and the end, where the carried checksums are checked against fresh ones)."""

    def __init__(self, url):
        self.p = subprocess.Popen(["psql", "-XAtq", "-v", "ON_ERROR_STOP=0", url],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.tables = [t for t in self.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1") if t]
        self.stats_sql = " UNION ALL ".join(
            "SELECT '%s', count(*), coalesce(max(xmin::text::bigint), 0) FROM \"%s\"" % (t, t)
            for t in self.tables)

    def query(self, sql):
        self.p.stdin.write(sql + ";\n\\echo __end__\n")
        self.p.stdin.flush()
        lines = []
        while True:
            line = self.p.stdout.readline()
            if not line or line.rstrip("\n") == "__end__":
                return lines
            lines.append(line.rstrip("\n"))

    def rows(self, sql, width):
        out = {}
        for line in self.query(sql):
            parts = line.split("|")
            if len(parts) != width:
                raise RuntimeError("snapshot failed: " + line)
            out[parts[0]] = parts[1:]
        return out

    def snapshot(self, prev=None, full=False):
        stats = self.rows(self.stats_sql, 3)
        if sorted(stats) != self.tables:
            raise RuntimeError("the set of tables changed: %s" % sorted(stats))
        stale = [t for t in self.tables
                 if full or prev is None or prev[t][:2] != (int(stats[t][0]), int(stats[t][1]))]
        sums = {}
        if stale:
            sums = self.rows(" UNION ALL ".join(
                "SELECT '%s', coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) FROM \"%s\" t"
                % (t, t) for t in stale), 2)
        return {t: (int(stats[t][0]), int(stats[t][1]), sums[t][0] if t in sums else prev[t][2])
                for t in self.tables}


def compare(before, after, changes):
    """Problems (strings) when after differs from before other than as changes {table: rows}
    allows: a named table must change by exactly that many rows (0: same count, content may
    change); every other table must be identical."""
    problems = []
    for t in before:
        (n0, _, h0), (n1, _, h1) = before[t], after[t]
        if t in changes:
            if n1 != n0 + changes[t]:
                problems.append("%s: %s rows, expected %d" % (t, n1, n0 + changes[t]))
        elif before[t] != after[t]:
            what = "checksum" if h0 != h1 else "rows written" if n0 == n1 else "rows"
            problems.append("%s changed (%s; %d -> %d rows)" % (t, what, n0, n1))
    return problems


# ---- fixtures, made before the first snapshot ----

F = {}
NIL = "00000000-0000-0000-0000-000000000000"
RUN = uuidlib.uuid4().hex[:8]


def make(path, body):
    r = call("POST", path, body)
    if r.status != 201:
        raise RuntimeError("fixture %s: %d %s" % (path, r.status, r.body[:300]))
    return r.json()["id"]


def urn():
    return "%07d" % (int(uuidlib.uuid4().hex[:8], 16) % 10000000)


def setup():
    F["hub"] = make("/v1/hubs", {"name": "Hostile hub " + RUN, "region": "North"})
    F["partnership"] = make("/v1/partnerships", {"name": "Hostile partnership " + RUN,
                                                 "kind": "informal", "hub_id": F["hub"]})
    for k in ("host", "other", "third"):
        F[k] = make("/v1/schools", {"urn": urn(), "name": "Hostile %s %s" % (k, RUN),
                                    "phase_of_education": "primary", "local_authority": "Leeds",
                                    "partnership_id": F["partnership"]})
    F["victim"] = make("/v1/schools", {"urn": urn(), "name": "Hostile victim " + RUN,
                                       "phase_of_education": "primary", "local_authority": "Leeds"})
    F["person"] = make("/v1/people", {"school_id": F["other"], "full_name": "Pat Hostile",
                                      "email": "pat-%s@example.org" % RUN})
    today = time.strftime("%Y-%m-%d", time.gmtime())
    make("/v1/people/%s/accreditations" % F["person"],
         {"role": "peer_reviewer", "awarded_on": today})
    F["review"] = make("/v1/reviews", {"school_id": F["host"], "focus": "Reading"})
    make("/v1/reviews/%s/team" % F["review"], {"person_id": F["person"], "role": "peer_reviewer"})
    F["today"] = today
    r = call("POST", "/v1/api-keys", {"name": "hostile catalogue " + RUN, "role": "admin"})
    if r.status != 201:
        raise RuntimeError("fixture key: %d %s" % (r.status, r.body[:300]))
    F["key"] = r.json()["token"]


# ---- helpers that build bodies ----

def school(**over):
    b = {"urn": urn(), "name": "S", "phase_of_education": "primary", "local_authority": "Leeds"}
    b.update(over)
    return b


def person(**over):
    b = {"school_id": F["host"], "full_name": "P", "email": "p-%s@example.org" % uuidlib.uuid4().hex}
    b.update(over)
    return b


def session(**over):
    b = {"course": "peer_reviewer", "starts_at": "2031-01-06T09:00:00Z",
         "ends_at": "2031-01-06T16:00:00Z", "location": "Leeds", "capacity": 10}
    b.update(over)
    return b


def nested(depth, open_="[", close="]"):
    return open_ * depth + close * depth


def cursor(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def uuids(n):
    return [str(uuidlib.UUID(int=i + 1)) for i in range(n)]


def readback(field, value):
    """A check: the created resource, read again by its Location, holds value verbatim."""
    def check(r):
        loc = r.header("Location")
        if not loc:
            return "no Location"
        got = call("GET", loc)
        if got.status != 200 or (got.json() or {}).get(field) != value:
            return "read back %s: %d, %r" % (field, got.status, (got.json() or {}).get(field, got.body[:80]))
        return None
    return check


def errors_name(*fields):
    """A check: errors[] names each of fields (a JSON pointer or a parameter name)."""
    def check(r):
        got = {e.get("field") for e in (r.json() or {}).get("errors", [])}
        missing = [f for f in fields if f not in got]
        return "errors[] lacks %s (has %s)" % (missing, sorted(x for x in got if x)[:5]) if missing else None
    return check


def small_answer(limit):
    def check(r):
        return "answer of %d bytes (at most %d)" % (len(r.body), limit) if len(r.body) > limit else None
    return check


def no_header(name):
    def check(r):
        return "answer carries %s" % name if r.header(name) is not None else None
    return check


def all_of(*checks):
    def check(r):
        for c in checks:
            p = c(r)
            if p:
                return p
        return None
    return check


# ---- the table ----
# Each row: (name, request, status, code, options). request is (method, path, body[, kwargs]),
# or raw bytes, or a dict for socket-level cases {raw, n, half_close, pauses}. status is an int
# or a list (pipelined answers), None = the server closes without an answer. code is the
# problem code where the application answers (None: not checked, libevent's own answer).
# options: check (a function of the response), cleanup ("delete": DELETE its Location, 204),
# changes ({table: rows}: what the case may change; default nothing).

H = "/v1/hubs"
S = "/v1/schools"
LONG = 10000
N200 = 200


def table():
    rv, per, host = F["review"], F["person"], F["host"]
    rvp = "/v1/reviews/" + rv
    pp = "/v1/people/" + per
    # Webhooks go with a key of the catalogue's own: subscriptions are capped per key, and the
    # suites before may have left the bootstrap token's near its cap.
    wh = {"token": F["key"]}
    return [
        # -- deep nesting
        ("nesting: 100,000 nested arrays as the body", ("POST", H, nested(100000)), 400, "malformed_json", {}),
        ("nesting: 100,000 nested objects as the body", ("POST", H, '{"a":' * 100000 + "1" + "}" * 100000), 400, "malformed_json", {}),
        ("nesting: 1,000 nested arrays as a name", ("POST", H, '{"name":%s,"region":"r"}' % nested(1000)), 422, "validation_failed", {"check": errors_name("/name")}),
        # -- huge and non-finite numbers
        ("number: capacity 1e309 (overflows a double)", ("POST", "/v1/training-sessions", '{"capacity":1e309}'), 400, "malformed_json", {}),
        ("number: capacity -1e309", ("POST", "/v1/training-sessions", '{"capacity":-1e309}'), 400, "malformed_json", {}),
        ("number: capacity 99999999999999999999 (overflows int64)", ("POST", "/v1/training-sessions", '{"capacity":99999999999999999999}'), 400, "malformed_json", {}),
        ("number: capacity 9223372036854775807", ("POST", "/v1/training-sessions", session(capacity=9223372036854775807)), 422, "validation_failed", {"check": errors_name("/capacity")}),
        ("number: capacity -9223372036854775808", ("POST", "/v1/training-sessions", session(capacity=-9223372036854775808)), 422, "validation_failed", {"check": errors_name("/capacity")}),
        ("number: capacity -0", ("POST", "/v1/training-sessions", json.dumps(session(capacity=1)).replace('"capacity": 1', '"capacity": -0')), 422, "validation_failed", {"check": errors_name("/capacity")}),
        ("number: capacity -0.0", ("POST", "/v1/training-sessions", json.dumps(session(capacity=1)).replace('"capacity": 1', '"capacity": -0.0')), 422, "validation_failed", {"check": errors_name("/capacity")}),
        ("number: capacity 1e308 (a real, not an integer)", ("POST", "/v1/training-sessions", json.dumps(session(capacity=1)).replace('"capacity": 1', '"capacity": 1e308')), 422, "validation_failed", {"check": errors_name("/capacity")}),
        ("number: capacity NaN (bare)", ("POST", "/v1/training-sessions", json.dumps(session(capacity=1)).replace('"capacity": 1', '"capacity": NaN')), 400, "malformed_json", {}),
        ("number: capacity Infinity (bare)", ("POST", "/v1/training-sessions", json.dumps(session(capacity=1)).replace('"capacity": 1', '"capacity": Infinity')), 400, "malformed_json", {}),
        ("number: capacity \"NaN\" (text)", ("POST", "/v1/training-sessions", session(capacity="NaN")), 422, "validation_failed", {"check": errors_name("/capacity")}),
        ("number: limit=1e309", ("GET", S + "?limit=1e309"), 422, "validation_failed", {"check": errors_name("limit")}),
        ("number: limit=NaN", ("GET", S + "?limit=NaN"), 422, "validation_failed", {"check": errors_name("limit")}),
        ("number: limit=-0", ("GET", S + "?limit=-0"), 422, "validation_failed", {"check": errors_name("limit")}),
        ("number: limit=99999999999999999999999", ("GET", S + "?limit=99999999999999999999999"), 422, "validation_failed", {"check": errors_name("limit")}),
        ("number: limit=0x10", ("GET", S + "?limit=0x10"), 422, "validation_failed", {"check": errors_name("limit")}),
        ("number: cursor at INT64_MAX microseconds", ("GET", S + "?cursor=" + cursor("v1.9223372036854775807." + NIL)), 422, "validation_failed", {"check": errors_name("cursor")}),
        ("number: cursor at the last microsecond of 9999", ("GET", S + "?cursor=" + cursor("v1.253402300799999999." + NIL)), 200, None, {}),
        ("number: cursor at 0 microseconds", ("GET", S + "?cursor=" + cursor("v1.0." + NIL)), 200, None, {}),
        ("number: cursor with a negative micros", ("GET", S + "?cursor=" + cursor("v1.-1." + NIL)), 422, "validation_failed", {"check": errors_name("cursor")}),
        # -- times and dates at their edges (offsets: RFC 3339 allows 23:59, PostgreSQL 15:59)
        ("time: a +23:59 offset", ("POST", "/v1/training-sessions", session(starts_at="2031-01-06T09:00:00+23:59")), 422, "validation_failed", {"check": errors_name("/starts_at")}),
        ("time: a -16:00 offset", ("POST", "/v1/training-sessions", session(ends_at="2031-01-06T16:00:00-16:00")), 422, "validation_failed", {"check": errors_name("/ends_at")}),
        ("time: a +23:59 offset on a reminder scan", ("POST", "/v1/admin/reminder-scan", {"as_of": "2031-01-06T09:00:00+23:59"}), 422, "validation_failed", {"check": errors_name("/as_of")}),
        ("time: offsets of +15:59 and -15:59", ("POST", "/v1/training-sessions", session(starts_at="2031-01-06T09:00:00+15:59", ends_at="2031-01-06T16:00:00-15:59")), 201, None,
         {"check": readback("starts_at", "2031-01-05T17:01:00Z"), "cleanup": "delete"}),
        ("time: a leap second", ("POST", "/v1/training-sessions", session(starts_at="2030-12-31T23:59:60Z", ends_at="2031-01-01T10:00:00Z")), 201, None, {"cleanup": "delete"}),
        ("time: the last second of 9999", ("POST", "/v1/training-sessions", session(starts_at="9999-12-31T20:00:00Z", ends_at="9999-12-31T23:59:59Z")), 201, None,
         {"check": readback("ends_at", "9999-12-31T23:59:59Z"), "cleanup": "delete"}),
        # Fractions: up to 9 digits (nanoseconds), kept to PostgreSQL's microseconds; more is refused.
        ("time: 9 fractional digits", ("POST", "/v1/training-sessions", session(starts_at="2031-01-06T09:00:00." + "9" * 9 + "Z")), 201, None, {"cleanup": "delete"}),
        ("time: 10 fractional digits", ("POST", "/v1/training-sessions", session(starts_at="2031-01-06T09:00:00." + "9" * 10 + "Z")), 422, "validation_failed", {"check": errors_name("/starts_at")}),
        ("time: 30 fractional digits", ("POST", "/v1/training-sessions", session(starts_at="2031-01-06T09:00:00." + "9" * 30 + "Z")), 422, "validation_failed", {"check": errors_name("/starts_at")}),
        ("time: hour 24", ("POST", "/v1/training-sessions", session(starts_at="2031-01-06T24:00:00Z")), 422, "validation_failed", {"check": errors_name("/starts_at")}),
        ("date: 29 February of a common year", ("POST", "/v1/people/%s/unavailability" % per, {"from_on": "2031-02-29", "to_on": "2031-03-01"}), 422, "validation_failed", {"check": errors_name("/from_on")}),
        ("date: year 0", ("POST", "/v1/people/%s/unavailability" % per, {"from_on": "0000-01-01", "to_on": "2031-03-01"}), 422, "validation_failed", {"check": errors_name("/from_on")}),
        ("date: a five-digit year", ("POST", "/v1/people/%s/unavailability" % per, {"from_on": "2031-01-01", "to_on": "10000-01-01"}), 422, "validation_failed", {"check": errors_name("/to_on")}),
        ("date: 0001-01-01 to 9999-12-31", ("POST", "/v1/people/%s/unavailability" % per, {"from_on": "0001-01-01", "to_on": "9999-12-31"}), 201, None, {"cleanup": "delete"}),
        # -- NUL and control characters
        ("control: escaped NUL in a name", ("POST", H, '{"name":"a\\u0000b","region":"r"}'), 400, "malformed_json", {}),
        ("control: raw NUL byte in a JSON string", ("POST", H, b'{"name":"a\x00b","region":"r"}'), 400, "malformed_json", {}),
        ("control: raw NUL byte after the body", ("POST", H, b'{"name":"a","region":"r"}\x00'), 400, "malformed_json", {}),
        ("control: raw 0x01 in a JSON string", ("POST", H, b'{"name":"a\x01b","region":"r"}'), 400, "malformed_json", {}),
        ("control: escaped controls are text, stored verbatim", ("POST", H, {"name": "a\u0001\u001f\u007f\tb", "region": "r\r\nSet-Cookie: x=1"}), 201, None,
         {"check": all_of(readback("name", "a\u0001\u001f\u007f\tb"), readback("region", "r\r\nSet-Cookie: x=1"), no_header("Set-Cookie")), "cleanup": "delete"}),
        ("control: %00 in a query value", ("GET", S + "?q=a%00b"), 422, "validation_failed", {"check": errors_name("q")}),
        ("control: %00 in a path id", ("GET", S + "/%00"), 404, "not_found", {}),
        ("control: raw NUL in the request line", b"GET /healthz\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, None, {}),
        ("control: raw NUL in a header value", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\nConnection: close\r\n\r\n", 200, None, {}),
        ("control: a name of only whitespace", ("POST", H, {"name": " \t\r\n", "region": "r"}), 422, "validation_failed", {"check": errors_name("/name")}),
        # -- invalid UTF-8 and overlong encodings
        ("utf8: 0xFF in a body string", ("POST", H, b'{"name":"a\xffb","region":"r"}'), 422, "validation_failed", {}),
        ("utf8: overlong '/' (C0 AF)", ("POST", H, b'{"name":"a\xc0\xafb","region":"r"}'), 422, "validation_failed", {}),
        ("utf8: overlong NUL (C0 80)", ("POST", H, b'{"name":"a\xc0\x80b","region":"r"}'), 422, "validation_failed", {}),
        ("utf8: overlong 3-byte (E0 80 AF)", ("POST", H, b'{"name":"a\xe0\x80\xafb","region":"r"}'), 422, "validation_failed", {}),
        ("utf8: encoded surrogate (ED A0 80)", ("POST", H, b'{"name":"a\xed\xa0\x80b","region":"r"}'), 422, "validation_failed", {}),
        ("utf8: past U+10FFFF (F4 90 80 80)", ("POST", H, b'{"name":"a\xf4\x90\x80\x80b","region":"r"}'), 422, "validation_failed", {}),
        ("utf8: truncated sequence at the end", ("POST", H, b'{"name":"ab","region":"r"}\xe2\x82'), 422, "validation_failed", {}),
        ("utf8: lone escaped surrogate \\ud800", ("POST", H, '{"name":"a\\ud800b","region":"r"}'), 400, "malformed_json", {}),
        ("utf8: escaped surrogate pair is one character", ("POST", H, '{"name":"a\\ud83d\\ude00b","region":"r"}'), 201, None, {"check": readback("name", "a\U0001F600b"), "cleanup": "delete"}),
        ("utf8: %FF in a query value", ("GET", S + "?q=%FF"), 422, "validation_failed", {"check": errors_name("q")}),
        ("utf8: overlong %C0%AF in a query value", ("GET", S + "?q=%C0%AF"), 422, "validation_failed", {"check": errors_name("q")}),
        ("utf8: 0xFF in the path", b"GET /v1/schools/\xff HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\nConnection: close\r\n\r\n", 404, "not_found", {}),
        # -- duplicate keys
        ("duplicate: a key twice", ("POST", H, '{"name":"a","name":"b","region":"r"}'), 400, "malformed_json", {}),
        ("duplicate: a key twice, once escaped", ("POST", H, '{"name":"a","n\\u0061me":"b","region":"r"}'), 400, "malformed_json", {}),
        ("duplicate: nested key twice", ("PATCH", pp, '{"notification_preferences":{"visit_7d":true,"visit_7d":false}}'), 400, "malformed_json", {}),
        ("duplicate: a query parameter twice", ("GET", S + "?limit=1&limit=2"), 422, "validation_failed", {"check": errors_name("limit")}),
        # -- arrays of 10,000 and 1,000,000 elements
        ("array: 10,000 copies of one webhook event", ("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["booking.changed"] * 10000}, wh), 422, "validation_failed",
         {"check": all_of(errors_name("/events"), small_answer(65536))}),
        ("array: 10,000 distinct made-up webhook events", ("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/h", "events": ["e%d" % i for i in range(10000)]}, wh), 422, "validation_failed",
         {"check": all_of(errors_name("/events"), small_answer(65536))}),
        ("array: 10,000 evidence_ids", ("POST", rvp + "/findings", {"kind": "strength", "text": "t", "evidence_ids": uuids(10000)}), 422, "validation_failed",
         {"check": all_of(errors_name("/evidence_ids"), small_answer(65536))}),
        ("array: 101 evidence_ids (one past the cap)", ("POST", rvp + "/findings", {"kind": "strength", "text": "t", "evidence_ids": uuids(101)}), 422, "validation_failed",
         {"check": all_of(errors_name("/evidence_ids"), small_answer(65536))}),
        ("array: 10,001 import items (one past the cap)", ("POST", "/v1/accreditations/import", {"items": [{"email": "x@example.org", "role": "peer_reviewer", "awarded_on": "2026-01-01"}] * 10001}), 422, "validation_failed",
         {"check": all_of(errors_name("/items"), small_answer(65536))}),
        ("array: 10,000 import items naming nobody", ("POST", "/v1/accreditations/import", {"items": [{"email": "nobody-%d@example.org" % i, "role": "peer_reviewer", "awarded_on": "2026-01-01"} for i in range(10000)]}), 422, "validation_failed", {}),
        ("array: 10,000 elements as a name", ("POST", H, {"name": [0] * 10000, "region": "r"}), 422, "validation_failed", {"check": errors_name("/name")}),
        ("array: 10,000 elements as the body", ("POST", H, [0] * 10000), 422, "validation_failed", {}),
        ("array: 1,000,000 webhook events (2 MB)", ("POST", "/v1/webhooks", '{"url":"http://127.0.0.1:9/h","events":[' + ",".join(["0"] * 1000000) + "]}", wh), 413, "payload_too_large", {}),
        ("array: 1,000,000 import items (2 MB)", ("POST", "/v1/accreditations/import", '{"items":[' + ",".join(["0"] * 1000000) + "]}"), 413, "payload_too_large", {}),
        ("array: 1,000,000 evidence_ids (2 MB)", ("POST", rvp + "/findings", '{"kind":"strength","text":"t","evidence_ids":[' + ",".join(["0"] * 1000000) + "]}"), 413, "payload_too_large", {}),
        # -- strings at and one past every limit (names 200, postcode 16, texts 10,000, URLs 2,000)
        ("limit: hub name and region at 200", ("POST", H, {"name": "n" * N200, "region": "r" * N200}), 201, None, {"check": all_of(readback("name", "n" * N200), readback("region", "r" * N200)), "cleanup": "delete"}),
        ("limit: hub name and region at 201", ("POST", H, {"name": "n" * 201, "region": "r" * 201}), 422, "validation_failed", {"check": errors_name("/name", "/region")}),
        ("limit: hub name at 200 two-byte characters", ("POST", H, {"name": "\u00e9" * N200, "region": "r"}), 201, None, {"check": readback("name", "\u00e9" * N200), "cleanup": "delete"}),
        ("limit: hub name at 201 two-byte characters", ("POST", H, {"name": "\u00e9" * 201, "region": "r"}), 422, "validation_failed", {"check": errors_name("/name")}),
        ("limit: hub name at 200 four-byte characters", ("POST", H, {"name": "\U0001F600" * N200, "region": "r"}), 201, None, {"check": readback("name", "\U0001F600" * N200), "cleanup": "delete"}),
        ("limit: hub name at 201 four-byte characters", ("POST", H, {"name": "\U0001F600" * 201, "region": "r"}), 422, "validation_failed", {"check": errors_name("/name")}),
        ("limit: partnership name at 200", ("POST", "/v1/partnerships", {"name": "p" * N200, "kind": "informal"}), 201, None, {"check": readback("name", "p" * N200), "cleanup": "delete"}),
        ("limit: partnership name at 201", ("POST", "/v1/partnerships", {"name": "p" * 201, "kind": "informal"}), 422, "validation_failed", {"check": errors_name("/name")}),
        ("limit: school name, local_authority at 200, postcode at 16", ("POST", S, school(name="s" * N200, local_authority="l" * N200, postcode="P" * 16)), 201, None,
         {"check": all_of(readback("name", "s" * N200), readback("local_authority", "l" * N200), readback("postcode", "P" * 16)), "cleanup": "delete"}),
        ("limit: school name, local_authority at 201, postcode at 17", ("POST", S, school(name="s" * 201, local_authority="l" * 201, postcode="P" * 17)), 422, "validation_failed",
         {"check": errors_name("/name", "/local_authority", "/postcode")}),
        ("limit: person full_name and job_title at 200 (audited: create, two reads, delete)", ("POST", "/v1/people", person(full_name="f" * N200, job_title="j" * N200)), 201, None,
         {"check": all_of(readback("full_name", "f" * N200), readback("job_title", "j" * N200)), "cleanup": "delete",
          "changes": {"audit_log": 4}}),
        ("limit: person full_name and job_title at 201", ("POST", "/v1/people", person(full_name="f" * 201, job_title="j" * 201)), 422, "validation_failed",
         {"check": errors_name("/full_name", "/job_title")}),
        ("limit: training session location at 200", ("POST", "/v1/training-sessions", session(location="l" * N200)), 201, None, {"check": readback("location", "l" * N200), "cleanup": "delete"}),
        ("limit: training session location at 201", ("POST", "/v1/training-sessions", session(location="l" * 201)), 422, "validation_failed", {"check": errors_name("/location")}),
        ("limit: api key name at 200 (a revoked key stays: one row)", ("POST", "/v1/api-keys", {"name": "k" * N200, "role": "admin"}), 201, None,
         {"check": readback("name", "k" * N200), "cleanup": "delete", "changes": {"api_keys": 1}}),
        ("limit: api key name at 201", ("POST", "/v1/api-keys", {"name": "k" * 201, "role": "admin"}), 422, "validation_failed", {"check": errors_name("/name")}),
        ("limit: conflict reason at 10,000", ("POST", pp + "/conflicts", {"school_id": F["third"], "reason": "c" * LONG}), 201, None, {"check": readback("reason", "c" * LONG), "cleanup": "delete"}),
        ("limit: conflict reason at 10,001", ("POST", pp + "/conflicts", {"school_id": F["third"], "reason": "c" * (LONG + 1)}), 422, "validation_failed", {"check": errors_name("/reason")}),
        ("limit: unavailability reason at 10,000", ("POST", pp + "/unavailability", {"from_on": "2031-03-01", "to_on": "2031-03-02", "reason": "u" * LONG}), 201, None,
         {"check": readback("reason", "u" * LONG), "cleanup": "delete"}),
        ("limit: unavailability reason at 10,001", ("POST", pp + "/unavailability", {"from_on": "2031-03-01", "to_on": "2031-03-02", "reason": "u" * (LONG + 1)}), 422, "validation_failed",
         {"check": errors_name("/reason")}),
        ("limit: accreditation note at 10,000 (an award is never deleted: one row)", ("POST", pp + "/accreditations", {"role": "improvement_champion", "awarded_on": "2020-01-01", "note": "a" * LONG}), 201, None,
         {"check": readback("note", "a" * LONG), "changes": {"accreditations": 1}}),
        ("limit: accreditation note at 10,001", ("POST", pp + "/accreditations", {"role": "improvement_champion", "awarded_on": "2020-01-01", "note": "a" * (LONG + 1)}), 422, "validation_failed",
         {"check": errors_name("/note")}),
        ("limit: import item note at 10,001", ("POST", "/v1/accreditations/import", {"items": [{"person_id": per, "role": "peer_reviewer", "awarded_on": "2026-01-01", "note": "a" * (LONG + 1)}]}), 422, "validation_failed",
         {"check": errors_name("/items/0/note")}),
        ("limit: review texts at 10,000 (PATCH: the review row changes)", ("PATCH", rvp, {"focus": "f" * LONG, "self_review_summary": "s" * LONG, "impact_summary": "i" * LONG, "lessons_learned": "l" * LONG}), 200, None,
         {"check": lambda r: None if all((r.json() or {}).get(k) == c * LONG for k, c in (("focus", "f"), ("self_review_summary", "s"), ("impact_summary", "i"), ("lessons_learned", "l"))) else "texts not stored verbatim",
          "changes": {"reviews": 0}}),
        ("limit: review texts at 10,001", ("PATCH", rvp, {"focus": "f" * (LONG + 1), "self_review_summary": "s" * (LONG + 1), "impact_summary": "i" * (LONG + 1), "lessons_learned": "l" * (LONG + 1)}), 422, "validation_failed",
         {"check": errors_name("/focus", "/self_review_summary", "/impact_summary", "/lessons_learned")}),
        ("limit: evidence summary at 10,000", ("POST", rvp + "/evidence", {"kind": "document", "summary": "e" * LONG, "recorded_by": per}), 201, None, {"check": readback("summary", "e" * LONG), "cleanup": "delete"}),
        ("limit: evidence summary at 10,001", ("POST", rvp + "/evidence", {"kind": "document", "summary": "e" * (LONG + 1), "recorded_by": per}), 422, "validation_failed", {"check": errors_name("/summary")}),
        ("limit: evidence source_url at 2,001", ("POST", rvp + "/evidence", {"kind": "document", "summary": "e", "recorded_by": per, "source_url": "https://example.org/" + "u" * (2001 - 20)}), 422, "validation_failed",
         {"check": errors_name("/source_url")}),
        ("limit: finding text at 10,000", ("POST", rvp + "/findings", {"kind": "question", "text": "t" * LONG}), 201, None, {"check": readback("text", "t" * LONG), "cleanup": "delete"}),
        ("limit: finding text at 10,001", ("POST", rvp + "/findings", {"kind": "question", "text": "t" * (LONG + 1)}), 422, "validation_failed", {"check": errors_name("/text")}),
        ("limit: action description at 10,000", ("POST", rvp + "/actions", {"description": "d" * LONG}), 201, None, {"check": readback("description", "d" * LONG), "cleanup": "delete"}),
        ("limit: action description at 10,001", ("POST", rvp + "/actions", {"description": "d" * (LONG + 1)}), 422, "validation_failed", {"check": errors_name("/description")}),
        ("limit: best practice title 200, description 10,000", ("POST", rvp + "/best-practices", {"title": "b" * N200, "description": "d" * LONG}), 201, None,
         {"check": all_of(readback("title", "b" * N200), readback("description", "d" * LONG)), "cleanup": "delete"}),
        ("limit: best practice title 201, description 10,001", ("POST", rvp + "/best-practices", {"title": "b" * 201, "description": "d" * (LONG + 1)}), 422, "validation_failed",
         {"check": errors_name("/title", "/description")}),
        ("limit: transition reason at 10,001", ("POST", rvp + "/transitions", {"to": "cancelled", "reason": "r" * (LONG + 1)}), 422, "validation_failed", {"check": errors_name("/reason")}),
        ("limit: webhook url at 2,000", ("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/" + "w" * (2000 - 19), "events": ["booking.changed"]}, wh), 201, None,
         {"check": readback("url", "http://127.0.0.1:9/" + "w" * (2000 - 19)), "cleanup": "delete"}),
        ("limit: webhook url at 2,001", ("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/" + "w" * (2001 - 19), "events": ["booking.changed"]}, wh), 422, "validation_failed", {"check": errors_name("/url")}),
        ("limit: q filter at 200", ("GET", S + "?q=" + "q" * N200), 200, None, {}),
        ("limit: q filter at 201", ("GET", S + "?q=" + "q" * 201), 422, "validation_failed", {"check": errors_name("q")}),
        ("limit: limit=200", ("GET", S + "?limit=200"), 200, None, {}),
        ("limit: limit=201", ("GET", S + "?limit=201"), 422, "validation_failed", {"check": errors_name("limit")}),
        # -- SQL and header injection strings: stored verbatim, found verbatim, never executed
        ("sql: quotes and a DROP in names, stored verbatim", ("POST", H, {"name": "Robert'); DROP TABLE hubs;--", "region": "' OR '1'='1"}), 201, None,
         {"check": all_of(readback("name", "Robert'); DROP TABLE hubs;--"), readback("region", "' OR '1'='1")), "cleanup": "delete"}),
        ("sql: backslashes, dollar quotes and a comment in a school name", ("POST", S, school(name="x\\'; $$; SELECT pg_sleep(10); -- /* \\x00")), 201, None,
         {"check": readback("name", "x\\'; $$; SELECT pg_sleep(10); -- /* \\x00"), "cleanup": "delete"}),
        ("sql: markup in a name, stored verbatim", ("POST", H, {"name": "<script>alert(1)</script>&amp;", "region": "r"}), 201, None,
         {"check": readback("name", "<script>alert(1)</script>&amp;"), "cleanup": "delete"}),
        ("sql: q=' OR 1=1 -- finds nothing", ("GET", S + "?q=%27%20OR%201%3D1%20--"), 200, None, {"check": lambda r: None if (r.json() or {}).get("items") == [] else "q matched rows"}),
        ("sql: q=%25 (a LIKE wildcard) finds only names holding %", ("GET", S + "?q=%25&limit=200"), 200, None,
         {"check": lambda r: None if all("%" in i["name"] for i in (r.json() or {}).get("items", [None])) else "q=% matched names without %"}),
        ("sql: q=_ (a LIKE wildcard) finds only names holding _", ("GET", S + "?q=_&limit=200"), 200, None,
         {"check": lambda r: None if all("_" in i["name"] for i in (r.json() or {}).get("items", [None])) else "q=_ matched names without _"}),
        ("sql: an injection as a filter id", ("GET", S + "?partnership_id=%27%20OR%201%3D1--"), 422, "validation_failed", {"check": errors_name("partnership_id")}),
        ("sql: an injection as an enum", ("GET", "/v1/reviews?status=planning%27%20OR%201%3D1--"), 422, "validation_failed", {"check": errors_name("status")}),
        ("header: CRLF in a path", ("GET", S + "/%0d%0aSet-Cookie:%20x=1"), 404, "not_found", {"check": no_header("Set-Cookie")}),
        ("header: CRLF in a query value", ("GET", S + "?q=%0d%0aSet-Cookie:%20x=1"), 200, None, {"check": no_header("Set-Cookie")}),
        ("header: obs-fold X-Request-Id is not echoed", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\r\n Set-Cookie: x=1\r\nConnection: close\r\n\r\n", 200, None,
         {"check": all_of(no_header("Set-Cookie"), lambda r: None if "set-cookie" not in (r.header("X-Request-Id") or "").lower() else "echoed a folded header")}),
        ("header: a quote in X-Request-Id is not echoed", ("GET", "/healthz", None, {"headers": {"X-Request-Id": 'a"b'}}), 200, None,
         {"check": lambda r: None if r.header("X-Request-Id") != 'a"b' else "echoed"}),
        ("header: a 129-byte X-Request-Id is not echoed", ("GET", "/healthz", None, {"headers": {"X-Request-Id": "r" * 129}}), 200, None,
         {"check": lambda r: None if r.header("X-Request-Id") != "r" * 129 else "echoed"}),
        ("header: Content-Length and Transfer-Encoding together", b"POST /v1/hubs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 27\r\nConnection: close\r\n\r\n" + b'{"name":"TE","region":"r"}\n', 400, None, {}),
        ("header: two Content-Lengths", b"POST /v1/hubs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: 26\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" + b'{"name":"CL","region":"r"}', 400, None, {}),
        ("header: a negative Content-Length", b"POST /v1/hubs HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n", 400, None, {}),
        ("header: a 128-byte X-Request-Id is echoed", ("GET", "/healthz", None, {"headers": {"X-Request-Id": "r" * 128}}), 200, None,
         {"check": lambda r: None if r.header("X-Request-Id") == "r" * 128 else "not echoed"}),
        ("header: a foreign Origin gets no CORS headers", ("GET", S + "?limit=1", None, {"headers": {"Origin": "https://evil.example"}}), 200, None,
         {"check": no_header("Access-Control-Allow-Origin")}),
        ("header: If-Match with a 21-digit version", ("PATCH", S + "/" + F["victim"], {"name": "Changed"}, {"headers": {"If-Match": '"999999999999999999999"'}}), 412, "precondition_failed", {}),
        ("header: If-Match empty", ("DELETE", S + "/" + F["victim"], None, {"headers": {"If-Match": ""}}), 412, "precondition_failed", {}),
        ("header: a refused POST with a 300-byte Idempotency-Key stores nothing", ("POST", H, {"name": ""}, {"headers": {"Idempotency-Key": "k" * 300}}), 422, "validation_failed", {}),
        ("header: a refused POST with control bytes in Idempotency-Key stores nothing", ("POST", H, {"name": ""}, {"headers": {"Idempotency-Key": "\x01\x7f"}}), 422, "validation_failed", {}),
        ("request: HTTP/9.9", b"GET /healthz HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n", 400, None, {}),
        ("request: a header line without a colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\nConnection: close\r\n\r\n", 400, None, {}),
        ("request: a 5,000-character method", b"G" * 5000 + b" /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 501, None, {}),
        ("request: a request line without a version", b"GET /healthz\r\n\r\n", 400, None, {}),
        # -- non-UUID ids
        ("id: not-a-uuid", ("GET", S + "/not-a-uuid"), 404, "not_found", {}),
        ("id: 36 characters, not hex", ("GET", S + "/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"), 404, "not_found", {}),
        ("id: a UUID with braces", ("GET", S + "/{%s}" % host), 404, "not_found", {}),
        ("id: a UUID and a tail", ("GET", S + "/" + host + "x"), 404, "not_found", {}),
        ("id: a UUID without dashes", ("GET", S + "/" + host.replace("-", "")), 404, "not_found", {}),
        ("id: 300 characters", ("GET", S + "/" + "a" * 300), 404, "not_found", {}),
        ("id: an injection", ("GET", S + "/1%27%20OR%20%271%27=%271"), 404, "not_found", {}),
        ("id: the nil UUID", ("GET", S + "/" + NIL), 404, "not_found", {}),
        ("id: upper case names the same school", ("GET", S + "/" + host.upper()), 200, None, {}),
        ("id: PATCH a non-UUID", ("PATCH", S + "/not-a-uuid", {"name": "x"}), 404, "not_found", {}),
        ("id: DELETE a non-UUID", ("DELETE", S + "/not-a-uuid"), 404, "not_found", {}),
        ("id: a non-UUID sub-item", ("DELETE", rvp + "/evidence/1"), 404, "not_found", {}),
        ("id: a non-UUID in a body", ("POST", "/v1/people", person(school_id="1 OR 1=1")), 422, "validation_failed", {"check": errors_name("/school_id")}),
        # -- path traversal
        ("path: /v1/schools/../hubs", ("GET", "/v1/schools/../hubs"), 404, "not_found", {}),
        ("path: /v1/./schools", ("GET", "/v1/./schools"), 404, "not_found", {}),
        ("path: encoded ../", ("GET", "/v1/schools/%2e%2e/hubs"), 404, "not_found", {}),
        ("path: encoded slash", ("GET", "/v1/schools%2f" + host), 404, "not_found", {}),
        ("path: /openapi.yaml/../../etc/passwd", ("GET", "/openapi.yaml/../../../../etc/passwd"), 404, "not_found", {}),
        ("path: /../../etc/passwd", ("GET", "/../../etc/passwd"), 404, "not_found", {}),
        ("path: a calendar feed secret with ../", ("GET", "/feeds/calendar/..%2f..%2fetc%2fpasswd.ics"), 404, "not_found", {}),
        ("path: a doubled slash", ("GET", "/v1//schools"), 404, "not_found", {}),
        ("path: a trailing slash", ("GET", "/v1/schools/"), 404, "not_found", {}),
        ("path: an absolute URI naming another host", ("GET", "http://evil.example/v1/schools"), 200, None, {}),
        # -- oversized headers and URLs (libevent answers before the application: its own body)
        ("size: one 20 KB header", ("GET", "/healthz", None, {"headers": {"X-Big": "y" * 20000}}), 400, None, {}),
        ("size: 2,000 small headers", ("GET", "/healthz", None, {"headers": {"X-H%d" % i: "v" for i in range(2000)}}), 400, None, {}),
        ("size: a 20 KB URL", ("GET", "/v1/schools/" + "a" * 20000), 400, None, {}),
        ("size: an 8 KB path (under the header limit)", ("GET", "/v1/schools/" + "a" * 8000), 404, "not_found", {}),
        ("size: an 8 KB query value", ("GET", S + "?q=" + "a" * 8000), 422, "validation_failed", {"check": errors_name("q")}),
        ("size: 1,000 query parameters", ("GET", S + "?" + "&".join("p%d=1" % i for i in range(1000))), 422, "validation_failed", {"check": small_answer(262144)}),
        ("size: a 10 KB bearer token", ("GET", S, None, {"auth": False, "headers": {"Authorization": "Bearer " + "t" * 10000}}), 401, "unauthorized", {}),
        ("size: a body of 1 MiB + 1 on POST", ("POST", H, b" " * MIB + b"{}"), 413, "payload_too_large", {}),
        ("size: a body of 5 MiB on POST, the body half a second after the headers",
         {"raw": [request_bytes("POST", H, b" " * (5 * MIB))[:-5 * MIB], b" " * (5 * MIB)], "pauses": [0, 0.5]}, [413], None, {}),
        # A body declared over the limit is read and thrown away, then refused with 413 (libevent's
        # lingering close: a client still sending gets the 413 instead of a reset). A client that
        # waits on Expect: 100-continue sends its body after a moment, as curl does (1 s); one that
        # declares a body and never sends it is dropped at the timeout (slow_cases).
        ("size: Expect: 100-continue with 2 MiB declared, the body sent after 1 s",
         {"raw": [request_bytes("POST", H, b" " * (2 * MIB), headers={"Expect": "100-continue"})[:-2 * MIB], b" " * (2 * MIB)],
          "pauses": [0, 1.0]}, [413], None, {}),
        ("size: a declared 2 MiB body sent whole", ("POST", H, b" " * (2 * MIB)), 413, None, {}),
        # -- wrong methods and content types
        ("method: PUT on a collection", ("PUT", S, {}), 405, "method_not_allowed", {"check": lambda r: None if r.header("Allow") == "GET, POST" else "Allow: %s" % r.header("Allow")}),
        ("method: DELETE on a collection", ("DELETE", S), 405, "method_not_allowed", {}),
        ("method: POST on an item", ("POST", S + "/" + host, {"name": "x"}), 405, "method_not_allowed", {}),
        ("method: PATCH on a webhook", ("PATCH", "/v1/webhooks/" + NIL, {}), 405, "method_not_allowed", {}),
        ("method: POST /healthz", ("POST", "/healthz", {}), 405, "method_not_allowed", {}),
        ("method: DELETE /openapi.yaml", ("DELETE", "/openapi.yaml"), 405, "method_not_allowed", {}),
        # -- the one-click unsubscribe link (public; its token is checked, never a UUID)
        ("unsubscribe: DELETE", ("DELETE", "/unsubscribe/" + "A" * 46), 405, "method_not_allowed", {}),
        ("unsubscribe: GET of a token no server made", ("GET", "/unsubscribe/AQ" + "B" * 44), 404, "not_found", {}),
        ("unsubscribe: one-click POST of a token no server made", ("POST", "/unsubscribe/AQ" + "B" * 44, "List-Unsubscribe=One-Click", {"ctype": "application/x-www-form-urlencoded"}), 404, "not_found", {}),
        ("unsubscribe: POST of a forged token with a JSON body and an Idempotency-Key", ("POST", "/unsubscribe/AQ" + "C" * 44, {"x": 1}, {"headers": {"Idempotency-Key": "unsub-1"}}), 404, "not_found", {}),
        ("unsubscribe: a token of 5,000 characters", ("POST", "/unsubscribe/" + "A" * 5000, "List-Unsubscribe=One-Click", {"ctype": "application/x-www-form-urlencoded"}), 404, "not_found", {}),
        ("unsubscribe: a percent-encoded NUL in the token", ("GET", "/unsubscribe/AQ%00" + "A" * 42), 404, "not_found", {}),
        ("unsubscribe: a query parameter", ("GET", "/unsubscribe/AQ" + "B" * 44 + "?x=1"), 422, "validation_failed", {}),
        ("unsubscribe: a 2 MiB body", ("POST", "/unsubscribe/AQ" + "B" * 44, b" " * (2 * MIB)), 413, "payload_too_large", {}),
        ("method: an unknown method (BREW)", ("BREW", S), 501, None, {}),
        ("method: TRACE", ("TRACE", S), 501, None, {}),
        ("method: CONNECT", ("CONNECT", "127.0.0.1:22"), 501, None, {}),
        ("method: lower-case get", ("get", "/healthz"), 501, None, {}),
        ("method: OPTIONS answers what the path takes", ("OPTIONS", S), 204, None, {"check": lambda r: None if r.header("Allow") == "GET, POST, OPTIONS" else "Allow: %s" % r.header("Allow")}),
        ("method: HEAD on a list", ("HEAD", S), 200, None, {}),
        ("ctype: text/plain", ("POST", H, {"name": "x", "region": "r"}, {"ctype": "text/plain"}), 415, "unsupported_media_type", {}),
        ("ctype: none with a body", ("POST", H, {"name": "x", "region": "r"}, {"ctype": None}), 415, "unsupported_media_type", {}),
        ("ctype: application/jsonx", ("POST", H, {"name": "x", "region": "r"}, {"ctype": "application/jsonx"}), 415, "unsupported_media_type", {}),
        ("ctype: multipart/form-data", ("POST", H, "--b\r\n\r\n--b--", {"ctype": "multipart/form-data; boundary=b"}), 415, "unsupported_media_type", {}),
        ("ctype: merge-patch on a POST", ("POST", H, {"name": "x", "region": "r"}, {"ctype": "application/merge-patch+json"}), 415, "unsupported_media_type", {}),
        ("ctype: json-patch on a PATCH", ("PATCH", S + "/" + host, [{"op": "remove", "path": "/name"}], {"ctype": "application/json-patch+json"}), 415, "unsupported_media_type", {}),
        ("ctype: upper-case APPLICATION/JSON is JSON", ("POST", H, {"name": "x", "region": "r", "grade": 1}, {"ctype": "APPLICATION/JSON; charset=utf-8"}), 422, "validation_failed", {"check": errors_name("/grade")}),
        ("ctype: merge-patch on a PATCH, with a bad field", ("PATCH", S + "/" + host, {"name": None}, {"ctype": "application/merge-patch+json"}), 422, "validation_failed", {"check": errors_name("/name")}),
        ("auth: none, with a malformed body", ("POST", H, "{", {"auth": False}), 401, "unauthorized", {}),
        ("auth: a made-up token", ("GET", S, None, {"auth": False, "headers": {"Authorization": "Bearer spp_madeup"}}), 401, "unauthorized", {}),
        # A calendar subscription URL's secret is its credential: one that names no live feed
        # answers 404 and writes nothing (no audit row).
        ("feed: an unknown calendar secret", ("GET", "/feeds/calendar/" + "0" * 64 + ".ics", None, {"auth": False}), 404, "not_found", {}),
        ("feed: a secret of 65 hex digits", ("GET", "/feeds/calendar/" + "a" * 65 + ".ics", None, {"auth": False}), 404, "not_found", {}),
        ("feed: a secret of 2,000 characters", ("GET", "/feeds/calendar/" + "a" * 2000 + ".ics", None, {"auth": False}), 404, "not_found", {}),
        ("feed: an escaped NUL in the secret", ("GET", "/feeds/calendar/" + "0" * 63 + "%00.ics", None, {"auth": False}), 404, "not_found", {}),
        ("feed: a dot-dot secret", ("GET", "/feeds/calendar/..%2F..%2Fv1%2Fpeople.ics", None, {"auth": False}), 404, "not_found", {}),
        ("feed: an empty secret", ("GET", "/feeds/calendar/.ics", None, {"auth": False}), 404, "not_found", {}),
        ("feed: a query on the feed URL", ("GET", "/feeds/calendar/" + "0" * 64 + ".ics?x=1", None, {"auth": False}), 422, "validation_failed", {}),
        ("feed: DELETE on a feed URL", ("DELETE", "/feeds/calendar/" + "0" * 64 + ".ics", None, {"auth": False}), 405, "method_not_allowed", {}),
        ("auth: Basic credentials", ("GET", S, None, {"auth": False, "headers": {"Authorization": "Basic YWRtaW46YWRtaW4="}}), 401, "unauthorized", {}),
        ("body: a JSON string", ("POST", H, '"x"'), 422, "validation_failed", {}),
        ("body: null", ("POST", H, "null"), 422, "validation_failed", {}),
        ("body: two objects", ("POST", H, '{"name":"a","region":"r"}{"name":"b","region":"r"}'), 400, "malformed_json", {}),
        ("body: a BOM before the object", ("POST", H, b'\xef\xbb\xbf{"name":"a","region":"r"}'), 400, "malformed_json", {}),
        ("body: trailing garbage", ("POST", H, '{"name":"a","region":"r"} x'), 400, "malformed_json", {}),
        ("body: an unknown field (a grade)", ("PATCH", rvp, {"grade": "outstanding"}), 422, "validation_failed", {"check": errors_name("/grade")}),
        ("body: a read-only field", ("PATCH", rvp, {"status": "completed"}), 422, "validation_failed", {"check": errors_name("/status")}),
        # -- bodies on GET and DELETE
        ("get-body: a small body on GET is ignored", ("GET", S + "/" + host, '{"name":"x"}'), 200, None, {}),
        ("get-body: 1 MiB + 1 on GET", ("GET", S, b" " * (MIB + 1)), 413, "payload_too_large", {}),
        # libevent reads no body on HEAD: the declared length is judged, the answer given at once
        # and the connection closed. A client that went on sending the body would race that close
        # (unread data makes the kernel reset the connection), so this one waits for the answer.
        ("get-body: 1 MiB + 1 declared on HEAD", {"raw": request_bytes("HEAD", S, b" " * (MIB + 1))[:-(MIB + 1)], "heads": [True], "wait": 5}, [413], None, {}),
        ("get-body: 1 MiB + 1 on OPTIONS", ("OPTIONS", S, b" " * (MIB + 1)), 413, "payload_too_large", {}),
        ("get-body: 1 MiB + 1 on DELETE", ("DELETE", S + "/" + NIL, b" " * (MIB + 1)), 413, "payload_too_large", {}),
        ("get-body: 1 MiB + 1 on GET without a token", ("GET", S, b" " * (MIB + 1), {"auth": False}), 413, "payload_too_large", {}),
        ("get-body: 3 MiB on GET", ("GET", S, b" " * (3 * MIB)), 413, "payload_too_large", {}),
        ("delete-body: a small body on DELETE of nothing", ("DELETE", H + "/" + NIL, '{"force":true}'), 404, "not_found", {}),
        ("delete-body: a small body on DELETE is ignored (made, then deleted)", ("POST", H, {"name": "Deleted with a body", "region": "r"}), 201, None, {"cleanup": "delete-with-body"}),
        # -- query strings: a parameter without a value, unknown parameters on every route
        ("query: a parameter without '='", ("GET", S + "?limit"), 422, "validation_failed", {"check": errors_name("limit")}),
        ("query: a bare '&' and an empty name", ("GET", S + "?&=1"), 422, "validation_failed", {}),
        ("query: an unknown parameter on a list", ("GET", S + "?bogus=1"), 422, "validation_failed", {"check": errors_name("bogus")}),
        ("query: an unknown parameter on an item", ("GET", S + "/" + host + "?bogus=1"), 422, "validation_failed", {"check": errors_name("bogus")}),
        ("query: an unknown parameter on a review item", ("GET", rvp + "?expand=all"), 422, "validation_failed", {"check": errors_name("expand")}),
        ("query: an unknown parameter on a PATCH changes nothing", ("PATCH", S + "/" + F["victim"] + "?dry_run=1", {"name": "Changed"}), 422, "validation_failed", {"check": errors_name("dry_run")}),
        ("query: an unknown parameter on a DELETE deletes nothing", ("DELETE", S + "/" + F["victim"] + "?force=true"), 422, "validation_failed", {"check": errors_name("force")}),
        ("query: an unknown parameter on a POST creates nothing", ("POST", H + "?async=1", {"name": "Query", "region": "r"}), 422, "validation_failed", {"check": errors_name("async")}),
        # -- pipelined and half-closed connections, stalled requests
        ("pipeline: three requests in one write, a bad one between", {"raw": request_bytes("GET", "/healthz", close=False) + request_bytes("POST", H, "{", close=False) + request_bytes("GET", S + "/" + host), "n": 3}, [200, 400, 200], None, {}),
        ("pipeline: a create between two bad requests",
         {"raw": request_bytes("POST", H, "[", close=False) + request_bytes("POST", H, {"name": "Pipelined", "region": "r"}, close=False) + request_bytes("DELETE", S + "/x"), "n": 3}, [400, 201, 404], None,
         {"changes": {"hubs": 1}}),
        ("pipeline: bytes past Content-Length are the next request",
         {"raw": request_bytes("POST", H, '{"name":"a"}' + 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', close=False, length=12), "n": 2},
         [422, 200], None, {}),
        ("pipeline: garbage past Content-Length is a bad request",
         {"raw": request_bytes("POST", H, '{"name":"a"}xyz\r\n\r\n', close=False, length=12), "n": 2}, [422, 400], None, {}),
        ("pipeline: an oversized request ends the connection", {"raw": request_bytes("GET", "/healthz", headers={"X-Big": "y" * 20000}, close=False) + request_bytes("GET", "/healthz"), "n": 2}, [400], None, {}),
        ("pipeline: 50 requests in one write", {"raw": b"".join(request_bytes("GET", S + "/" + host, close=False) for _ in range(49)) + request_bytes("GET", "/healthz"), "n": 50}, [200] * 50, None, {}),
        ("half-close: a whole request, then FIN, is answered", {"raw": request_bytes("GET", S + "/" + host, close=False), "half_close": True}, [200], None, {}),
        ("half-close: half a request line, then FIN", {"raw": b"GET /heal", "half_close": True}, None, None, {}),
        ("half-close: a create with half its body, then FIN, creates nothing", {"raw": request_bytes("POST", H, {"name": "Half", "region": "r"})[:-10], "half_close": True}, None, None, {}),
        ("half-close: a pipelined create then FIN is answered", {"raw": request_bytes("POST", H, {"name": "Half closed", "region": "r"}, close=False), "half_close": True}, [201], None, {"changes": {"hubs": 1}}),
    ]


def slow_cases():
    """Stalls longer than the server's timeout, run in threads beside the table: the server must
    close without acting, and keep serving everyone else meanwhile."""
    body = json.dumps({"name": "Slow " + RUN, "region": "r"}).encode()
    req = request_bytes("POST", H, body)
    head = req[:len(req) - len(body)]
    return [
        ("slow: a body stalled past the timeout creates nothing", [head + body[:5], body[5:]]),
        ("slow: headers stalled past the timeout", [req[:30], req[30:]]),
        ("slow: a request line stalled past the timeout", [b"GET /v1/sch", b"ools HTTP/1.1\r\n\r\n"]),
        ("slow: a 10 GB body declared and never sent, nothing buffered",
         [b"POST /v1/hubs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{}", b"x"]),
    ]


def run_slow(name, parts, results):
    rs, closed, secs = exchange(parts, pauses=[0, HTTP_TIMEOUT + 2], wait=HTTP_TIMEOUT + 10)
    if rs:
        results.append((name, "answered %d (expected a close without an answer)" % rs[0].status))
    elif not closed:
        results.append((name, "not closed after %.1f s" % secs))
    elif secs < HTTP_TIMEOUT - 1:
        results.append((name, "closed after %.1f s, before the %d s timeout" % (secs, HTTP_TIMEOUT)))
    else:
        results.append((name, None))


def run_case(db, before, row):
    name, reqspec, status, code, opts = row
    heads = []
    if isinstance(reqspec, dict):
        heads = reqspec.get("heads", [])
        rs, closed, _ = exchange(reqspec["raw"], n=reqspec.get("n", 1), heads=heads or None,
                                 half_close=reqspec.get("half_close", False),
                                 pauses=reqspec.get("pauses"), wait=reqspec.get("wait", 15.0))
    elif isinstance(reqspec, bytes):
        rs, closed, _ = exchange(reqspec)
    else:
        method, path, body = reqspec[0], reqspec[1], reqspec[2] if len(reqspec) > 2 else None
        kw = reqspec[3] if len(reqspec) > 3 else {}
        heads = [method == "HEAD"]
        rs, closed, _ = exchange(request_bytes(method, path, body, **kw), heads=heads)
    problems = []
    got = [r.status for r in rs]
    if status is None:
        if rs:
            problems.append("answered %s, expected a close without an answer" % got)
        elif not closed:
            problems.append("connection neither answered nor closed")
    elif isinstance(status, list):
        if got != status:
            problems.append("statuses %s, expected %s" % (got, status))
    elif not rs:
        problems.append("no answer (closed: %s), expected %d" % (closed, status))
    else:
        r = rs[0]
        if r.status != status:
            problems.append("status %d, expected %d: %s" % (r.status, status, r.body[:200]))
        elif code is not None:
            j = r.json() or {}
            if r.header("Content-Type") != "application/problem+json" or j.get("code") != code:
                problems.append("code %r (%s), expected %s" % (j.get("code"), r.header("Content-Type"), code))
        if not problems and opts.get("check"):
            p = opts["check"](r)
            if p:
                problems.append(p)
        if r.status == 201 and opts.get("cleanup"):
            loc = r.header("Location")
            kw = reqspec[3] if isinstance(reqspec, tuple) and len(reqspec) > 3 else {}
            kw = {k: v for k, v in kw.items() if k in ("token", "auth")}
            if opts["cleanup"] == "delete-with-body":
                d = call("DELETE", loc, '{"force":true,"cascade":true}', **kw)
            else:
                d = call("DELETE", loc, **kw)
            if d.status != 204:
                problems.append("cleanup DELETE %s: %d" % (loc, d.status))
    after = db.snapshot(before)
    problems += compare(before, after, opts.get("changes", {}))
    return problems, after


def main():
    db = Db(DB_URL)
    setup()
    slow_results, threads = [], []
    def wanted(name):
        return (not ONLY or any(o in name for o in ONLY)) and not any(x in name for x in SKIP)
    rows = [r for r in table() if wanted(r[0])]
    slows = [s for s in slow_cases() if wanted(s[0])]
    if SKIP:
        print("hostile catalogue: HOSTILE_SKIP leaves out cases naming %s" % SKIP)
    start_snap = db.snapshot(full=True)
    for name, parts in slows:
        t = threading.Thread(target=run_slow, args=(name, parts, slow_results))
        t.start()
        threads.append(t)
    t0 = time.time()
    failed = 0
    before = start_snap
    for row in rows:
        try:
            problems, before = run_case(db, before, row)
        except Exception as e:  # a dead server or a broken exchange is a failure of this case
            problems = ["error: %r" % e]
            before = db.snapshot(before)
        if problems:
            failed += 1
            print("FAILED: %s: %s" % (row[0], "; ".join(problems)))
        elif VERBOSE:
            print("ok: %s" % row[0])
    table_secs = time.time() - t0
    for t in threads:
        t.join()
    for name, problem in slow_results:
        if problem:
            failed += 1
            print("FAILED: %s: %s" % (name, problem))
        elif VERBOSE:
            print("ok: %s" % name)
    # The stalled requests may not have changed anything either; and every checksum carried
    # over from a case to the next must be what hashing the table afresh gives.
    end = db.snapshot(full=True)
    end_problems = compare(before, end, {})
    if end_problems:
        failed += 1
        print("FAILED: the database changed during the stalled requests: " + "; ".join(end_problems))
    carried = db.snapshot(before)
    if carried != end:
        failed += 1
        print("FAILED: a carried checksum differs from a fresh one: %s"
              % [t for t in end if end[t] != carried[t]])
    alive = call("GET", "/healthz").status
    if alive != 200:
        failed += 1
        print("FAILED: /healthz answers %d after the catalogue" % alive)
    total = len(rows) + len(slows)
    print("hostile catalogue: %d cases, %d failed; %d tables checked after each; table %.1f s, all %.1f s"
          % (total, failed, len(db.tables), table_secs, time.time() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
