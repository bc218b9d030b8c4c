"""mcp_bench.py — every MCP tool on a large indexed tree: latency (p50/p99) and answer size.

Usage: mcp_bench.py BINARY TREE DATA_DIR [CALLS_PER_TOOL]

Starts a private `codegraph serve` (bench/index/cgserver.py) over DATA_DIR, indexes TREE
once (REST), then sends JSON-RPC tools/call requests on one keep-alive connection, the way
an agent's HTTP client does. Targets are picked deterministically from the index: entities
found by prefix symbol searches ("a".."z", every 7th hit), their files, and caller → entity
pairs from trace_path for find_path. For the tools with a REST twin the same query also goes
to the REST endpoint in the same run, and the table shows MCP / REST (the price of the JSON-
RPC envelope, the schema check, the text copy and the byte budget).

Checked on every answer (the bench fails otherwise): HTTP 200, the answer at most
RESPONSE_MAX bytes (the MCP answer bound), and no isError except on targets that may
legitimately not resolve (counted as "errors" in the table, with the first message).
"""
import http.client
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "index"))
from cgserver import Server, install_sigterm  # noqa: E402

RESPONSE_MAX = 64 * 1024
SEARCH_QUERIES = ["parse header", "json decode", "read file lines", "socket connect timeout",
                  "thread lock acquire", "url quote", "compress data", "date time format",
                  "random choice", "path join", "regular expression match", "http request",
                  "unicode normalize", "temporary directory", "subprocess run", "csv writer",
                  "hash digest", "email message", "logging handler", "queue get"]


def pct(v, p):
    s = sorted(v)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.seq = 0

    def raw(self, method, path, body=None):
        hdrs = {"Content-Type": "application/json",
                "Accept": "application/json, text/event-stream"} if body else {}
        t0 = time.perf_counter()
        self.conn.request(method, path, body=body, headers=hdrs)
        r = self.conn.getresponse()
        data = r.read()
        return r.status, data, time.perf_counter() - t0

    def tool(self, name, args):
        self.seq += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.seq, "method": "tools/call",
                           "params": {"name": name, "arguments": args}})
        st, data, dt = self.raw("POST", "/mcp", body)
        if st != 200:
            raise RuntimeError("%s → HTTP %d %s" % (name, st, data[:300]))
        return json.loads(data)["result"], len(data), dt


def targets(c, project, n):
    """Entities (every 7th hit of prefix searches a..z), up to 3n of them."""
    ents = []
    for letter in "abcdefghijklmnopqrstuvwxyz":
        res, _, _ = c.tool("search_symbols", {"query": letter, "match": "prefix", "limit": 200,
                                              "project": project})
        items = res.get("structuredContent", {}).get("items", [])
        ents += [i for k, i in enumerate(items) if k % 7 == 3 and i["kind"] != "file"]
    return ents[:3 * n]


def path_pairs(c, ents, n):
    """(caller, entity) pairs two calls apart, so that a path exists."""
    pairs = []
    for e in ents:
        res, _, _ = c.tool("trace_path", {"entity_id": e["id"], "depth": 2, "limit": 200})
        far = [i for i in res.get("structuredContent", {}).get("items", []) if i["depth"] == 2]
        if far:
            pairs.append((far[0]["id"], e["id"]))
        if len(pairs) >= n:
            break
    return pairs


