"""evaluate.py — search quality (CodeSearchNet protocol, corpus.py) and search latency.

For every example of the corpus, the docstring's first paragraph is the query and the
function (docstring removed) the one relevant document; every other function of the corpus
is a distractor. Reported per system: MRR (reciprocal rank of the target, 0 beyond rank
CUTOFF), recall@1 and recall@10, and for CodeGraph the HTTP latency p50/p99 of the queries.

Systems, measured in the same run on the same files:
  * bm25      an independent plain BM25 written here (k1 1.2, b 0.75; tokens = \\w+ runs,
              lower-cased; no splitting of identifiers, no stemming) over each file's text;
  * lexical, semantic, hybrid   GET /api/v1/search?mode=… of a private `codegraph serve`
              that indexed the corpus directory (project "quality").
A CodeGraph hit is the target when its path is the example's file and its name the function's.

Usage: evaluate.py CODEGRAPH_BINARY CORPUS_DIR DATA_DIR [max_queries]
Prints one table and the hybrid/BM25 MRR ratio (goal >= 1.05). Exit 0 unless it failed to run.
"""
import collections
import json
import math
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "index"))
import cgserver  # noqa: E402

CUTOFF = 100  # ranks beyond this count as not found (MRR@100), for every system alike
MODES = ("lexical", "semantic", "hybrid")
TOKEN = re.compile(r"\w+")


def bm25_ranks(examples, corpus_dir, k1=1.2, b=0.75):
    """Rank of each example's own file among all files for its query (1-based, or None)."""
    docs = []
    for ex in examples:
        with open(os.path.join(corpus_dir, ex["file"])) as f:
            docs.append(collections.Counter(TOKEN.findall(f.read().lower())))
    n = len(docs)
    lens = [sum(d.values()) for d in docs]
    avgdl = sum(lens) / max(n, 1)
    postings = collections.defaultdict(list)
    for i, d in enumerate(docs):
        for t, tf in d.items():
            postings[t].append((i, tf))
    ranks = []
    for qi, ex in enumerate(examples):
        scores = collections.defaultdict(float)
        for t, qtf in collections.Counter(TOKEN.findall(ex["query"].lower())).items():
            plist = postings.get(t)
            if not plist:
                continue
            idf = math.log(1 + (n - len(plist) + 0.5) / (len(plist) + 0.5))
            for i, tf in plist:
                norm = 1 - b + b * lens[i] / avgdl
                scores[i] += qtf * idf * tf * (k1 + 1) / (tf + k1 * norm)
        target = scores.get(qi)
        if target is None:
            ranks.append(None)
            continue
        # ties broken by document order, as CodeGraph breaks them by id
        better = sum(1 for i, s in scores.items() if s > target or (s == target and i < qi))
        ranks.append(better + 1 if better < CUTOFF else None)
    return ranks


def metrics(ranks):
    n = len(ranks)
    mrr = sum(1.0 / r for r in ranks if r) / n
    r1 = sum(1 for r in ranks if r == 1) / n
    r10 = sum(1 for r in ranks if r and r <= 10) / n
    return mrr, r1, r10


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))] if xs else float("nan")


def wait_vectors(srv, timeout_s=1800):
    """Until no vector rebuild runs (twice, a second apart): latency is measured on an idle
    index, not against a FAISS build sharing the CPU. Returns False on timeout."""
    deadline, quiet = time.monotonic() + timeout_s, 0
    while time.monotonic() < deadline and quiet < 2:
        st, body = srv.get("/api/v1/health")
        vs = (body or {}).get("components", {}).get("vector_search", {})
        quiet = quiet + 1 if not vs.get("rebuilding") else 0
        time.sleep(1.0)
    return quiet >= 2


def codegraph_ranks(srv, examples, mode):
    ranks, lat = [], []
    for ex in examples:
        t0 = time.perf_counter()
        st, body = srv.get("/api/v1/search", {"q": ex["query"], "mode": mode,
                                              "project": "quality", "limit": CUTOFF})
        lat.append(time.perf_counter() - t0)
        if st != 200:
            raise RuntimeError("search %s: %s %s" % (mode, st, body))
        rank = None
        for i, h in enumerate(body["items"]):
            if h["path"] == ex["file"] and h["name"] == ex["name"]:
                rank = i + 1
                break
        ranks.append(rank)
    return ranks, lat


