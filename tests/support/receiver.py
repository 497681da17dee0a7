#!/usr/bin/python3
"""A real HTTP receiver for the webhook tests (standard library only).

    /usr/bin/python3 tests/support/receiver.py PORT DIR

Listens on 127.0.0.1:PORT. Every POST to any path but /_control is recorded, as it arrived,
in DIR/<seq>.json: {"seq", "path", "headers": {name: value}, "body" (text), "body_b64" (the raw
bytes), "status" (what it answered), "received_at"}. It answers 200 unless told otherwise:

    POST /_control {"fail": 2}                      the next 2 POSTs answer 500
    POST /_control {"fail": 2, "status": 503, "path": "/hooks/a"}
                                                    the next 2 POSTs to /hooks/a answer 503
    POST /_control {"reset": true}                  forget every rule

    GET /_requests[?path=/hooks/a]                  what arrived (oldest first), as a JSON array
    GET /_health                                    200 once listening
"""

import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class State:
    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        self.seq = 0
        self.rules = []  # [{"path": str|None, "left": int, "status": int}]
        self.records = []

    def answer_for(self, path):
        """The status the next POST to path gets (a matching rule is used up by one)."""
        with self.lock:
            for rule in self.rules:
                if rule["left"] > 0 and rule["path"] in (None, path):
                    rule["left"] -= 1
                    return rule["status"]
        return 200

    def record(self, path, headers, body, status):
        with self.lock:
            self.seq += 1
            rec = {
                "seq": self.seq,
                "path": path,
                "headers": headers,
                "body": body.decode("utf-8", errors="replace"),
                "body_b64": base64.b64encode(body).decode("ascii"),
                "status": status,
                "received_at": time.time(),
            }
            self.records.append(rec)
            name = os.path.join(self.directory, "%06d.json" % self.seq)
            with open(name + ".tmp", "w", encoding="utf-8") as f:
                json.dump(rec, f)
            os.replace(name + ".tmp", name)


class Handler(BaseHTTPRequestHandler):
    server_version = "spp-test-receiver/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the tests read /_requests
        pass

    def reply(self, status, payload):
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self):
        url = urlsplit(self.path)
        state = self.server.state
        if url.path == "/_health":
            self.reply(200, {"status": "ok"})
        elif url.path == "/_requests":
            want = parse_qs(url.query).get("path", [None])[0]
            with state.lock:
                out = [r for r in state.records if want is None or r["path"] == want]
            self.reply(200, out)
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        url = urlsplit(self.path)
        body = self.read_body()
        state = self.server.state
        if url.path == "/_control":
            try:
                cmd = json.loads(body or b"{}")
            except ValueError:
                self.reply(400, {"error": "bad json"})
                return
            with state.lock:
                if cmd.get("reset"):
                    state.rules.clear()
                if cmd.get("fail"):
                    state.rules.append({"path": cmd.get("path"), "left": int(cmd["fail"]),
                                        "status": int(cmd.get("status", 500))})
            self.reply(200, {"ok": True})
            return
        status = state.answer_for(url.path)
        headers = {k: v for k, v in self.headers.items()}
        state.record(url.path, headers, body, status)
        self.reply(status, {"received": status < 300})


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: receiver.py PORT DIR\n")
        sys.exit(2)
    port, directory = int(sys.argv[1]), sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.state = State(directory)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
