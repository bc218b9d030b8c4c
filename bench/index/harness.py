#!/usr/bin/env python3
"""harness.py — the plumbing of bench/index/run.sh.

    harness.py tree SRC DEST --ts-parse BIN [--limit-mb N] [--out RESULTS.jsonl]
        DEST := the files of SRC that CodeGraph detects a language for (`ts_parse --filter`),
        sorted by path, as hard links (copies across file systems); with --limit-mb, the
        longest sorted prefix within N MB. Prints a JSON summary line. Every tool of the
        bench then reads exactly this tree.
    harness.py measure --name NAME --out RESULTS.jsonl [--threads N] [--stdin F] -- CMD...
        Run CMD, record wall seconds, CPU seconds (user + system of the child) and peak RSS
        (ru_maxrss of the child), the last JSON object CMD printed on stdout and, for
        `codegraph index --json`, when every file was done; append one JSON line to
        RESULTS.jsonl. Exit status: CMD's.
    harness.py report RESULTS.jsonl [--recall FILE] [--latency FILE]
        The table and the ratios issue 3 asks for, each with its goal. A cold codegraph row
        includes the reopen that replayed its WAL (codegraph_reopen_*).
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
NOISY_CORES = 0.25  # other processes using more than this make wall-clock ratios suspect
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


def events(text):
    """Every JSON object CMD printed, one per line."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def files_phase_s(evs):
    """When `codegraph index` had read every file (the first progress event with files_done
    == files_total; 1 s resolution): what follows is the job's finish (resolve, publish)."""
    for e in evs:
        if e.get("event") == "progress" and e.get("files_done") == e.get("files_total"):
            return e.get("elapsed_s")
    return None


