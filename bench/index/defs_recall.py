#!/usr/bin/env python3
"""defs_recall.py — CodeGraph's Python definitions vs universal-ctags' function/class/method tags.

    defs_recall.py --codegraph BIN --tree TREE [--data DIR] [--json-out FILE] [--misses N]

ctags runs as `ctags -R --languages=Python --langmap=Python:+.pyi --kinds-Python=cfm
--fields=+n --excmd=number -f <tmpfile> TREE` (tags to a real file: `-o /dev/null` aborts part
way; .pyi is added because CodeGraph indexes stubs as Python). Our definitions come from a
private `codegraph serve` over DIR (an index made by `codegraph index`; without --data, or
when DIR has no project for TREE, the tree is indexed over REST in a temporary data dir):
GET /api/v1/projects/{id}/outline?path=F for every file ctags tagged, all pages.

A tag is found when an entity with the same name has a line within ±1 of the tag's line in
the same file (`recall`). Diagnostics beside it: the same test with the name taken from the
tail of qualified_name (`recall_qname`, in case the served `name` is wrong), the tag line
inside an entity's [line, end_line] (`recall_span`), and the name anywhere in the file.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cgserver  # noqa: E402

KINDS = {"f": "function", "c": "class", "m": "method"}  # ctags kind letter → our word
LINE_SLACK = 1  # a tag and an entity match when their lines differ by at most this
MISSES_SHOWN = 12  # default number of misses printed


def run_ctags(tree, out):
    cmd = ["ctags", "-R", "--languages=Python", "--langmap=Python:+.pyi", "--kinds-Python=cfm",
           "--fields=+n", "--excmd=number", "-f", out, tree]
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t0


def parse_tags(path, tree):
    """[(name, relpath, line, kind letter)] of the c/f/m tags."""
    tags = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for raw in f:
            if raw.startswith("!_TAG_"):
                continue
            cols = raw.rstrip("\n").split("\t")
            if len(cols) < 4:
                continue
            name, fname = cols[0], cols[1]
            kind, line = None, None
            for c in cols[3:]:
                if c.startswith("line:"):
                    line = int(c[5:])
                elif len(c) == 1:
                    kind = c
                elif c.startswith("kind:"):
                    kind = c[5:6]
            if kind in KINDS and line:
                tags.append((name, os.path.relpath(fname, tree), line, kind))
    return tags


def fetch_outlines(srv, project_id, files):
    """{relpath: [entity]} for each file; files the server does not know map to None."""
    out = {}
    for rel in files:
        try:
            out[rel] = list(srv.pages("/api/v1/projects/%d/outline" % project_id, {"path": rel}))
        except RuntimeError as e:
            if " 404 " not in str(e):
                raise
            out[rel] = None
    return out


def classify(tag, ents):
    """Which tests the tag passes: a set of 'strict', 'qname', 'span', 'name', 'file'."""
    name, _, line, _ = tag
    if ents is None:
        return set()
    got = {"file"}
    for e in ents:
        tail = e.get("qualified_name", "").rsplit(".", 1)[-1]
        near = abs(e["line"] - line) <= LINE_SLACK
        if e["name"] == name and near:
            got.add("strict")
        if (e["name"] == name or tail == name) and near:
            got.add("qname")
        if e["name"] == name or tail == name:
            got.add("name")
            if e["line"] - LINE_SLACK <= line <= e.get("end_line", e["line"]):
                got.add("span")
    return got


def nearest(tag, ents):
    """A short description of the closest entity to a missed tag (for the miss list)."""
    if ents is None:
        return "file not indexed"
    same = [e for e in ents if e["name"] == tag[0] or
            e.get("qualified_name", "").rsplit(".", 1)[-1] == tag[0]]
    if same:
        e = min(same, key=lambda e: abs(e["line"] - tag[2]))
        return "%s %s at line %d" % (e["kind"], e["qualified_name"], e["line"])
    near = [e for e in ents if abs(e["line"] - tag[2]) <= LINE_SLACK]
    if near:
        e = near[0]
        return "no '%s'; at that line: %s %r (qualified %r)" % (
            tag[0], e["kind"], e["name"], e.get("qualified_name"))
    return "no entity named '%s' in the file" % tag[0]


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def source_line(tree, rel, line, cache={}):
    if rel not in cache:
        try:
            with open(os.path.join(tree, rel), encoding="utf-8", errors="replace") as f:
                cache[rel] = f.read().split("\n")
        except OSError:
            cache[rel] = []
    lines = cache[rel]
    return lines[line - 1] if 0 < line <= len(lines) else ""


def miss_reason(tree, t, ents, got):
    if ents is None:
        return "file not indexed (skipped by the walker)"
    if "qname" in got:
        return "served name differs, qualified_name matches"
    if "lambda" in source_line(tree, t[1], t[2]):
        return "ctags tags a lambda assignment"
    if "name" in got:
        return "same name, line off by >%d" % LINE_SLACK
    return "no entity of that name"


def report(tree, tags, results, outlines, n_misses):
    by_kind = collections.defaultdict(collections.Counter)
    for tag, got in zip(tags, results):
        c = by_kind[KINDS[tag[3]]]
        c["total"] += 1
        c.update(got)
    total = collections.Counter()
    for c in by_kind.values():
        total.update(c)
    print("%-10s %8s %9s %9s %9s %9s" % ("kind", "tags", "recall", "qname", "span", "in file"))
    for k in ("function", "class", "method"):
        c = by_kind[k]
        print("%-10s %8d %8.2f%% %8.2f%% %8.2f%% %8.2f%%" % (
            k, c["total"], pct(c["strict"], c["total"]), pct(c["qname"], c["total"]),
            pct(c["span"], c["total"]), pct(c["name"], c["total"])))
    print("%-10s %8d %8.2f%% %8.2f%% %8.2f%% %8.2f%%" % (
        "all", total["total"], pct(total["strict"], total["total"]),
        pct(total["qname"], total["total"]), pct(total["span"], total["total"]),
        pct(total["name"], total["total"])))
    misses = [(t, outlines.get(t[1]), g) for t, g in zip(tags, results) if "strict" not in g]
    reasons = collections.Counter(miss_reason(tree, t, ents, g) for t, ents, g in misses)
    why = ", ".join("%s %d" % kv for kv in reasons.most_common())
    print("misses: %d%s" % (len(misses), ": " + why if why else ""))
    # The misses shown: the ones not explained by lambdas or skipped files first.
    misses.sort(key=lambda m: miss_reason(tree, m[0], m[1], m[2]).startswith(("ctags", "file")))
    step = 1 if len(misses) <= n_misses else 2
    for t, ents, _ in misses[::step][:n_misses]:
        print("  miss %-8s %s:%d %s — %s" % (KINDS[t[3]], t[1], t[2], t[0], nearest(t, ents)))
    return by_kind, total, reasons


def project_outlines(args, tags, data_dir):
    files = sorted({t[1] for t in tags})
    with cgserver.Server(args.codegraph, data_dir, args.tree) as srv:
        p = srv.project_for(os.path.basename(os.path.realpath(args.tree)))
        t0 = time.monotonic()
        outlines = fetch_outlines(srv, p["id"], files)
        dt = time.monotonic() - t0
    n_ent = sum(len(v) for v in outlines.values() if v)
    print("codegraph: project %s (generation %s), %d outlines, %d entities in %.1f s "
          "(%.2f ms per outline)" % (p["name"], p.get("generation"), len(files), n_ent, dt,
                                     1000 * dt / max(1, len(files))))
    return outlines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--codegraph", required=True)
    ap.add_argument("--tree", required=True)
    ap.add_argument("--data", help="data dir holding an index of the tree (default: a temp one)")
    ap.add_argument("--json-out")
    ap.add_argument("--misses", type=int, default=MISSES_SHOWN)
    args = ap.parse_args()
    args.tree = os.path.realpath(args.tree)
    cgserver.install_sigterm()
    with tempfile.TemporaryDirectory(prefix="cg-bench-recall-") as tmp:
        tagfile = os.path.join(tmp, "tags")
        dt = run_ctags(args.tree, tagfile)
        tags = parse_tags(tagfile, args.tree)
        tags.sort(key=lambda t: (t[1], t[2], t[0]))
        print("ctags: %d function/class/method tags in %d files (%.1f s)" %
              (len(tags), len({t[1] for t in tags}), dt), flush=True)
        outlines = project_outlines(args, tags, args.data or os.path.join(tmp, "data"))
    results = [classify(t, outlines.get(t[1])) for t in tags]
    by_kind, total, reasons = report(args.tree, tags, results, outlines, args.misses)
    if args.json_out:
        summary = {k: {"tags": c["total"], "recall": pct(c["strict"], c["total"]),
                       "recall_qname": pct(c["qname"], c["total"]),
                       "recall_span": pct(c["span"], c["total"])}
                   for k, c in list(by_kind.items()) + [("all", total)]}
        summary["miss_reasons"] = dict(reasons)
        with open(args.json_out, "w") as f:
            json.dump(summary, f)


if __name__ == "__main__":
    main()
