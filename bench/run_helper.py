"""Helpers for bench/run that need many HTTP requests on one kept-alive connection, or
arithmetic on the results. Standard library only (Debian's /usr/bin/python3).

  roundtrip BASE TOKEN IN OUT N    keeps (in OUT) the first N review ids of IN on which
                                   scheduled -> planning -> scheduled both answer 200
  post BASE TOKEN TEMPLATE BODY IN OUT STATUS
                                   POSTs BODY to TEMPLATE with {} replaced by each line of IN;
                                   every answer must be STATUS; writes each answer's "id" to OUT
  check BASE TOKEN FILE            GETs each path of FILE, every answer must be 2xx
  report RESULTS JSON              reads bench/run's results (one JSON object a line), prints the
                                   table with ratios and targets, writes JSON
"""
import http.client
import json
import sys
import urllib.parse


def conn(base):
    u = urllib.parse.urlparse(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def call(c, method, path, token, body=None):
    h = {"Authorization": "Bearer " + token}
    if body is not None:
        h["Content-Type"] = "application/json"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, data


def roundtrip(base, token, src, out, n):
    c = conn(base)
    kept = []
    for line in open(src):
        rid = line.strip()
        if not rid:
            continue
        path = "/v1/reviews/%s/transitions" % rid
        s1, _ = call(c, "POST", path, token, '{"to":"planning"}')
        if s1 != 200:
            continue
        s2, _ = call(c, "POST", path, token, '{"to":"scheduled"}')
        if s2 == 200:
            kept.append(rid)
            if len(kept) >= n:
                break
    with open(out, "w") as f:
        f.write("".join(k + "\n" for k in kept))
    print(len(kept))
    return 0 if len(kept) >= n else 1


def post(base, token, template, body, src, out, status):
    c = conn(base)
    ids, bad = [], []
    for line in open(src):
        x = line.strip()
        if not x:
            continue
        s, data = call(c, "POST", template.replace("{}", x), token, body or None)
        if s != int(status):
            bad.append("%s: %d %s" % (x, s, data[:200].decode(errors="replace")))
            continue
        ids.append(json.loads(data)["id"])
    with open(out, "w") as f:
        f.write("".join(i + "\n" for i in ids))
    if bad:
        print("%d of %d answered otherwise than %s, e.g. %s" % (len(bad), len(bad) + len(ids), status, bad[0]),
              file=sys.stderr)
        return 1
    return 0


def check(base, token, src):
    c = conn(base)
    for line in open(src):
        p = line.strip()
        if p:
            s, data = call(c, "GET", p, token)
            if not 200 <= s <= 299:
                print("GET %s: %d %s" % (p, s, data[:300].decode(errors="replace")), file=sys.stderr)
                return 1
    return 0


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def report(results, out):
    rows = [json.loads(l) for l in open(results) if l.strip()]
    by = {r["name"]: r for r in rows}
    select = by.get("pgbench select-1-row", {}).get("rps")
    insert = by.get("pgbench insert-1-row", {}).get("rps")
    print()
    print("%-44s %10s %8s %8s %7s %8s  %s" % ("workload", "req/s", "p50 ms", "p99 ms", "errors", "ratio", "target"))
    for r in rows:
        if r.get("kind") != "http":
            continue
        base = insert if r.get("vs") == "insert" else select if r.get("vs") == "select" else None
        r["ratio"] = round(r["rps"] / base, 3) if base and r.get("rps") and not r.get("errors") else None
        met = None
        t = r.get("target")
        if t and not r.get("errors"):
            met = True
            if "ratio_min" in t:
                met = met and r["ratio"] is not None and r["ratio"] >= t["ratio_min"]
            if "p99_max_ms" in t:
                met = met and r["p99_ms"] <= t["p99_max_ms"]
            if "p50_max_ms" in t:
                met = met and r["p50_ms"] <= t["p50_max_ms"]
        elif t:
            met = False
        r["met"] = met
        rps = "ERRORS" if r.get("errors") else fmt(r.get("rps"), ".0f")
        tgt = "" if not t else "%s: %s" % (t["text"], "met" if met else "NOT met")
        ratio = "" if r["ratio"] is None else "%.3f%s" % (r["ratio"], " (w)" if r.get("vs") == "insert" else "")
        print("%-44s %10s %8s %8s %7s %8s  %s" % (r["name"], rps, fmt(r.get("p50_ms"), ".2f"),
                                                 fmt(r.get("p99_ms"), ".2f"), r.get("errors", 0), ratio, tgt))
    print()
    print("ratio: to pgbench -S -M prepared (select-1-row); (w) to the durable insert-1-row limit")
    print()
    print("%-44s %14s  %s" % ("other target", "figure", "target"))
    for r in rows:
        if r.get("kind") != "figure":
            continue
        t = r.get("target")
        met = None
        if t and not r.get("errors"):
            v = r["value"]
            met = (("max" not in t or v <= t["max"]) and ("min" not in t or v >= t["min"]))
        elif t:
            met = False
        r["met"] = met
        val = "ERRORS" if r.get("errors") else "%s %s" % (fmt(r["value"], r.get("fmt", ".1f")), r.get("unit", ""))
        tgt = "" if not t else "%s: %s" % (t["text"], "met" if met else "NOT met")
        print("%-44s %14s  %s%s" % (r["name"], val, tgt, ("  (" + r["note"] + ")") if r.get("note") else ""))
    with open(out, "w") as f:
        json.dump({"results": rows}, f, indent=1)
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "roundtrip":
        return roundtrip(argv[2], argv[3], argv[4], argv[5], int(argv[6]))
    if cmd == "post":
        return post(*argv[2:9])
    if cmd == "check":
        return check(argv[2], argv[3], argv[4])
    if cmd == "report":
        return report(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
