"""Abandoned requests leave the API's memory flat (issue 9, defect 6).

Sends COUNT requests that each take a moment to answer (an authenticated list of up to 200
schools, with an 8 KiB header so that anything libevent keeps per request shows), and closes
each connection before its answer arrives. Between batches it lets the server settle and
reads VmRSS of PID from /proc. The first half warms the allocator up; the second half must
grow RSS by less than MAX_GROWTH_MIB. Then the API must still answer a plain request.

    /usr/bin/python3 tests/support/abandon.py HOST:PORT TOKEN PID [COUNT [MAX_GROWTH_MIB]]

Exits 0 when memory stayed flat and the API still answers, 1 otherwise.

With Debian's libevent 2.1.12, evhttp stops reading a connection while the application holds
its request (evhttp_handle_request disables EV_READ), so a client that leaves is noticed only
when the answer is written; the request is then freed by libevent after the write. This check
guards that whole path (answer written to a closed or reset socket, request and arena freed)
against leaks, whichever way libevent reports the close.
"""
import socket
import struct
import sys
import time

host, port = sys.argv[1].rsplit(":", 1)
port = int(port)
token = sys.argv[2]
pid = int(sys.argv[3])
count = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
max_growth_mib = float(sys.argv[5]) if len(sys.argv) > 5 else 8.0
at_once = 50  # connections abandoned together, then one answered request waits behind them


def rss_kib():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def settle():
    """Waits for the answer to a request queued behind the abandoned ones (the hand-off queue
    is first in, first out), so that they have all reached a handler."""
    for _ in range(100):
        try:
            s = socket.create_connection((host, port), timeout=30)
            s.sendall(("GET /v1/schools?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                       "Connection: close\r\n\r\n" % token).encode())
            data = s.recv(4096)
            s.close()
            if data.startswith(b"HTTP/1.1 200"):
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


request = ("GET /v1/schools?limit=200 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "X-Pad: %s\r\n\r\n" % (token, "p" * 8192)).encode()
# Closing with a reset (SO_LINGER 0) makes the server's write of the answer fail too.
linger = struct.pack("ii", 1, 0)


def abandon(n):
    sent = 0
    while sent < n:
        batch = []
        for _ in range(min(at_once, n - sent)):
            s = socket.create_connection((host, port), timeout=10)
            s.sendall(request)
            batch.append(s)
            sent += 1
        time.sleep(0.002)  # the requests reach their handlers; none is answered yet
        for i, s in enumerate(batch):
            if i % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            s.close()
        if not settle():
            return False
    return True


if not settle():
    print("abandon: the API does not answer an authenticated list")
    sys.exit(1)
half = count // 2
start = rss_kib()
ok = abandon(half)
time.sleep(0.5)
mid = rss_kib()
ok = abandon(count - half) and ok
time.sleep(0.5)
end = rss_kib()
first = (mid - start) / 1024.0
second = (end - mid) / 1024.0
print("abandon: %d abandoned requests; VmRSS %.1f MiB -> %.1f MiB after %d (+%.1f) -> %.1f MiB "
      "after %d more (+%.1f; limit +%.1f)" % (count, start / 1024.0, mid / 1024.0, half, first,
                                               end / 1024.0, count - half, second, max_growth_mib))
if not ok:
    print("abandon: the API stopped answering")
    sys.exit(1)
sys.exit(0 if second < max_growth_mib else 1)
