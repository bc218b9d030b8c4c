"""test_vector_api.py — the vector index through the real server (issue 4, items 3 and 6).

Proves: GET /api/v1/admin/vector/stats reports the [vector] settings from the config and the
index state; POST /api/v1/admin/vector/rebuild answers 202, runs in the background and swaps
in a new file under <data>/vector (the old one deleted); /api/v1/health carries the
"vector_search" component; and a saved index file corrupted (bit flips at offsets in the
header, the graph and the vectors) or truncated between two runs is detected on the next
start — the server keeps serving, reports the problem (stats, log) — and a rebuild repairs
it, at every offset tried. [vector] enabled = false answers 404 and reports "disabled".
"""

import json
import os
import shutil
import tempfile
import time
import unittest

from harness import Server, require_binary

REBUILD_TIMEOUT_S = 30.0

FILES = {"pkg/__init__.py": "",
         "pkg/%s.py" % "geometry": "\n".join(
             "def area_%d(width, height):\n    \"\"\"Area of rectangle %d.\"\"\"\n"
             "    return width * height * %d\n" % (i, i, i) for i in range(60)),
         "pkg/text.py": "\n".join(
             "class Parser%d:\n    def parse(self, s):\n        return s.split(',')[%d]\n"
             % (i, i % 3) for i in range(40))}


class VectorServer:
    """A server over a data dir that survives restarts (database.path fixed by the test)."""

    def __init__(self, root, vector=None):
        self.root = root
        self.cfg = {"database": {"path": os.path.join(root, "data", "rocks.db")},
                    "performance": {"pool_threads": 2},
                    "parsing": {"allowed_roots": [root]}}
        if vector:
            self.cfg["vector"] = vector
        self.server = None

    def start(self):
        self.server = Server(self.cfg)
        return self

    def stop(self):
        if self.server:
            self.server.stop()
        self.server = None

    def call(self, method, path):
        with self.server.conn(timeout=10) as c:
            r = c.request(method, path)
        return r

    def stats(self):
        r = self.call("GET", "/api/v1/admin/vector/stats")
        if r.status != 200:
            raise AssertionError("stats: %r" % r)
        return r.json()

    def wait_settled(self, pred, what):
        """Poll the stats until pred(stats) holds and no rebuild runs."""
        deadline = time.monotonic() + REBUILD_TIMEOUT_S
        while True:
            st = self.stats()
            if pred(st) and not st["rebuilding"]:
                return st
            if time.monotonic() > deadline:
                raise AssertionError("%s: stats stayed %r" % (what, st))
            time.sleep(0.05)

    def rebuild(self):
        """POST a rebuild (retrying while another one runs) and wait for it to finish."""
        before = self.stats()["rebuilds"]
        deadline = time.monotonic() + REBUILD_TIMEOUT_S
        while True:
            r = self.call("POST", "/api/v1/admin/vector/rebuild")
            if r.status == 202:
                break
            if r.status != 409 or time.monotonic() > deadline:
                raise AssertionError("rebuild: %r" % r)
            time.sleep(0.05)
        self.assertStatus = r.json()["status"]
        return self.wait_settled(lambda s: s["rebuilds"] > before, "rebuild")

    def index_project(self, files):
        """Write a small repository under root and index it (entities feed the vectors)."""
        repo = os.path.join(self.root, "repo")
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(repo, rel)), exist_ok=True)
            with open(os.path.join(repo, rel), "w") as f:
                f.write(text)
        with self.server.conn(timeout=10) as c:
            r = c.request("POST", "/api/v1/projects", headers={"Content-Type": "application/json"},
                          body=json.dumps({"path": repo, "name": "vec"}))
        if r.status != 202:
            raise AssertionError("create project: %r" % r)
        job = r.json()["job_id"]
        deadline = time.monotonic() + REBUILD_TIMEOUT_S
        while True:
            j = self.call("GET", "/api/v1/jobs/%d" % job).json()
            if j["state"] not in ("queued", "running"):
                return j
            if time.monotonic() > deadline:
                raise AssertionError("index job: %r" % j)
            time.sleep(0.05)

    def vector_dir(self):
        return os.path.join(self.root, "data", "vector")

    def files(self):
        d = self.vector_dir()
        return sorted(f for f in os.listdir(d) if f.endswith(".cgv")) if os.path.isdir(d) else []


class VectorApiTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        require_binary()
        cls.root = tempfile.mkdtemp(prefix="cg-vector-")
        cls.vs = VectorServer(cls.root, {"dimension": 64, "hnsw_m": 8,
                                         "hnsw_ef_construction": 40, "hnsw_ef_search": 32,
                                         "hnsw_max_elements": 5000}).start()

    @classmethod
    def tearDownClass(cls):
        cls.vs.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def test_stats_reflect_config(self):
        st = self.vs.stats()
        self.assertEqual(st["dimension"], 64)
        self.assertEqual(st["hnsw_m"], 8)
        self.assertEqual(st["hnsw_ef_construction"], 40)
        self.assertEqual(st["hnsw_ef_search"], 32)
        self.assertEqual(st["max_elements"], 5000)
        self.assertEqual(st["index_type"], "hnsw")
        self.assertEqual(st["metric"], "cosine")
        for k in ("vectors", "base_vectors", "delta_vectors", "tombstones", "saved_sequence",
                  "rebuilds", "searches"):
            self.assertIsInstance(st[k], int, k)
            self.assertGreaterEqual(st[k], 0, k)

    def test_rebuild_swaps_files(self):
        st = self.vs.rebuild()
        self.assertFalse(st["needs_rebuild"], st)
        self.assertIsNone(st["problem"], st)
        self.assertTrue(st["verified"], st)
        self.assertEqual(self.vs.files(), [st["file"]])
        st2 = self.vs.rebuild()
        self.assertNotEqual(st2["file"], st["file"])
        self.assertEqual(self.vs.files(), [st2["file"]], "the old file is deleted")
        self.assertGreaterEqual(st2["last_build_ms"], 0)

    def test_health_component(self):
        self.vs.wait_settled(lambda s: True, "idle")
        r = self.vs.call("GET", "/api/v1/health")
        comp = r.json()["components"]["vector_search"]
        self.assertIn(comp["status"], ("healthy", "degraded"))
        st = self.vs.stats()
        self.assertEqual(comp["status"] == "degraded", st["needs_rebuild"], (comp, st))
        self.assertEqual(comp["vectors"], st["vectors"])


class VectorCorruptionTest(unittest.TestCase):
    """Corrupt the saved file between runs at many offsets; each start detects it."""

    def setUp(self):
        require_binary()
        self.root = tempfile.mkdtemp(prefix="cg-vector-corrupt-")
        self.vs = VectorServer(self.root, {"dimension": 32})

    def tearDown(self):
        self.vs.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def damage_and_restart(self, damage):
        self.vs.stop()
        (name,) = self.vs.files()
        path = os.path.join(self.vs.vector_dir(), name)
        damage(path)
        self.vs.start()
        return name

    def detected(self, name):
        """The start reported the damaged file: in the stats or in the log."""
        def bad_event(ev):
            return (ev.get("message") in ("vector index opened", "vector index file corrupt")
                    and (ev.get("problem") or ev.get("error")))
        ev = self.vs.server.wait_log(bad_event, timeout=REBUILD_TIMEOUT_S)
        self.assertIsNotNone(ev, "the damaged file %s was not reported" % name)
        text = json.dumps(ev)
        self.assertTrue(name in text or "vindex-" in text, ev)

    def test_corruption_detected_and_repaired(self):
        self.vs.start()
        self.vs.index_project(FILES)
        first = self.vs.rebuild()
        size = first["file_bytes"]
        self.assertGreater(size, 4096)
        # header fields, header tail, section start, middle (graph/vectors), last byte
        offsets = [0, 9, 40, 200, 700, 3000, 4096, size // 3, size // 2, size - 1]
        for off in offsets:
            def flip(path, off=off):
                with open(path, "r+b") as f:
                    f.seek(off)
                    b = f.read(1)
                    f.seek(off)
                    f.write(bytes([b[0] ^ 0x10]))
            name = self.damage_and_restart(flip)
            self.detected(name)
            self.assertEqual(self.vs.call("GET", "/health").status, 200)
            st = self.vs.rebuild()
            self.assertFalse(st["needs_rebuild"], (off, st))
            self.assertNotEqual(st["file"], name)
            self.assertEqual(self.vs.files(), [st["file"]])

        def cut(path):
            os.truncate(path, os.path.getsize(path) // 2)
        name = self.damage_and_restart(cut)
        self.detected(name)
        st = self.vs.stats()
        if st["needs_rebuild"]:
            self.assertIn("truncated", st["problem"])
        st = self.vs.rebuild()
        self.assertFalse(st["needs_rebuild"], st)


class VectorDisabledTest(unittest.TestCase):

    def test_disabled(self):
        require_binary()
        root = tempfile.mkdtemp(prefix="cg-vector-off-")
        vs = VectorServer(root, {"enabled": False}).start()
        try:
            r = vs.call("GET", "/api/v1/admin/vector/stats")
            self.assertEqual(r.status, 404)
            self.assertEqual(r.json()["error"]["code"], "CG004")
            comp = vs.call("GET", "/api/v1/health").json()["components"]["vector_search"]
            self.assertEqual(comp["status"], "disabled")
        finally:
            vs.stop()
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