def plan(ents, pairs, project, pid, n):
    """{tool: [(args, rest_path or None)]}"""
    q = (SEARCH_QUERIES * (n // len(SEARCH_QUERIES) + 1))[:n]
    e = ents[:n]
    enc = lambda s: urllib_quote(s)
    return {
        "search_code": [({"query": x, "project": project},
                         "/api/v1/search?q=%s&project=%d&limit=20" % (enc(x), pid)) for x in q],
        "search_symbols": [({"query": x["name"][:4], "project": project},
                            "/api/v1/projects/%d/symbols?q=%s&match=fuzzy&limit=20"
                            % (pid, enc(x["name"][:4]))) for x in e],
        "semantic_search": [({"query": x, "project": project}, None) for x in q],
        "find_similar": [({"entity_id": x["id"]}, None) for x in e],
        "get_code_snippet": [({"entity_id": x["id"]}, None) for x in e],
        "get_file_outline": [({"path": x["path"], "project": project, "limit": 200},
                              "/api/v1/projects/%d/outline?path=%s&limit=200"
                              % (pid, enc(x["path"]))) for x in e],
        "go_to_definition": [({"symbol": x["name"], "project": project}, None) for x in e],
        "find_references": [({"entity_id": x["id"]},
                             "/api/v1/entities/%d/references?limit=20" % x["id"]) for x in e],
        "trace_path": [({"entity_id": x["id"], "depth": 3, "limit": 200},
                        "/api/v1/entities/%d/callers?depth=3&limit=200" % x["id"]) for x in e],
        "find_path": [({"from": a, "to": b}, "/api/v1/graph/path?from=%d&to=%d" % (a, b))
                      for a, b in pairs],
        "impact_analysis": [({"entity_id": x["id"], "depth": 3, "limit": 200}, None) for x in e],
        "list_projects": [({}, "/api/v1/projects")] * n,
        "index_status": [({"project": project}, None)] * min(n, 20),
    }


def urllib_quote(s):
    import urllib.parse
    return urllib.parse.quote(s, safe="")


def run_tool(c, name, calls):
    row = {"tool": name, "calls": 0, "errors": 0, "ms": [], "rest_ms": [], "max_bytes": 0,
           "truncated": 0, "first_error": None}
    for args, rest in calls:
        res, size, dt = c.tool(name, args)
        if size > RESPONSE_MAX:
            raise RuntimeError("%s answered %d bytes (> %d)" % (name, size, RESPONSE_MAX))
        row["calls"] += 1
        row["ms"].append(dt * 1000)
        row["max_bytes"] = max(row["max_bytes"], size)
        if res.get("isError"):
            row["errors"] += 1
            row["first_error"] = row["first_error"] or res["content"][0]["text"][:120]
        elif res["structuredContent"].get("truncated"):
            row["truncated"] += 1
        if rest:
            st, _, rdt = c.raw("GET", rest)
            if st == 200:
                row["rest_ms"].append(rdt * 1000)
    return row


def report(rows):
    print("%-17s %5s %5s %8s %8s %9s %5s %9s %8s" % ("tool", "calls", "err", "p50 ms", "p99 ms",
                                                     "max B", "trunc", "REST p50", "MCP/REST"))
    for r in rows:
        p50 = statistics.median(r["ms"]) if r["ms"] else 0
        rest = statistics.median(r["rest_ms"]) if r["rest_ms"] else None
        print("%-17s %5d %5d %8.2f %8.2f %9d %5d %9s %8s" % (
            r["tool"], r["calls"], r["errors"], p50, pct(r["ms"], 99) if r["ms"] else 0,
            r["max_bytes"], r["truncated"], "%.2f" % rest if rest else "-",
            "%.2f" % (p50 / rest) if rest else "-"))
    for r in rows:
        if r["first_error"]:
            print("  %s: first isError: %s" % (r["tool"], r["first_error"]))
    print("answer bound: %d bytes; every answer was within it" % RESPONSE_MAX)


def main():
    binary, tree, data = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    install_sigterm()
    with Server(binary, data, tree, extra_toml="[mcp]\nrate_limit = 0\n") as srv:
        t0 = time.monotonic()
        p = srv.project_for("stdlib")
        print("tree: %s — project %s: %s files, %s entities (ready in %.0f s)"
              % (tree, p["name"], p.get("files"), p.get("entities"), time.monotonic() - t0))
        c = Client(srv.port)
        ents = targets(c, p["name"], n)
        pairs = path_pairs(c, ents, n)
        print("  targets: %d entities, %d caller pairs" % (len(ents), len(pairs)),
              file=sys.stderr, flush=True)
        rows = []
        for name, calls in plan(ents, pairs, p["name"], p["id"], n).items():
            t1 = time.monotonic()
            rows.append(run_tool(c, name, calls))
            print("  %s: %d calls in %.1f s" % (name, len(calls), time.monotonic() - t1),
                  file=sys.stderr, flush=True)
        res, size, dt = c.tool("index_repository", {"path": srv.tree, "name": p["name"]})
        rows.append({"tool": "index_repository", "calls": 1, "errors": int(bool(res["isError"])),
                     "ms": [dt * 1000], "rest_ms": [], "max_bytes": size, "truncated": 0,
                     "first_error": res["content"][0]["text"][:120] if res["isError"] else None})
        report(rows)


if __name__ == "__main__":
    main()
