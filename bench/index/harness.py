#!/usr/bin/env python3
"""harness.py — the plumbing of bench/index/run.sh.

    harness.py tree SRC DEST --ts-parse BIN [--limit-mb N] [--out RESULTS.jsonl]
        DEST := the files of SRC that CodeGraph detects a language for (`ts_parse --filter`),
        sorted by path, as hard links (copies across file systems); with --limit-mb, the
        longest sorted prefix within N MB. Prints a JSON summary line. Every tool of the
        bench then reads exactly this tree.
    harness.py measure --name NAME --out RESULTS.jsonl [--threads N] [--stdin F] -- CMD...
        Run CMD, record wall seconds, CPU seconds (user + system of the child) and peak RSS
        (ru_maxrss of the child), plus the last JSON object CMD printed on stdout; append
        one JSON line to RESULTS.jsonl. Exit status: CMD's.
    harness.py report RESULTS.jsonl [--recall FILE] [--latency FILE]
        The table and the ratios issue 3 asks for, each with its goal.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

SKIP_DIRS = {"__pycache__"}  # never source: walking them only costs time
GOALS = {"e2e_per_core": 0.7, "scaling": 1.8, "warm_vs_ctags": 0.3, "recall": 97.0}


def cmd_tree(a):
    files = []
    for d, dirs, names in os.walk(a.src):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS)
        files += [os.path.join(d, n) for n in sorted(names)]
    files = [f for f in files if os.path.isfile(f) and not os.path.islink(f)]
    got = subprocess.run([a.ts_parse, "--filter"], input="\n".join(files) + "\n",
                         capture_output=True, text=True, check=True).stdout.split("\n")
    chosen = sorted((os.path.relpath(f, a.src), f) for f in got if f)
    cap = a.limit_mb * 1e6 if a.limit_mb else float("inf")
    total, kept, exts = 0, [], {}
    for rel, f in chosen:
        size = os.path.getsize(f)
        if total + size > cap:
            break
        total += size
        kept.append((rel, f))
        ext = os.path.splitext(rel)[1] or "(none)"
        exts[ext] = exts.get(ext, 0) + 1
    for rel, f in kept:
        dst = os.path.join(a.dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        try:
            os.link(f, dst)
        except OSError:
            shutil.copyfile(f, dst)
    rec = {"name": "tree", "files": len(kept), "bytes": total, "of_files": len(chosen),
           "extensions": exts}
    if a.out:
        with open(a.out, "a") as f:
            f.write(json.dumps(rec) + "\n")
    print("tree: %d files, %.1f MB (of %d detected); by extension: %s" % (
        len(kept), total / 1e6, len(chosen),
        ", ".join("%s %d" % kv for kv in sorted(exts.items(), key=lambda kv: -kv[1]))))


def last_json(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def cmd_measure(a):
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    t0 = time.monotonic()
    stdin = open(a.stdin) if a.stdin else None
    p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, text=True)

    def on_term(signum, frame):  # stop our child (by its pid) before leaving
        p.kill()
        p.wait()
        sys.exit(143)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    stdout, _ = p.communicate()
    wall = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # this process has one child
    rec = {"name": a.name, "threads": a.threads, "rc": p.returncode, "wall_s": wall,
           "cpu_s": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024.0,
           "out": last_json(stdout)}
    with open(a.out, "a") as f:
        f.write(json.dumps(rec) + "\n")
    print("%-18s rc %d  wall %7.2f s  cpu %7.2f s  peak RSS %7.1f MB" %
          (a.name, p.returncode, wall, rec["cpu_s"], rec["rss_mb"]), flush=True)
    if p.returncode:
        sys.stderr.write(stdout[-2000:])
    return p.returncode


def row(name, threads, files, nbytes, wall, cpu, rss, ents=None):
    mb = nbytes / 1e6
    return {"name": name, "threads": threads, "files": files, "mb": mb, "wall": wall,
            "cpu": cpu, "rss": rss, "mbs": mb / wall if wall else 0,
            "mbs_core": mb / wall / threads if wall else 0, "mb_cpu": mb / cpu if cpu else 0,
            "ents_s": ents / wall if ents is not None and wall else None}


def rows_of(recs, tree_bytes):
    rows = {}
    for r in recs:
        o = r.get("out") or {}
        if r.get("rc", 1) != 0:
            continue
        if r["name"].startswith("ts_parse"):
            rows[r["name"]] = row(r["name"], r["threads"], o["files"], o["bytes"], o["wall_s"],
                                  o["cpu_s"], r["rss_mb"])
        elif r["name"].startswith("codegraph"):
            rows.setdefault(r["name"], []).append(row(
                r["name"], r["threads"], o.get("files_done", 0), o.get("bytes") or tree_bytes,
                r["wall_s"], r["cpu_s"], r["rss_mb"], o.get("entities")))
            rows[r["name"]][-1]["job_s"] = o.get("elapsed_s")
            rows[r["name"]][-1]["indexed"] = o.get("files_indexed")
        elif r["name"] == "ctags":
            rows["ctags"] = row("ctags", 1, r.get("files", 0), r.get("bytes", 0), r["wall_s"],
                                r["cpu_s"], r["rss_mb"])
    for k, v in list(rows.items()):
        if isinstance(v, list):  # repeated runs: the median by wall time
            rows[k] = sorted(v, key=lambda x: x["wall"])[len(v) // 2]
            rows[k]["runs"] = [x["wall"] for x in v]
    return rows


def print_table(rows):
    print("%-18s %3s %7s %8s %8s %8s %8s %9s %9s %8s %10s" % (
        "run", "thr", "files", "MB", "wall s", "CPU s", "MB/s", "MB/s/thr", "MB/CPU-s",
        "RSS MB", "entities/s"))
    for r in rows.values():
        print("%-18s %3d %7d %8.1f %8.2f %8.2f %8.2f %9.2f %9.2f %8.1f %10s" % (
            r["name"], r["threads"], r["files"], r["mb"], r["wall"],
            r["cpu"], r["mbs"], r["mbs_core"], r["mb_cpu"], r["rss"],
            "%.0f" % r["ents_s"] if r.get("ents_s") else "-"))
        if r.get("job_s") is not None:
            print("%-18s     job %.2f s of %.2f s process wall; %s files (re)indexed%s" % (
                "", r["job_s"], r["wall"], r.get("indexed"),
                "; runs %s" % ", ".join("%.2f" % w for w in r["runs"]) if "runs" in r else ""))


def verdict(value, goal, higher_better=True):
    if value is None:
        return "n/a"
    ok = value >= goal if higher_better else value <= goal
    return "%.3f  (goal %s %.2f: %s)" % (value, ">=" if higher_better else "<=", goal,
                                        "MET" if ok else "MISSED")


def cmd_report(a):
    with open(a.results) as f:
        recs = [json.loads(x) for x in f if x.strip()]
    tree = next((r for r in recs if r["name"] == "tree"), {"bytes": 0})
    for r in recs:
        if r["name"] == "ctags":
            r["files"], r["bytes"] = tree.get("files", 0), tree.get("bytes", 0)
    rows = rows_of(recs, tree.get("bytes", 0))
    print_table(rows)
    g = rows.get
    ts1, ts2 = g("ts_parse_1t"), g("ts_parse_2t")
    cg1, cg2, warm, ct = g("codegraph_cold_1t"), g("codegraph_cold_2t"), g("codegraph_warm"), \
        g("ctags")

    def ratio(x, y, key):
        return x[key] / y[key] if x and y and y[key] else None
    print("\nratios (same run, same tree):")
    print("  e2e index ÷ raw parse, MB/s per core, 1 thread  %s" %
          verdict(ratio(cg1, ts1, "mbs_core"), GOALS["e2e_per_core"]))
    print("  e2e index ÷ raw parse, MB/s per core, 2 threads %s" %
          verdict(ratio(cg2, ts2, "mbs_core"), GOALS["e2e_per_core"]))
    print("  e2e index ÷ raw parse, MB per CPU-second, 1 thr %s" %
          verdict(ratio(cg1, ts1, "mb_cpu"), GOALS["e2e_per_core"]))
    print("  scaling 1→2 threads, codegraph index            %s" %
          verdict(ratio(cg2, cg1, "mbs"), GOALS["scaling"]))
    print("  scaling 1→2 threads, raw parse (the ceiling)    %s" %
          verdict(ratio(ts2, ts1, "mbs"), GOALS["scaling"]))
    wr = warm["wall"] / ct["wall"] if warm and ct and ct["wall"] else None
    print("  warm re-index ÷ ctags -R, wall                  %s" %
          verdict(wr, GOALS["warm_vs_ctags"], higher_better=False))
    print("  cold index (2 thr) ÷ ctags -R, wall             %s" %
          ("%.2f" % (cg2["wall"] / ct["wall"]) if cg2 and ct else "n/a"))
    report_recall(a.recall)
    report_latency(a.latency)


def report_recall(path):
    if not path or not os.path.exists(path):
        print("  definition recall vs ctags                      n/a")
        return
    with open(path) as f:
        rc = json.load(f)
    for k in ("function", "class", "method", "all"):
        if k in rc:
            print("  definition recall vs ctags, %-9s %6d tags %s" % (
                k, rc[k]["tags"], verdict(rc[k]["recall"], GOALS["recall"])))


def report_latency(path):
    if not path or not os.path.exists(path):
        print("  graph query latency                             n/a")
        return
    with open(path) as f:
        lat = json.load(f)
    for k, v in lat.items():
        print("  query latency %-9s p50 %.3f ms  p99 %.3f ms  (n %d, %d non-empty)" % (
            k, v["p50_ms"], v["p99_ms"], v["n"], v["nonempty"]))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd_name", required=True)
    t = sub.add_parser("tree")
    t.add_argument("src")
    t.add_argument("dest")
    t.add_argument("--ts-parse", required=True)
    t.add_argument("--limit-mb", type=float, default=0)
    t.add_argument("--out")
    m = sub.add_parser("measure")
    m.add_argument("--name", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--threads", type=int, default=1)
    m.add_argument("--stdin", help="a file to give CMD as its standard input")
    m.add_argument("cmd", nargs=argparse.REMAINDER)
    r = sub.add_parser("report")
    r.add_argument("results")
    r.add_argument("--recall")
    r.add_argument("--latency")
    a = ap.parse_args()
    fn = {"tree": cmd_tree, "measure": cmd_measure, "report": cmd_report}[a.cmd_name]
    sys.exit(fn(a) or 0)


if __name__ == "__main__":
    main()
