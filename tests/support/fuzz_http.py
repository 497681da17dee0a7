"""Throws malformed and hostile requests at a running spp-api for a while: bad methods, paths,
query strings, bodies, headers and tokens. Exits 1 when any answer is a 500 or a connection
fails (the server must answer every request, and never with an internal error).

    /usr/bin/python3 tests/support/fuzz_http.py HOST:PORT ADMIN_TOKEN SECONDS [SEED]
"""
import json
import random
import socket
import sys
import time

host, port = sys.argv[1].rsplit(":", 1)
port = int(port)
tok = sys.argv[2]
random.seed(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
paths = ["/v1/schools", "/v1/schools/{u}", "/v1/people", "/v1/people/{u}/conflicts", "/v1/reviews", "/v1/reviews/{u}/transitions",
         "/v1/reviews/{u}/team", "/v1/training-sessions", "/v1/training-sessions/{u}/bookings", "/v1/bookings/{u}", "/v1/jobs",
         "/v1/api-keys", "/v1/webhooks", "/v1/partnerships/{u}/digests", "/v1/digests/{u}", "/v1/accreditations/import",
         "/v1/notifications", "/v1/admin/reminder-scan", "/healthz", "/metrics", "/v1/hubs/{u}", "/v1/partnerships/{u}/phase",
         "/v1/partnerships/{u}/review-plans", "/v1/review-plans/{u}", "/v1/review-plans/{u}/accept"]
methods = ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "HEAD", "BREW"]
junk = ['{', '[]', '"x"', 'null', '{"a":' * 50, '{"name":"\u0000"}', '{"urn":123}', '\xff\xfe', '{"items":[' + ','.join(['{"email":"x@y.z","role":"peer_reviewer","awarded_on":"2020-01-01"}'] * 50) + ']}',
        '{"to":"scheduled"}', '{"status":"cancelled"}', '{"person_id":"' + 'a' * 5000 + '"}', json.dumps({"name": "x" * 300, "q": [1, 2]}),
        '{"starts_at":"2026-13-45T99:99:99Z"}', '{"capacity":-1}', '{"capacity":1e309}', '{"events":["x"],"url":"http://10.0.0.1/"}']
def uuid():
    return random.choice(["00000000-0000-0000-0000-000000000000", "not-a-uuid", "%00", "..", "a" * 300, "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"])
n = 0; errors = 0
end = time.time() + float(sys.argv[3])
while time.time() < end:
    p = random.choice(paths).replace("{u}", uuid())
    if random.random() < 0.3:
        p += "?" + "&".join(random.choice(["limit=0", "limit=abc", "cursor=%%%", "q=%ff", "status=x", "from=2020-02-30", "x=y", "limit=5"]) for _ in range(random.randint(1, 4)))
    m = random.choice(methods)
    body = random.choice(junk).encode("utf-8", "surrogatepass") if random.random() < 0.8 else b""
    hdrs = ["Host: x"]
    if random.random() < 0.9: hdrs.append("Authorization: Bearer " + random.choice([tok, "bad", "", tok + "x"]))
    if random.random() < 0.7: hdrs.append("Content-Type: " + random.choice(["application/json", "text/plain", "application/merge-patch+json", "application/json; charset=utf-8"]))
    if random.random() < 0.2: hdrs.append("If-Match: " + random.choice(['"1"', '*', 'W/"x"', '"', ',,,']))
    if random.random() < 0.2: hdrs.append("Idempotency-Key: " + random.choice(["k1", "\x01", "x" * 300]))
    if random.random() < 0.05: hdrs.append("X-Big: " + "y" * 20000)
    req = ("%s %s HTTP/1.1\r\n%s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (m, p, "\r\n".join(hdrs), len(body))).encode("latin-1", "replace") + body
    try:
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(req)
        data = s.recv(65536)
        s.close()
        n += 1
        # 501 is libevent's own answer to an unknown method, before the application.
        if data.startswith(b"HTTP/1.1 500") or not data.startswith(b"HTTP/1.1 "):
            errors += 1
            print("bad answer:", m, p[:80], body[:80], data[:200])
    except Exception as e:
        errors += 1
        print("error", e, m, p[:80])
        time.sleep(0.1)
print("fuzz: %d requests, %d bad answers or failed connections" % (n, errors))
sys.exit(1 if errors or n == 0 else 0)
