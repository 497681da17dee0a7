"""Clients that give up: for bench/load.sh, beside wrk.

  /usr/bin/python3 bench/abandon.py HOST:PORT TOKEN CONNECTIONS SECONDS URN_BASE INTERVAL_MS

CONNECTIONS threads each loop for SECONDS, one request every INTERVAL_MS (the pace of one of
wrk's connections, so that they stand for a share of the connections rather than a flood that
fills the server's queue): connect, send a request, and close without reading
the answer: in turn after the whole request and 0-20 ms (a list, a create, a PATCH of a school
that does not exist: the handler is working on it or has answered into a closed socket), and in
the middle of a body (Content-Length promises more than is sent). Half of the closes are resets (SO_LINGER
0), half orderly (FIN). Prints one line: the counts by kind, and connect errors (the API did
not accept), which must be 0.
"""

import random
import socket
import struct
import sys
import threading
import time

host, port = sys.argv[1].rsplit(":", 1)
port = int(port)
token = sys.argv[2]
nconn = int(sys.argv[3])
seconds = float(sys.argv[4])
urn_base = int(sys.argv[5])
interval = float(sys.argv[6]) / 1000

counts = {"list": 0, "create": 0, "stale": 0, "partial": 0, "connect_errors": 0}
lock = threading.Lock()


def request(kind, n):
    head = "Host: {}\r\nAuthorization: Bearer {}\r\nX-Request-Id: abandon.{}\r\n".format(
        sys.argv[1], token, n)
    if kind == "list":
        return ("GET /v1/schools?limit=50 HTTP/1.1\r\n" + head + "\r\n").encode()
    if kind == "create":
        body = ('{"urn":"%07d","name":"Abandoned %d","phase_of_education":"primary",'
                '"local_authority":"Leeds"}' % (urn_base + n, n))
    elif kind == "stale":
        body = '{"postcode":"LS1 1AA"}'
    else:
        body = '{"urn":"%07d","name":"Never finished","phase_of_e' % (urn_base + n)
    method, path, ctype = "POST", "/v1/schools", "application/json"
    if kind == "stale":
        method, path = "PATCH", "/v1/schools/00000000-0000-4000-8000-000000000000"
        ctype = "application/merge-patch+json"
        head += 'If-Match: "999999"\r\n'
    length = len(body) + (200 if kind == "partial" else 0)
    return ("{} {} HTTP/1.1\r\n{}Content-Type: {}\r\nContent-Length: {}\r\n\r\n{}".format(
        method, path, head, ctype, length, body)).encode()


def run(index):
    deadline = time.monotonic() + seconds
    n = index * 100_000
    kinds = ["list", "create", "stale", "partial"]
    mine = {k: 0 for k in counts}
    while time.monotonic() < deadline:
        start = time.monotonic()
        n += 1
        kind = kinds[n % len(kinds)]
        try:
            s = socket.create_connection((host, port), timeout=5)
        except OSError:
            mine["connect_errors"] += 1
            time.sleep(0.05)
            continue
        try:
            s.sendall(request(kind, n))
            if kind != "partial":
                time.sleep(random.uniform(0, 0.02))
            if n % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            mine[kind] += 1
        except OSError:
            pass
        finally:
            s.close()
        time.sleep(max(0.0, start + interval - time.monotonic()))
    with lock:
        for k, v in mine.items():
            counts[k] += v


threads = [threading.Thread(target=run, args=(i,)) for i in range(nconn)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("ABANDON " + " ".join("{}={}".format(k, v) for k, v in counts.items()))
