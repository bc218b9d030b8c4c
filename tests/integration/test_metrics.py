"""test_metrics.py — /metrics of the real server after known traffic.

Proves: the live scrape passes `promtool check metrics` (the real Prometheus linter);
codegraph_requests_total{method="GET",endpoint="/health",status="200"} equals the
number of /health requests made; 404s are labelled endpoint="unmatched" and no label
ever carries a raw path; the request histogram has exactly the buckets 0.005 … 10 and
+Inf, cumulative, with +Inf == _count; the process_* families, the database size, the
indexing queue depth and codegraph_build_info are present with sane values.
After POST /api/v1/projects on a small repository (MetricsIndex): the scrape still
passes promtool and has codegraph_parse_duration_seconds{language} (a histogram with
the buckets 0.0005 … 10, cumulative, _count == the files of that language),
codegraph_index_files_by_language_total{language} and
codegraph_project_last_indexed_timestamp_seconds{project} (now); after a restart on the
same data directory the last-indexed gauge is there before any new job, and deleting the
project removes its series.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import Server, ServerTest, build_request

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """[(name, {labels}, value)] for every sample line."""
    out = []
    for ln in text.splitlines():
        if not ln or ln.startswith("#"):
            continue
        m = SAMPLE.match(ln)
        if not m:
            raise AssertionError("unparseable sample line: %r" % ln)
        labels = dict(LABEL.findall(m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def value(samples, name, **labels):
    vals = [v for n, l, v in samples if n == name and all(l.get(k) == x
                                                          for k, x in labels.items())]
    return vals


class Metrics(ServerTest):
    N_HEALTH = 7
    N_404 = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.server.conn() as c:
            for _ in range(cls.N_HEALTH):
                assert c.request("GET", "/health").status == 200
            for i in range(cls.N_404):
                assert c.request("GET", "/secret-path-%d?key=hunter2" % i).status == 404
            assert c.request("POST", "/health", body=b"x").status == 405
        r = cls.server.get("/metrics")
        cls.scrape = r
        cls.text = r.body.decode("utf-8")
        cls.samples = parse(cls.text)

    def test_content_type(self):
        self.assertEqual(self.scrape.status, 200)
        self.assertRegex(self.scrape.header("content-type"), r"^text/plain; version=0\.0\.4")

    def test_promtool(self):
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=self.scrape.body,
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, (p.stdout + p.stderr).decode())

    def test_requests_total_health(self):
        v = value(self.samples, "codegraph_requests_total", method="GET", endpoint="/health",
                  status="200")
        self.assertEqual(v, [float(self.N_HEALTH)])

    def test_404_unmatched_never_raw_path(self):
        v = value(self.samples, "codegraph_requests_total", method="GET",
                  endpoint="unmatched", status="404")
        self.assertEqual(v, [float(self.N_404)])
        for name, labels, _ in self.samples:
            for k, x in labels.items():
                self.assertNotIn("secret-path", x, (name, labels))
                self.assertNotIn("hunter2", x, (name, labels))
        self.assertNotIn("secret-path", self.text)

    def test_endpoint_labels_are_templates(self):
        eps = {l["endpoint"] for n, l, _ in self.samples if "endpoint" in l}
        self.assertTrue(eps <= {"/health", "/ready", "/metrics", "/api/v1/health",
                                "unmatched"}, eps)

    def test_histogram_buckets(self):
        name = "codegraph_request_duration_seconds"
        self.assertIn("# TYPE %s histogram" % name, self.text)
        b = [(float(l["le"]), v) for n, l, v in self.samples
             if n == name + "_bucket" and l.get("endpoint") == "/health"]
        les = [le for le, _ in b]
        self.assertEqual(les, [float(x) for x in BUCKETS] + [float("inf")])
        counts = [v for _, v in b]
        self.assertEqual(counts, sorted(counts), "buckets are not cumulative")
        cnt = value(self.samples, name + "_count", endpoint="/health")
        self.assertEqual(cnt, [float(self.N_HEALTH)])
        self.assertEqual(counts[-1], cnt[0])
        total = value(self.samples, name + "_sum", endpoint="/health")
        self.assertEqual(len(total), 1)
        self.assertGreaterEqual(total[0], 0.0)
        self.assertLess(total[0], 10.0 * self.N_HEALTH)

    def test_process_metrics(self):
        def one(name):
            v = value(self.samples, name)
            self.assertEqual(len(v), 1, "%s: %r" % (name, v))
            self.assertIn("# TYPE %s " % name, self.text)
            return v[0]
        self.assertGreater(one("process_resident_memory_bytes"), 1 << 20)
        self.assertGreaterEqual(one("process_cpu_seconds_total"), 0)
        self.assertGreater(one("process_open_fds"), 2)
        start = one("process_start_time_seconds")
        self.assertLess(abs(start - time.time()), 600)
        self.assertGreaterEqual(one("codegraph_database_size_bytes"), 0)
        self.assertGreaterEqual(one("codegraph_indexing_queue_depth"), 0)

    def test_build_info(self):
        bi = [(l, v) for n, l, v in self.samples if n == "codegraph_build_info"]
        self.assertEqual(len(bi), 1, bi)
        labels, v = bi[0]
        self.assertEqual(v, 1.0)
        self.assertRegex(labels.get("version", ""), r"^\d+\.\d+\.\d+")
        self.assertTrue(labels.get("commit"))
        self.assertIn(labels.get("io_backend"), ("io_uring", "epoll"))

    def test_counter_grows(self):
        """A later scrape counts the requests made in between."""
        with self.server.conn() as c:
            for _ in range(4):
                c.request("GET", "/health")
        s2 = parse(self.server.get("/metrics").body.decode())
        v = value(s2, "codegraph_requests_total", method="GET", endpoint="/health",
                  status="200")
        self.assertEqual(v, [float(self.N_HEALTH + 4)])


PARSE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                 10]
REPO = {
    "pkg/a.py": "def a():\n    return b()\n",
    "pkg/b.py": "def b():\n    return 1\n",
    "pkg/c.py": "class C:\n    def m(self):\n        return a()\n",
    "web/app.js": "function start() { return 1; }\n",
}
LAST = "codegraph_project_last_indexed_timestamp_seconds"


class MetricsIndex(unittest.TestCase):
    """Index metrics after one index job through the REST API, and after a restart."""

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="cg-metrics-")
        repo = os.path.join(cls.root, "demo")
        for rel, text in REPO.items():
            path = os.path.join(repo, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        cls.server = Server({"parsing": {"allowed_roots": [cls.root]},
                             "performance": {"pool_threads": 2}})
        try:
            cls.t0 = time.time()
            r = cls.call("POST", "/api/v1/projects", {"path": repo, "name": "demo"})
            assert r.status == 202, r
            cls.job = cls.wait_job(r.json()["job_id"])
            cls.scrape = cls.server.get("/metrics")
            cls.text = cls.scrape.body.decode("utf-8")
            cls.samples = parse(cls.text)
        except Exception:
            cls.server.stop()
            shutil.rmtree(cls.root, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    @classmethod
    def call(cls, method, path, body=None):
        data = json.dumps(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else None
        with cls.server.conn(timeout=10) as c:
            return c.request(method, path, headers=headers, body=data)

    @classmethod
    def wait_job(cls, job_id):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            j = cls.call("GET", "/api/v1/jobs/%d" % job_id).json()
            if j["state"] not in ("queued", "running"):
                return j
            time.sleep(0.05)
        raise AssertionError("job %d did not finish" % job_id)

    def test_job_done(self):
        self.assertEqual(self.job["state"], "done", self.job)

    def test_promtool(self):
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=self.scrape.body,
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, (p.stdout + p.stderr).decode())

    def test_parse_duration_histogram(self):
        name = "codegraph_parse_duration_seconds"
        self.assertEqual(self.text.count("# TYPE %s histogram\n" % name), 1)
        for lang, files in (("python", 3), ("javascript", 1)):
            b = [(float(l["le"]), v) for n, l, v in self.samples
                 if n == name + "_bucket" and l.get("language") == lang]
            self.assertEqual([le for le, _ in b], PARSE_BUCKETS + [float("inf")], lang)
            counts = [v for _, v in b]
            self.assertEqual(counts, sorted(counts), "buckets are not cumulative")
            self.assertEqual(counts[-1], files, lang)
            self.assertEqual(value(self.samples, name + "_count", language=lang), [files])
            total = value(self.samples, name + "_sum", language=lang)
            self.assertEqual(len(total), 1)
            self.assertGreater(total[0], 0.0)
            self.assertLess(total[0], 10.0 * files)
        langs = {l["language"] for n, l, _ in self.samples if n == name + "_count"}
        self.assertEqual(langs, {"python", "javascript"}, "only parsed languages are shown")

    def test_files_by_language(self):
        name = "codegraph_index_files_by_language_total"
        self.assertEqual(value(self.samples, name, language="python"), [3.0])
        self.assertEqual(value(self.samples, name, language="javascript"), [1.0])
        self.assertEqual(value(self.samples, name, language="rust"), [0.0])
        langs = {l["language"] for n, l, _ in self.samples if n == name}
        self.assertEqual(len(langs), 15, langs)  # tsx counts as typescript

    def test_last_indexed(self):
        v = value(self.samples, LAST, project="demo")
        self.assertEqual(len(v), 1, self.text[-2000:])
        self.assertGreaterEqual(v[0], int(self.t0))
        self.assertLessEqual(v[0], time.time() + 1)
        self.assertEqual(self.text.count("# TYPE %s gauge\n" % LAST), 1)


class MetricsIndexRestart(MetricsIndex):
    """The same, then a restart on the same data directory: the gauge is seeded."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.before = value(cls.samples, LAST, project="demo")
        cls.server.stop(remove=False)
        cls.server.start()
        cls.after = parse(cls.server.get("/metrics").body.decode("utf-8"))

    def test_seeded_after_restart(self):
        self.assertEqual(len(self.before), 1)
        self.assertEqual(value(self.after, LAST, project="demo"), self.before)
        self.assertEqual(value(self.after, "codegraph_index_files_by_language_total",
                               language="python"), [0.0])

    def test_zz_delete_removes_series(self):
        """Deleting the project takes its last-indexed series out of the scrape (runs last:
        the other tests of the class read the scrapes taken in setUpClass)."""
        r = self.call("DELETE", "/api/v1/projects/demo")
        self.assertEqual(r.status, 200, r)
        text = self.server.get("/metrics").body.decode("utf-8")
        self.assertEqual(value(parse(text), LAST, project="demo"), [], text[-1500:])
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, (p.stdout + p.stderr).decode())


if __name__ == "__main__":
    unittest.main()
