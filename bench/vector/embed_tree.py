"""embed_tree.py — for bench/vector: index a source tree with a private `codegraph serve`, wait
until the vector index holds every entity's embedding (built-in embedder) in a saved (flat)
file, stop the server and print that file's path on the last line of stdout.

Usage: embed_tree.py CODEGRAPH DATA_DIR TREE [TREE...]
Each TREE becomes one project. Progress goes to stderr.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "index"))
import cgserver  # noqa: E402

VECTOR_TIMEOUT_S = 3600  # the vector rebuild after indexing must finish within this
STABLE_POLLS = 3         # consecutive identical settled stats before we trust them


def settled(st):
    return (st["vectors"] > 0 and not st["rebuilding"] and st["delta_vectors"] == 0
            and st["tombstones"] == 0 and not st["needs_rebuild"] and st["file"])


def main():
    binary, data_dir, trees = sys.argv[1], sys.argv[2], sys.argv[3:]
    cgserver.install_sigterm()
    root = os.path.commonpath([os.path.realpath(t) for t in trees])
    # a flat index: the server only embeds and saves the vectors; the benchmark builds the HNSW
    # graph itself (FAISS, cached) over the indexed part and keeps the rest as queries
    extra = "[performance]\npool_threads = 2\n[vector]\nindex_type = \"flat\"\n"
    with cgserver.Server(binary, data_dir, root, extra) as srv:
        for t in trees:
            srv.tree = os.path.realpath(t)
            t0 = time.monotonic()
            p = srv.project_for(os.path.basename(t.rstrip("/")) or "tree")
            print("indexed %s in %.0f s: %s" % (t, time.monotonic() - t0,
                                               json.dumps(p.get("stats", p))[:300]),
                  file=sys.stderr)
        # fold the delta into a saved file (a 409 means a rebuild is already running)
        st, body = srv.post("/api/v1/admin/vector/rebuild", {})
        if st not in (202, 409):
            raise RuntimeError("vector rebuild: %s %s" % (st, body))
        t0, last, same = time.monotonic(), None, 0
        while True:
            st, stats = srv.get("/api/v1/admin/vector/stats")
            if st != 200:
                raise RuntimeError("vector stats: %s %s" % (st, stats))
            same = same + 1 if settled(stats) and stats == last else 0
            last = stats
            if same >= STABLE_POLLS:
                break
            if time.monotonic() - t0 > VECTOR_TIMEOUT_S:
                raise RuntimeError("vector index did not settle: %s" % stats)
            time.sleep(2)
        print("vector index: %d vectors in %s (last build %d ms)" %
              (stats["vectors"], stats["file"], stats["last_build_ms"]), file=sys.stderr)
    print(os.path.join(data_dir, "vector", stats["file"]))


if __name__ == "__main__":
    main()