def large_tree_latency(binary, data_dir, queries):
    """p50/p99 of each mode on BENCH_QUALITY_LATENCY_TREE (default: the stdlib tree bench/index
    uses, site-packages included; "" skips), indexed by a second private server."""
    tree = os.environ.get("BENCH_QUALITY_LATENCY_TREE")
    if tree is None:
        import sysconfig
        tree = sysconfig.get_paths()["stdlib"]
    if not tree:
        return None
    n = int(os.environ.get("BENCH_QUALITY_LATENCY_QUERIES", "300"))
    out = {"tree": tree, "n": min(n, len(queries))}
    with cgserver.Server(binary, data_dir, tree, "[performance]\npool_threads = 2\n") as srv:
        t0 = time.monotonic()
        p = srv.project_for("large")
        out["entities"] = p.get("stats", {}).get("entities", "?")
        print("large tree index: %.1f s (%s entities)" % (time.monotonic() - t0, out["entities"]))
        wait_s = float(os.environ.get("BENCH_QUALITY_LATENCY_WAIT_S", "300"))
        out["rebuild_done"] = wait_vectors(srv, timeout_s=wait_s)
        for mode in MODES:
            lat = []
            for ex in queries[:n]:
                t0 = time.perf_counter()
                st, body = srv.get("/api/v1/search", {"q": ex["query"], "mode": mode,
                                                      "project": "large", "limit": 20})
                lat.append(time.perf_counter() - t0)
                if st != 200:
                    raise RuntimeError("search %s: %s %s" % (mode, st, body))
            out[mode] = (pct(lat, 50) * 1e3, pct(lat, 99) * 1e3)
    return out


def main():
    binary, corpus_dir, data_dir = sys.argv[1:4]
    limit = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] != "0" else None
    cgserver.install_sigterm()
    with open(os.path.join(corpus_dir, "examples.json")) as f:
        examples = json.load(f)
    queries = examples[:limit] if limit else examples
    print("corpus: %d functions (candidates), %d queries, rank cutoff %d" %
          (len(examples), len(queries), CUTOFF))
    t0 = time.monotonic()
    base = bm25_ranks(examples, corpus_dir)[:len(queries)]
    print("bm25 baseline: %.1f s" % (time.monotonic() - t0))
    rows = [("bm25 (plain, same run)",) + metrics(base) + (None, None)]
    with cgserver.Server(binary, data_dir, corpus_dir, "[performance]\npool_threads = 2\n") as srv:
        t0 = time.monotonic()
        p = srv.project_for("quality")
        print("codegraph index: %.1f s (%s entities)" %
              (time.monotonic() - t0, p.get("stats", {}).get("entities", "?")))
        t0 = time.monotonic()
        wait_vectors(srv)
        print("vector rebuild wait: %.1f s" % (time.monotonic() - t0))
        for mode in MODES:
            t0 = time.monotonic()
            ranks, lat = codegraph_ranks(srv, queries, mode)
            print("codegraph %s: %.1f s" % (mode, time.monotonic() - t0))
            rows.append(("codegraph " + mode,) + metrics(ranks) +
                        (pct(lat, 50) * 1e3, pct(lat, 99) * 1e3))
    big = large_tree_latency(binary, data_dir + "-large", queries)
    print()
    print("%-24s %8s %10s %10s %9s %9s" % ("system", "MRR", "recall@1", "recall@10",
                                          "p50 ms", "p99 ms"))
    for name, mrr, r1, r10, p50, p99 in rows:
        lat = ("%9.2f %9.2f" % (p50, p99)) if p50 is not None else "%9s %9s" % ("-", "-")
        print("%-24s %8.4f %10.4f %10.4f %s" % (name, mrr, r1, r10, lat))
    if big:
        print()
        print("search latency through HTTP on the large tree %s (%s entities, %d queries each)"
              % (big["tree"], big["entities"], big["n"]))
        if not big["rebuild_done"]:
            print("  (the vector rebuild was still running: semantic searched the in-memory "
                  "delta, and the build shared the CPU)")
        for mode in MODES:
            print("  %-9s p50 %8.2f ms   p99 %8.2f ms" % (mode, big[mode][0], big[mode][1]))
    bm25 = rows[0][1]
    hybrid = [r for r in rows if r[0] == "codegraph hybrid"][0][1]
    ratio = hybrid / bm25 if bm25 else float("inf")
    print()
    print("hybrid MRR / BM25 MRR = %.3f (goal >= 1.05: %s)" %
          (ratio, "met" if ratio >= 1.05 else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
