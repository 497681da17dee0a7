#!/usr/bin/python3
# bench/http_answers.py PORT TOKEN SCHOOL_PATH: the raw bytes of spp-api's answers to 47 requests (Date and
# X-Request-Id masked), each on a new connection, for diffing two builds byte for byte (p10-http:
# evhttp against the HTTP/1.1 layer of our own). "[closed]"/"[open]" says whether the server
# closed the connection after its answers.
import socket, sys, re, time
port, tok, sp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
A = "Authorization: Bearer %s\r\n" % tok
def ex(raw, idle=0.6, parts=None):
    s = socket.create_connection(("127.0.0.1", port))
    if parts:
        for p, pause in parts:
            time.sleep(pause); s.sendall(p)
    else:
        s.sendall(raw)
    s.settimeout(idle); d = b""
    while True:
        try:
            c = s.recv(1 << 20)
        except Exception:
            d += b"[open]"; break
        if not c:
            d += b"[closed]"; break
        d += c
    s.close()
    d = re.sub(rb"(Date|X-Request-Id): [^\r]*", rb"\1: *", d)
    return d
g = lambda m, p, extra="", v="1.1", body=b"": ("%s %s HTTP/%s\r\nHost: x\r\n%s%s\r\n" % (m, p, v, A, extra)).encode() + body
r = ex(g("GET", sp)); etag = re.search(rb"ETag: ([^\r]*)", r).group(1).decode()
cases = [
 ("get", g("GET", sp)),
 ("head", g("HEAD", sp)),
 ("get 1.0", g("GET", sp, v="1.0")),
 ("get 1.0 keep-alive", g("GET", sp, "Connection: keep-alive\r\n", v="1.0")),
 ("get close", g("GET", sp, "Connection: close\r\n")),
 ("404", g("GET", "/v1/schools/00000000-0000-0000-0000-000000000000")),
 ("404 path", g("GET", "/nope")),
 ("options", g("OPTIONS", "/v1/schools", "Origin: https://app.example.org\r\n")),
 ("healthz", g("GET", "/healthz")),
 ("405", g("DELETE", "/healthz")),
 ("inm x", g("GET", sp, "If-None-Match: x\r\n")),
 ("inm 304", g("GET", sp, "If-None-Match: %s\r\n" % etag)),
 ("list", g("GET", "/v1/schools?limit=2")),
 ("422", g("POST", "/v1/schools", "Content-Type: application/json\r\nContent-Length: 2\r\n", body=b"{}")),
 ("422 1.0", g("POST", "/v1/schools", "Content-Type: application/json\r\nContent-Length: 2\r\n", v="1.0", body=b"{}")),
 ("422 chunked", g("POST", "/v1/schools", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", body=b"1\r\n{\r\n1\r\n}\r\n0\r\n\r\n")),
 ("413 declared", g("POST", "/v1/schools", "Content-Type: application/json\r\nContent-Length: 2000000\r\n"), 2),
 ("413 declared sent", None, 3, [(g("POST", "/v1/schools", "Content-Type: application/json\r\nContent-Length: 2000000\r\n") + b" " * 2000000, 0)]),
 ("413 declared close", g("POST", "/v1/schools", "Connection: close\r\nContent-Length: 1048577\r\n") + b" " * 1048577),
 ("413 chunked", g("POST", "/v1/schools", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", body=b"200000\r\n")),
 ("413 get body", g("GET", sp, "Content-Length: 1048577\r\n") + b" " * 1048577),
 ("head 413", g("HEAD", sp, "Content-Length: 1048577\r\n")),
 ("head cl 5", g("HEAD", sp, "Content-Length: 5\r\n")),
 ("get body", g("GET", sp, "Content-Length: 5\r\n", body=b"hello")),
 ("malformed line", b"GET /healthz\r\nHost: x\r\n\r\n"),
 ("malformed version", b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n"),
 ("nul in line", b"GET /healthz\x00 HTTP/1.1\r\nHost: x\r\n\r\n"),
 ("501", b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
 ("501 trace", b"TRACE /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
 ("two cl", g("POST", "/v1/hubs", "Content-Length: 2\r\nContent-Length: 0\r\nConnection: close\r\n", body=b"{}")),
 ("cl te", g("POST", "/v1/hubs", "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", body=b"{}")),
 ("te gzip", g("POST", "/v1/hubs", "Transfer-Encoding: gzip\r\n", body=b"{}")),
 ("neg cl", g("POST", "/v1/hubs", "Content-Length: -1\r\n")),
 ("no colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\nConnection: close\r\n\r\n"),
 ("big header", g("GET", "/healthz", "X-Big: " + "y" * 20000 + "\r\n")),
 ("expect 100", g("POST", "/v1/schools", "Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n"), 0.6, [(g("POST", "/v1/schools", "Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n"), 0), (b"{}", 0.3)]),
 ("expect foo", g("POST", "/v1/schools", "Content-Type: application/json\r\nContent-Length: 2\r\nExpect: foo\r\n", body=b"{}")),
 ("pipeline 3", g("GET", "/healthz") + g("POST", "/v1/hubs", "Content-Type: application/json\r\nContent-Length: 1\r\n", body=b"{") + g("GET", sp, "Connection: close\r\n")),
 ("pipeline 1.0 ka", g("GET", "/healthz", "Connection: keep-alive\r\n", v="1.0") + g("GET", "/healthz", v="1.0")),
 ("query bad", g("GET", "/v1/schools?limit")),
 ("abs uri", g("GET", "http://x" + sp)),
 ("fold", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\r\n Set-Cookie: x=1\r\nConnection: close\r\n\r\n"),
 ("empty line first", b"\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
 ("bare lf", b"GET /healthz HTTP/1.1\nHost: x\n\n"),
 ("half close", None, 0.6, "half"),
 ("star", g("OPTIONS", "*")),
 ("ff path", g("GET", "/v1/schools/\xff".encode('latin-1').decode('latin-1'))),
]
for c in cases:
    name, raw = c[0], c[1]
    idle = c[2] if len(c) > 2 else 0.6
    parts = c[3] if len(c) > 3 else None
    if parts == "half":
        s = socket.create_connection(("127.0.0.1", port)); s.sendall(g("GET", "/healthz")); s.shutdown(socket.SHUT_WR)
        s.settimeout(1); d = b""
        while True:
            try: x = s.recv(65536)
            except Exception: d += b"[open]"; break
            if not x: d += b"[closed]"; break
            d += x
        r = re.sub(rb"(Date|X-Request-Id): [^\r]*", rb"\1: *", d)
    else:
        r = ex(raw, idle, parts)
    sys.stdout.buffer.write(b"== " + name.encode() + b"\n" + r + b"\n")