def busy_s():
    """CPU seconds the whole machine has been busy (/proc/stat, all cores; not idle/iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def cmd_measure(a):
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    b0 = busy_s()
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
    busy = busy_s() - b0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # this process has one child
    evs = events(stdout)
    cpu = ru.ru_utime + ru.ru_stime
    rec = {"name": a.name, "threads": a.threads, "rc": p.returncode, "wall_s": wall,
           "cpu_s": cpu, "rss_mb": ru.ru_maxrss / 1024.0, "others": max(0, busy - cpu) / wall,
           "out": evs[-1] if evs else None, "files_phase_s": files_phase_s(evs)}
    with open(a.out, "a") as f:
        f.write(json.dumps(rec) + "\n")
    print("%-18s rc %d  wall %7.2f s  cpu %7.2f s  peak RSS %7.1f MB  (other processes: "
          "%.2f cores)" % (a.name, p.returncode, wall, cpu, rec["rss_mb"], rec["others"]),
          flush=True)
    if p.returncode:
        sys.stderr.write(stdout[-2000:])
    return p.returncode


def row(name, threads, files, nbytes, wall, cpu, rss, ents=None):
    mb = nbytes / 1e6
    return {"name": name, "threads": threads, "files": files, "mb": mb, "wall": wall,
            "cpu": cpu, "rss": rss, "mbs": mb / wall if wall else 0,
            "mbs_core": mb / wall / threads if wall else 0, "mb_cpu": mb / cpu if cpu else 0,
            "ents_s": ents / wall if ents is not None and wall else None}


def cg_row(r, reopen, tree_bytes):
    """A codegraph index run; a cold one is charged the reopen that replays its WAL."""
    o = r.get("out") or {}
    extra = reopen or {"wall_s": 0, "cpu_s": 0, "rss_mb": 0}
    x = row(r["name"], r["threads"], o.get("files_done", 0), o.get("bytes") or tree_bytes,
            r["wall_s"] + extra["wall_s"], r["cpu_s"] + extra["cpu_s"],
            max(r["rss_mb"], extra["rss_mb"]), o.get("entities"))
    x.update(job_s=o.get("elapsed_s"), files_s=r.get("files_phase_s"), proc_s=r["wall_s"],
             reopen_s=reopen and reopen["wall_s"], indexed=o.get("files_indexed"),
             others=max(r.get("others", 0), extra.get("others", 0)))
    return x


def rows_of(recs, tree_bytes):
    ok = [r for r in recs if r.get("rc") == 0]
    by = {r["name"]: r for r in ok}
    rows = {}
    for r in ok:
        o = r.get("out") or {}
        if r["name"].startswith(("ts_parse", "ts_query")):
            rows[r["name"]] = row(r["name"], r["threads"], o["files"], o["bytes"], o["wall_s"],
                                  o["cpu_s"], r["rss_mb"])
            rows[r["name"]]["others"] = r.get("others", 0)
        elif r["name"].startswith("codegraph_cold"):
            reopen = by.get(r["name"].replace("cold", "reopen"))
            rows[r["name"]] = cg_row(r, reopen, tree_bytes)
        elif r["name"] == "codegraph_warm":
            rows.setdefault("codegraph_warm", []).append(cg_row(r, None, tree_bytes))
        elif r["name"] == "ctags":
            rows["ctags"] = row("ctags", 1, r.get("files", 0), r.get("bytes", 0), r["wall_s"],
                                r["cpu_s"], r["rss_mb"])
            rows["ctags"]["others"] = r.get("others", 0)
    warm = rows.get("codegraph_warm")
    if warm:  # repeated runs: the median by wall time
        rows["codegraph_warm"] = sorted(warm, key=lambda x: x["wall"])[len(warm) // 2]
        rows["codegraph_warm"]["runs"] = [x["wall"] for x in warm]
    return rows


def print_table(rows):
    print("%-18s %3s %6s %6s %7s %7s %7s %8s %8s %7s %7s %6s" % (
        "run", "thr", "files", "MB", "wall s", "CPU s", "MB/s", "MB/s/thr", "MB/CPU-s",
        "RSS MB", "ents/s", "others"))
    for r in rows.values():
        print("%-18s %3d %6d %6.1f %7.2f %7.2f %7.2f %8.2f %8.2f %7.1f %7s %6.2f" % (
            r["name"], r["threads"], r["files"], r["mb"], r["wall"],
            r["cpu"], r["mbs"], r["mbs_core"], r["mb_cpu"], r["rss"],
            "%.0f" % r["ents_s"] if r.get("ents_s") else "-", r.get("others", 0)))
        if r.get("job_s") is None:
            continue
        parts = ["process %.2f s" % r["proc_s"], "job %.2f s" % r["job_s"]]
        if r.get("files_s") is not None:
            parts.append("files read+parsed+stored by %.0f s, then finish (resolve, publish) "
                         "%.0f s" % (r["files_s"], r["job_s"] - r["files_s"]))
        if r.get("reopen_s"):
            parts.append("+ %.2f s reopen replaying its WAL" % r["reopen_s"])
        if r.get("runs"):
            parts.append("runs %s" % ", ".join("%.2f" % w for w in r["runs"]))
        print("%-18s     %s" % ("", "; ".join(parts)))


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
    print("\n'others' = cores busy with other processes during the run (the box is shared);")
    print("MB/CPU-s is the per-core speed least disturbed by them.")
    print("\nratios (same run, same tree; a cold codegraph run includes its WAL replay):")
    for n, c, t in ((1, cg1, ts1), (2, cg2, ts2)):
        print("  e2e index ÷ raw parse, per core (MB/CPU-s), %d thr %s" %
              (n, verdict(ratio(c, t, "mb_cpu"), GOALS["e2e_per_core"])))
    for n, c, t in ((1, cg1, ts1), (2, cg2, ts2)):
        print("  e2e index ÷ raw parse, per core (wall), %d thr     %s" %
              (n, verdict(ratio(c, t, "mbs_core"), GOALS["e2e_per_core"])))
    tq = g("ts_query_1t")
    floor = ratio(tq, ts1, "mb_cpu")
    if floor is not None:
        print("  parse + extraction query alone ÷ raw parse, 1 thr %.3f  (nothing built or "
              "stored:\n   the most any extractor on our queries can reach)" % floor)
        rest = ratio(cg1, tq, "mb_cpu")
        print("  e2e index ÷ (parse + extraction query), 1 thr    %s" %
              ("%.3f" % rest if rest is not None else "n/a"))
    print("  scaling 1→2 threads, codegraph index (wall)       %s" %
          verdict(ratio(cg2, cg1, "mbs"), GOALS["scaling"]))
    print("  scaling 1→2 threads, raw parse (the ceiling)      %s" %
          verdict(ratio(ts2, ts1, "mbs"), GOALS["scaling"]))
    busy = max([r.get("others", 0) for r in (cg1, cg2, ts1, ts2) if r] or [0])
    if busy > NOISY_CORES:
        print("  (other processes took up to %.2f cores during these runs: the wall-clock "
              "figures,\n   the scaling above all, are not trustworthy; rerun on a quiet box)"
              % busy)
    wr = warm["wall"] / ct["wall"] if warm and ct and ct["wall"] else None
    print("  warm re-index ÷ ctags -R (wall)                   %s" %
          verdict(wr, GOALS["warm_vs_ctags"], higher_better=False))
    print("  warm re-index ÷ ctags -R (CPU)                    %s" %
          verdict(ratio(warm, ct, "cpu"), GOALS["warm_vs_ctags"], higher_better=False))
    print("  cold index (2 thr) ÷ ctags -R (wall)              %s" %
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
