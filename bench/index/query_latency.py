#!/usr/bin/env python3
"""query_latency.py — graph query latency on an indexed tree, through the REST API.

    query_latency.py --codegraph BIN --tree TREE --data DIR [-n N] [--json-out FILE]

Starts a private `codegraph serve` over DIR (see cgserver.py), takes the entities of a
seeded random sample of the tree's files (outline), then times, on one keep-alive
http.client connection, N requests of each kind:
  symbols   GET /api/v1/projects/{id}/symbols?q=NAME&match=exact&limit=20
  callers   GET /api/v1/entities/{id}/callers?depth=3&limit=100   (functions and methods
            that have at least one caller: probed first with depth=1, untimed)
Latency is client-side: request sent → whole body read (JSON decoding not included), so it
includes Python's http.client overhead (tens of µs). Prints p50/p99/max, requests/s and how
many answers were non-empty (a latency over empty answers says little).
"""
import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cgserver  # noqa: E402

SEED = 20240311  # fixed: the same sample on every run of the same tree
SAMPLE_FILES = 200  # files whose outline provides the query entities
WARMUP = 20  # requests of each kind sent before timing
DEPTH = 3  # callers depth
CALLERS_LIMIT = 100
SYMBOLS_LIMIT = 20
DEFAULT_N = 300  # timed requests of each kind
SOURCE_EXT = (".py", ".pyi")
CALLER_PROBES = 3000  # functions probed (depth 1, untimed) to find some that have callers


def timed_get(srv, url, params):
    """(seconds, status, body bytes) for one GET on the keep-alive connection."""
    q = cgserver.urllib.parse.urlencode(params)
    t0 = time.perf_counter()
    srv.conn.request("GET", url + "?" + q)
    r = srv.conn.getresponse()
    raw = r.read()
    return time.perf_counter() - t0, r.status, raw


def sample_entities(srv, pid, tree):
    files = []
    for d, dirs, names in os.walk(tree):
        dirs.sort()
        files += [os.path.relpath(os.path.join(d, n), tree) for n in sorted(names)
                  if n.endswith(SOURCE_EXT)]
    rng = random.Random(SEED)
    ents = []
    for rel in rng.sample(files, min(SAMPLE_FILES, len(files))):
        try:
            ents += srv.pages("/api/v1/projects/%d/outline" % pid, {"path": rel})
        except RuntimeError:
            pass  # a file the index skipped
    return ents


def called(srv, ids):
    """The ids among a sample of `ids` that have at least one caller (untimed probes): a
    callers latency over functions nobody calls would time empty answers."""
    rng = random.Random(SEED + 2)
    probe = rng.sample(ids, min(CALLER_PROBES, len(ids)))
    out = []
    for i in probe:
        st, body = srv.get("/api/v1/entities/%d/callers" % i, {"depth": 1, "limit": 1})
        if st == 200 and body.get("items"):
            out.append(i)
    print("callers: %d of %d probed functions/methods have callers" % (len(out), len(probe)))
    return out or probe


def measure(srv, kind, reqs):
    """Time every (url, params) in reqs after WARMUP untimed ones."""
    for url, params in reqs[:WARMUP]:
        timed_get(srv, url, params)
    lat, nonempty, items, failed = [], 0, 0, 0
    t0 = time.perf_counter()
    for url, params in reqs:
        dt, st, raw = timed_get(srv, url, params)
        lat.append(dt)
        if st != 200:
            failed += 1
            continue
        n = len(json.loads(raw).get("items", []))
        items += n
        nonempty += n > 0
    wall = time.perf_counter() - t0
    lat.sort()
    res = {"n": len(lat), "p50_ms": 1e3 * lat[len(lat) // 2],
           "p99_ms": 1e3 * lat[min(len(lat) - 1, int(len(lat) * 0.99))],
           "max_ms": 1e3 * lat[-1], "mean_ms": 1e3 * sum(lat) / len(lat),
           "nonempty": nonempty, "mean_items": items / len(lat), "failed": failed,
           "req_per_s": len(lat) / wall}
    print("%-8s n=%d  p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%.0f req/s; %d non-empty, "
          "%.1f items on average, %d failed)" % (kind, res["n"], res["p50_ms"], res["p99_ms"],
                                                 res["max_ms"], res["req_per_s"], nonempty,
                                                 res["mean_items"], failed))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--codegraph", required=True)
    ap.add_argument("--tree", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("-n", type=int, default=DEFAULT_N)
    ap.add_argument("--json-out")
    args = ap.parse_args()
    cgserver.install_sigterm()
    out = {}
    with cgserver.Server(args.codegraph, args.data, args.tree) as srv:
        p = srv.project_for(os.path.basename(os.path.realpath(args.tree)))
        ents = sample_entities(srv, p["id"], os.path.realpath(args.tree))
        if not ents:
            sys.exit("query_latency: no entities in the sampled files")
        rng = random.Random(SEED + 1)
        names = [e["name"] for e in ents if e["name"]]
        funcs = called(srv, [e["id"] for e in ents if e["kind"] in ("function", "method")])
        sym_url = "/api/v1/projects/%d/symbols" % p["id"]
        sym = [(sym_url, {"q": rng.choice(names), "match": "exact", "limit": SYMBOLS_LIMIT})
               for _ in range(args.n)]
        cal = [("/api/v1/entities/%d/callers" % rng.choice(funcs),
                {"depth": DEPTH, "limit": CALLERS_LIMIT}) for _ in range(args.n)]
        print("query latency: %d entities from the outlines of %d sampled files of project %s" %
              (len(ents), len({e["path"] for e in ents}), p["name"]))
        out["symbols"] = measure(srv, "symbols", sym)
        out["callers3"] = measure(srv, "callers3", cal)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(out, f)


if __name__ == "__main__":
    main()
