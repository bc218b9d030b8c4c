"""test_graph_api.py — the code-graph REST endpoints against the real binary.

Proves, on a small Python + JavaScript repository written here (functions, methods, classes,
calls within a file and across files, one inheritance):
  * POST /api/v1/projects answers 202 with id/name/job_id, and GET /api/v1/jobs/{id} goes to
    "done" with the file counts; the project is listed and shown (by id and by name) with
    stats by kind and edges by kind and its last job;
  * every entity carries the contract's fields (id, name, qualified_name, kind, language,
    project, path, line, end_line ...), with names matching qualified names;
  * symbol lookup (exact, prefix, fuzzy, kind and lang filters), one entity, callers and
    callees at depth 1 and 2 with the exact expected sets, depths and via, references with
    their sites, the shortest call path (and "no path" the other way), the file outline in
    source order, and pagination (limit 1 + next_offset walks the whole list; a limit above
    the maximum is clamped and says so);
  * re-index after editing, adding and deleting files: a new function appears, a removed one
    and a deleted file's entities disappear, ids of an unchanged file are kept, the
    generation goes up; DELETE removes the project and everything in it;
  * errors carry the contract's shape and status: path outside allowed_roots 403 CG019
    (also when it does not exist), missing path under the roots 404, duplicate name 409
    CG020, reindex while running or delete while running 409, unknown entity/project/job/
    file 404, bad depth/limit/offset/id/match/kind/edges and bad bodies 400 naming the
    parameter;
  * a traversal through a function whose only call is unresolved answers, and an empty file
    is indexed (the server stays up in both cases).
"""

import json
import os
import shutil
import tempfile
import time
import unittest
import urllib.parse

from harness import Server

JOB_TIMEOUT_S = 30.0

MAIN_PY = '''"""Entry points."""
from app import util


def main():
    """Run everything."""
    helper()
    util.log("start")


def helper():
    return compute(1)


def compute(x):
    return x * 2


class Base:
    def run(self):
        return compute(3)


class Child(Base):
    def run(self):
        return helper()
'''

UTIL_PY = '''def log(msg):
    return fmt(msg)


def fmt(msg):
    return msg
'''

UTIL_PY_V2 = '''def log(msg):
    return shout(msg)


def shout(msg):
    return msg
'''

APP_JS = '''function start() {
  return step();
}

function step() {
  return finish();
}

function finish() {
  return 1;
}

class Widget {
  render() {
    return start();
  }
}
'''

EXTRA_PY = '''def extra():
    return 0
'''

FILES = {
    "app/main.py": MAIN_PY,
    "app/util.py": UTIL_PY,
    "web/app.js": APP_JS,
    "app/extra.py": EXTRA_PY,
}

ENTITY_FIELDS = ("id", "name", "qualified_name", "kind", "language", "project", "project_id",
                 "path", "line", "end_line", "column", "end_column", "signature", "doc",
                 "parent")


def write_repo(root, files):
    for rel, text in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)


class GraphClient:
    """JSON requests on one server, and the waits the tests need."""

    def __init__(self, server):
        self.server = server

    def call(self, method, path, body=None, raw=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        headers = {"Content-Type": "application/json"} if data is not None else None
        with self.server.conn(timeout=10) as c:
            r = c.request(method, path, headers=headers, body=data)
        return r

    def get(self, path):
        r = self.call("GET", path)
        return r.status, r.json()

    def wait_job(self, job_id):
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while True:
            st, j = self.get("/api/v1/jobs/%d" % job_id)
            if st != 200:
                raise AssertionError("GET job %d: %d %r" % (job_id, st, j))
            if "walking" in j and (not isinstance(j["walking"], bool) or (
                    j["walking"] and j["state"] not in ("queued", "running"))):
                # a live job: a bool, never true once the job has ended
                raise AssertionError("job %d: bad walking field: %r" % (job_id, j))
            if j["state"] not in ("queued", "running"):
                return j
            if time.monotonic() > deadline:
                raise AssertionError("job %d did not finish: %r" % (job_id, j))
            time.sleep(0.05)

    def create(self, path, name=None):
        body = {"path": path}
        if name is not None:
            body["name"] = name
        r = self.call("POST", "/api/v1/projects", body)
        if r.status != 202:
            raise AssertionError("create %s: %r" % (path, r))
        return r.json()

    def symbol(self, project, q, kind=None):
        """The one entity called q (qualified name), or an AssertionError."""
        url = "/api/v1/projects/%s/symbols?q=%s" % (project, urllib.parse.quote(q.split(".")[-1]))
        if kind:
            url += "&kind=" + kind
        st, j = self.get(url)
        if st != 200:
            raise AssertionError("symbols %s: %d %r" % (q, st, j))
        hits = [h for h in j["items"] if h["qualified_name"] == q]
        if len(hits) != 1:
            raise AssertionError("symbol %s: %r" % (q, j))
        return hits[0]


class GraphTestBase(unittest.TestCase):
    """One server whose allowed root is a temp dir holding the fixture repository."""
    files = FILES
    performance = {"pool_threads": 2}

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="cg-graph-")
        cls.repo = os.path.join(cls.root, "demo")
        write_repo(cls.repo, cls.files)
        cls.server = Server({"parsing": {"allowed_roots": [cls.root]},
                             "performance": cls.performance})
        cls.api = GraphClient(cls.server)

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def assertError(self, r, status, code, mention=None):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.header("content-type"), "application/json", r)
        e = r.json()["error"]
        self.assertEqual(e["code"], code, r)
        self.assertEqual(e["request_id"], r.header("x-request-id"), r)
        if mention:
            self.assertIn(mention, e["message"], r)
        return e

    def assertEntity(self, e, project="demo"):
        for f in ENTITY_FIELDS:
            self.assertIn(f, e, e)
        self.assertIsInstance(e["id"], int)
        self.assertGreater(e["id"], 0)
        self.assertEqual(e["project"], project, e)
        self.assertGreaterEqual(e["line"], 1, e)
        self.assertGreaterEqual(e["end_line"], e["line"], e)
        self.assertFalse(e["path"].startswith("/"), e)
        if e["kind"] != "file":
            self.assertEqual(e["name"], e["qualified_name"].split(".")[-1], e)

    def qnames(self, items):
        return sorted(h["qualified_name"] for h in items)


class GraphQueries(GraphTestBase):
    """Read-only queries on one indexed project (created once for the class)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.created = cls.api.create(cls.repo)
            cls.job = cls.api.wait_job(cls.created["job_id"])
        except Exception:
            cls.server.stop()
            raise

    def ent(self, q, kind=None):
        return self.api.symbol("demo", q, kind)

    # -- projects and jobs

    def test_create_answer_and_job(self):
        c = self.created
        self.assertEqual(c["name"], "demo")
        self.assertIsInstance(c["id"], int)
        self.assertIsInstance(c["job_id"], int)
        self.assertEqual(c["root"], os.path.realpath(self.repo))
        j = self.job
        self.assertEqual(j["state"], "done", j)
        self.assertEqual(j["id"], c["job_id"])
        self.assertEqual(j["project"], "demo")
        self.assertEqual(j["project_id"], c["id"])
        self.assertEqual(j["kind"], "index")
        self.assertEqual(j["files_total"], 4, j)
        self.assertEqual(j["files_done"], 4, j)
        self.assertEqual(j["files_indexed"] + j["files_unchanged"], 4, j)
        self.assertEqual(j["files_failed"], 0, j)
        self.assertEqual(j["error_count"], 0, j)
        self.assertEqual(j["errors"], [])
        self.assertGreaterEqual(j["generation"], 1)
        for k in ("created_at", "started_at", "finished_at"):
            self.assertRegex(j[k], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", j)

    def test_list_projects(self):
        st, j = self.api.get("/api/v1/projects")
        self.assertEqual(st, 200, j)
        self.assertEqual(j["total"], 1)
        self.assertFalse(j["truncated"])
        p = j["projects"][0]
        self.assertEqual(p["name"], "demo")
        self.assertEqual(p["id"], self.created["id"])
        self.assertEqual(p["files"], 4)
        self.assertEqual(p["entities"], 15)   # 10 Python + 5 JavaScript definitions
        self.assertGreater(p["edges"], 0)
        self.assertGreaterEqual(p["generation"], 1)
        self.assertIsNotNone(p["indexed_at"])
        self.assertEqual(p["last_job"]["id"], self.created["job_id"])
        self.assertEqual(p["last_job"]["state"], "done")

    def test_get_project_by_id_and_name(self):
        st, a = self.api.get("/api/v1/projects/%d" % self.created["id"])
        self.assertEqual(st, 200, a)
        st, b = self.api.get("/api/v1/projects/demo")
        self.assertEqual(st, 200, b)
        self.assertEqual(a["id"], b["id"])
        s = a["stats"]
        self.assertEqual(s["files"], 4)
        self.assertEqual(s["entities"], 15)
        self.assertEqual(s["by_kind"]["function"], 9, s)    # 6 Python + 3 JavaScript
        self.assertEqual(s["by_kind"]["method"], 3, s)      # Base.run, Child.run, render
        self.assertEqual(s["by_kind"]["class"], 3, s)       # Base, Child, Widget
        self.assertEqual(s["edges"]["inherits"], 1, s)
        self.assertGreaterEqual(s["edges"]["calls"], 9, s)
        self.assertIn("unresolved", s)
        self.assertEqual(a["last_job"]["state"], "done")
        self.assertEqual(a["last_job"]["errors"], [])

    def test_job_unknown_is_404(self):
        self.assertError(self.api.call("GET", "/api/v1/jobs/999999"), 404, "CG012")
        self.assertError(self.api.call("GET", "/api/v1/jobs/abc"), 400, "CG011", "'id'")

    # -- entities

    def test_symbols_exact_and_fields(self):
        st, j = self.api.get("/api/v1/projects/demo/symbols?q=run")
        self.assertEqual(st, 200, j)
        self.assertEqual(self.qnames(j["items"]), ["Base.run", "Child.run"])
        self.assertEqual(j["total"], 2)
        self.assertIsNone(j["next_offset"])
        self.assertFalse(j["truncated"])
        self.assertGreaterEqual(j["generation"], 1)
        for h in j["items"]:
            self.assertEntity(h)
            self.assertEqual(h["kind"], "method")
            self.assertEqual(h["language"], "python")
            self.assertEqual(h["path"], "app/main.py")
            self.assertIsInstance(h["score"], (int, float))
            self.assertIsInstance(h["parent"], int)

    def test_symbols_filters(self):
        st, j = self.api.get("/api/v1/projects/demo/symbols?q=he&match=prefix")
        self.assertEqual(st, 200, j)
        self.assertEqual(self.qnames(j["items"]), ["helper"])
        st, j = self.api.get("/api/v1/projects/demo/symbols?q=Base&kind=class")
        self.assertEqual(self.qnames(j["items"]), ["Base"])
        st, j = self.api.get("/api/v1/projects/demo/symbols?q=Base&kind=function")
        self.assertEqual(j["items"], [])
        self.assertEqual(j["total"], 0)
        st, j = self.api.get("/api/v1/projects/demo/symbols?q=st&match=prefix&lang=javascript")
        self.assertEqual(self.qnames(j["items"]), ["start", "step"])
        st, j = self.api.get("/api/v1/projects/demo/symbols?q=st&match=prefix&lang=python")
        self.assertEqual(j["items"], [])
        st, j = self.api.get("/api/v1/projects/demo/symbols?q=hlper&match=fuzzy")
        self.assertEqual(st, 200, j)
        self.assertIn("helper", self.qnames(j["items"]))

    def test_entity_get(self):
        m = self.ent("main", "function")
        st, j = self.api.get("/api/v1/entities/%d" % m["id"])
        self.assertEqual(st, 200, j)
        e = j["entity"]
        self.assertEntity(e)
        self.assertEqual(e["name"], "main")
        self.assertEqual(e["kind"], "function")
        self.assertEqual((e["line"], e["end_line"]), (5, 8))
        self.assertEqual(e["doc"], "Run everything.")
        self.assertIn("def main()", e["signature"])
        self.assertIsNone(e["parent"])
        r = self.ent("Child.run")
        self.assertEqual(r["parent"], self.ent("Child", "class")["id"])

    def test_callees_depth_1_and_2(self):
        m = self.ent("main", "function")
        st, j = self.api.get("/api/v1/entities/%d/callees?depth=1" % m["id"])
        self.assertEqual(st, 200, j)
        self.assertEqual(j["entity"]["id"], m["id"])
        self.assertEqual(j["depth"], 1)
        self.assertEqual(self.qnames(j["items"]), ["helper", "log"])
        for h in j["items"]:
            self.assertEntity(h)
            self.assertEqual((h["depth"], h["via"], h["edge"]), (1, m["id"], "calls"), h)
            self.assertIn(h["resolution"], ("exact", "import", "name"))
        helper = [h for h in j["items"] if h["qualified_name"] == "helper"][0]
        self.assertEqual(helper["resolution"], "exact")
        st, j = self.api.get("/api/v1/entities/%d/callees?depth=2" % m["id"])
        self.assertEqual(st, 200, j)
        got = {h["qualified_name"]: (h["depth"], h["via"]) for h in j["items"]}
        self.assertEqual(got, {
            "helper": (1, m["id"]), "log": (1, m["id"]),
            "compute": (2, self.ent("helper", "function")["id"]),
            "fmt": (2, self.ent("log", "function")["id"]),
        })
        self.assertEqual(j["total"], 4)
        self.assertEqual([h["depth"] for h in j["items"]], [1, 1, 2, 2])  # depth order

    def test_callers_depth_1_and_2(self):
        c = self.ent("compute", "function")
        st, j = self.api.get("/api/v1/entities/%d/callers" % c["id"])   # default depth 1
        self.assertEqual(st, 200, j)
        self.assertEqual(j["depth"], 1)
        self.assertEqual(self.qnames(j["items"]), ["Base.run", "helper"])
        st, j = self.api.get("/api/v1/entities/%d/callers?depth=2" % c["id"])
        helper = self.ent("helper", "function")["id"]
        got = {h["qualified_name"]: (h["depth"], h["via"]) for h in j["items"]}
        self.assertEqual(got, {
            "helper": (1, c["id"]), "Base.run": (1, c["id"]),
            "main": (2, helper), "Child.run": (2, helper),
        })

    def test_javascript_chain(self):
        s = self.ent("start", "function")
        st, j = self.api.get("/api/v1/entities/%d/callees?depth=2" % s["id"])
        self.assertEqual(st, 200, j)
        got = [(h["qualified_name"], h["depth"]) for h in j["items"]]
        self.assertEqual(got, [("step", 1), ("finish", 2)])
        for h in j["items"]:
            self.assertEqual(h["language"], "javascript")
            self.assertEqual(h["path"], "web/app.js")
        st, j = self.api.get("/api/v1/entities/%d/callers" % s["id"])
        self.assertEqual(self.qnames(j["items"]), ["Widget.render"])

    def test_depth_clamped_and_limit_clamped(self):
        c = self.ent("compute", "function")
        st, j = self.api.get("/api/v1/entities/%d/callers?depth=1000&limit=100000" % c["id"])
        self.assertEqual(st, 200, j)
        self.assertEqual(j["depth"], 10)
        self.assertEqual(j["limit"], 1000)
        self.assertEqual(self.qnames(j["items"]), ["Base.run", "Child.run", "helper", "main"])

    def test_references(self):
        b = self.ent("Base", "class")
        st, j = self.api.get("/api/v1/entities/%d/references" % b["id"])
        self.assertEqual(st, 200, j)
        self.assertEqual(len(j["items"]), 1, j)
        r = j["items"][0]
        self.assertEntity(r)
        self.assertEqual(r["qualified_name"], "Child")
        self.assertEqual(r["edge"], "inherits")
        self.assertEqual(r["site_line"], 24)
        self.assertEqual(r["count"], 1)
        c = self.ent("compute", "function")
        st, j = self.api.get("/api/v1/entities/%d/references" % c["id"])
        self.assertEqual(self.qnames(j["items"]), ["Base.run", "helper"])
        self.assertEqual(sorted(h["site_line"] for h in j["items"]), [12, 21])
        self.assertTrue(all(h["edge"] == "calls" for h in j["items"]))

    def test_path(self):
        m, c = self.ent("main", "function"), self.ent("compute", "function")
        st, j = self.api.get("/api/v1/graph/path?from=%d&to=%d" % (m["id"], c["id"]))
        self.assertEqual(st, 200, j)
        self.assertTrue(j["found"])
        self.assertEqual(j["length"], 2)
        self.assertEqual([h["qualified_name"] for h in j["items"]], ["main", "helper", "compute"])
        self.assertEqual([h["position"] for h in j["items"]], [0, 1, 2])
        self.assertEqual([h["edge"] for h in j["items"]], [None, "calls", "calls"])
        st, j = self.api.get("/api/v1/graph/path?from=%d&to=%d" % (c["id"], m["id"]))
        self.assertEqual(st, 200, j)
        self.assertFalse(j["found"])
        self.assertEqual(j["items"], [])
        st, j = self.api.get("/api/v1/graph/path?from=%d&to=%d&max_depth=1"
                             % (m["id"], c["id"]))
        self.assertFalse(j["found"], j)

    def test_outline_and_pagination(self):
        st, j = self.api.get("/api/v1/projects/demo/outline?path=app/main.py")
        self.assertEqual(st, 200, j)
        want = ["main", "helper", "compute", "Base", "Base.run", "Child", "Child.run"]
        self.assertEqual([h["qualified_name"] for h in j["items"]], want)
        self.assertEqual([h["kind"] for h in j["items"]],
                         ["function"] * 3 + ["class", "method", "class", "method"])
        self.assertEqual(j["total"], 7)
        for h in j["items"]:
            self.assertEntity(h)
        # The same list one item at a time by following next_offset.
        seen, url, pages = [], "/api/v1/projects/demo/outline?path=./app/main.py&limit=1", 0
        offset = 0
        while offset is not None:
            st, p = self.api.get(url + "&offset=%d" % offset)
            self.assertEqual(st, 200, p)
            self.assertEqual(p["limit"], 1)
            self.assertEqual(p["offset"], offset)
            self.assertEqual(len(p["items"]), 1, p)
            self.assertEqual(p["total"], 7)
            self.assertEqual(p["truncated"], p["next_offset"] is not None)
            seen.append(p["items"][0]["qualified_name"])
            offset = p["next_offset"]
            pages += 1
            self.assertLess(pages, 10)
        self.assertEqual(seen, want)
        st, p = self.api.get("/api/v1/projects/demo/outline?path=app/main.py&offset=100")
        self.assertEqual(st, 200, p)
        self.assertEqual(p["items"], [])
        self.assertIsNone(p["next_offset"])

    # -- errors

    def test_error_unknowns(self):
        self.assertError(self.api.call("GET", "/api/v1/entities/999999999"), 404, "CG012")
        self.assertError(self.api.call("GET", "/api/v1/entities/999999999/callers"), 404,
                         "CG012")
        self.assertError(self.api.call("GET", "/api/v1/projects/nosuch"), 404, "CG012")
        self.assertError(self.api.call("GET", "/api/v1/projects/777"), 404, "CG012")
        self.assertError(self.api.call("GET", "/api/v1/projects/nosuch/symbols?q=x"), 404,
                         "CG012")
        self.assertError(self.api.call("GET", "/api/v1/projects/demo/outline?path=no/such.py"),
                         404, "CG012", "no/such.py")
        m = self.ent("main", "function")
        self.assertError(self.api.call("GET", "/api/v1/graph/path?from=%d&to=999999999"
                                       % m["id"]), 404, "CG012")

    def test_error_bad_parameters(self):
        m = self.ent("main", "function")["id"]
        cases = [
            ("/api/v1/entities/%d/callees?depth=0" % m, "depth"),
            ("/api/v1/entities/%d/callees?depth=-1" % m, "depth"),
            ("/api/v1/entities/%d/callers?depth=abc" % m, "depth"),
            ("/api/v1/entities/%d/callers?depth=2x" % m, "depth"),
            ("/api/v1/entities/%d/callers?limit=0" % m, "limit"),
            ("/api/v1/entities/%d/references?offset=-5" % m, "offset"),
            ("/api/v1/entities/%d/callers?edges=calls,bogus" % m, "edges"),
            ("/api/v1/entities/abc", "id"),
            ("/api/v1/entities/0", "id"),
            ("/api/v1/entities/99999999999999999999999", "id"),
            ("/api/v1/graph/path?from=%d" % m, "to"),
            ("/api/v1/graph/path?from=%d&to=%d&max_depth=0" % (m, m), "max_depth"),
            ("/api/v1/projects/demo/symbols", "q"),
            ("/api/v1/projects/demo/symbols?q=", "q"),
            ("/api/v1/projects/demo/symbols?q=x&match=regex", "match"),
            ("/api/v1/projects/demo/symbols?q=x&kind=widget", "kind"),
            ("/api/v1/projects/demo/symbols?q=%zz", "q"),
            ("/api/v1/projects/demo/outline", "path"),
            ("/api/v1/projects/demo/outline?path=/etc/passwd", "path"),
            ("/api/v1/projects/demo/outline?path=app/../../x", "path"),
            ("/api/v1/projects?limit=0", "limit"),
        ]
        for url, name in cases:
            with self.subTest(url=url):
                self.assertError(self.api.call("GET", url), 400, "CG011", "'%s'" % name)

    def test_percent_decoding(self):
        st, j = self.api.get("/api/v1/projects/d%65mo/symbols?q=%68elper&kind=function%2Cclass")
        self.assertEqual(st, 200, j)
        self.assertEqual(self.qnames(j["items"]), ["helper"])
        st, j = self.api.get("/api/v1/projects/demo/outline?path=web%2Fapp.js")
        self.assertEqual(st, 200, j)
        self.assertEqual(j["total"], 5)

    def test_error_create(self):
        outside = tempfile.mkdtemp(prefix="cg-outside-")
        try:
            r = self.api.call("POST", "/api/v1/projects", {"path": outside})
            self.assertError(r, 403, "CG019")
            # Missing and outside: still 403 (existence outside the roots is not revealed).
            r = self.api.call("POST", "/api/v1/projects", {"path": outside + "/nope"})
            self.assertError(r, 403, "CG019")
            r = self.api.call("POST", "/api/v1/projects", {"path": self.root + "/../" +
                                                           os.path.basename(outside)})
            self.assertError(r, 403, "CG019")
        finally:
            shutil.rmtree(outside, ignore_errors=True)
        r = self.api.call("POST", "/api/v1/projects", {"path": self.root + "/missing"})
        self.assertError(r, 404, "CG012")
        r = self.api.call("POST", "/api/v1/projects", {"path": self.repo + "/app/main.py"})
        self.assertError(r, 400, "CG011")
        r = self.api.call("POST", "/api/v1/projects", {"path": self.repo})
        self.assertError(r, 409, "CG020", "demo")
        r = self.api.call("POST", "/api/v1/projects", {"path": self.repo + "/app",
                                                       "name": "demo"})
        self.assertError(r, 409, "CG020")
        for raw in ("", "not json", "[1,2]", '{"name":"x"}', '{"path":5}', '{"path":""}',
                    '{"path":"%s","name":7}' % self.repo,
                    '{"path":"%s","name":"123"}' % self.repo,
                    '{"path":"%s","name":"a\\u0001b"}' % self.repo):
            with self.subTest(body=raw):
                self.assertError(self.api.call("POST", "/api/v1/projects", raw=raw), 400,
                                 "CG011")
        st, j = self.api.get("/api/v1/projects")
        self.assertEqual(j["total"], 1, j)  # nothing was created by the failures

    def test_wrong_method(self):
        r = self.api.call("PUT", "/api/v1/projects/demo")
        self.assertEqual(r.status, 405, r)
        self.assertIn("DELETE", r.header("allow"))


class GraphReindexDelete(GraphTestBase):
    """Re-index after changes, conflicts while a job runs, and deletion."""

    def test_reindex_then_delete(self):
        api = self.api
        c = api.create(self.repo, name="proj")
        j1 = api.wait_job(c["job_id"])
        self.assertEqual(j1["state"], "done", j1)
        main_id = api.symbol("proj", "main", "function")["id"]
        fmt = api.symbol("proj", "fmt", "function")
        api.symbol("proj", "extra", "function")
        # Change util.py (fmt → shout), delete extra.py, add new.py.
        write_repo(self.repo, {"app/util.py": UTIL_PY_V2,
                               "app/new.py": "def brand_new():\n    return 1\n"})
        os.unlink(os.path.join(self.repo, "app/extra.py"))
        r = api.call("POST", "/api/v1/projects/proj/reindex")
        self.assertEqual(r.status, 202, r)
        j2 = api.wait_job(r.json()["job_id"])
        self.assertEqual(j2["state"], "done", j2)
        self.assertEqual(j2["kind"], "reindex")
        self.assertEqual(j2["files_deleted"], 1, j2)
        self.assertEqual(j2["files_indexed"], 2, j2)   # util.py and new.py
        self.assertGreater(j2["generation"], j1["generation"])
        st, s = api.get("/api/v1/projects/proj/symbols?q=fmt")
        self.assertEqual(s["items"], [], s)
        st, s = api.get("/api/v1/projects/proj/symbols?q=extra")
        self.assertEqual(s["items"], [], s)
        self.assertEqual(api.symbol("proj", "brand_new", "function")["path"], "app/new.py")
        shout = api.symbol("proj", "shout", "function")
        self.assertEqual(api.symbol("proj", "main", "function")["id"], main_id)  # unchanged
        log = api.symbol("proj", "log", "function")
        st, j = api.get("/api/v1/entities/%d/callees" % log["id"])
        self.assertEqual([h["id"] for h in j["items"]], [shout["id"]], j)
        self.assertEqual(j["generation"], j2["generation"])
        r = api.call("GET", "/api/v1/entities/%d" % fmt["id"])
        self.assertError(r, 404, "CG012")
        st, p = api.get("/api/v1/projects/proj")
        self.assertEqual(p["last_job"]["id"], j2["id"])
        self.assertEqual(p["stats"]["files"], 4)  # main, util, new, app.js
        # Delete: the project and its entities are gone, the name is free again.
        r = api.call("DELETE", "/api/v1/projects/%d" % c["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"deleted": True, "id": c["id"], "name": "proj"})
        self.assertError(api.call("GET", "/api/v1/projects/proj"), 404, "CG012")
        self.assertError(api.call("GET", "/api/v1/entities/%d" % main_id), 404, "CG012")
        self.assertError(api.call("DELETE", "/api/v1/projects/proj"), 404, "CG012")
        st, j = api.get("/api/v1/projects")
        self.assertEqual(j["total"], 0, j)
        st, j = api.get("/api/v1/jobs/%d" % j2["id"])   # job records stay for history
        self.assertEqual(st, 200, j)
        c2 = api.create(self.repo, name="proj")
        self.assertNotEqual(c2["id"], c["id"])
        self.assertEqual(api.wait_job(c2["job_id"])["state"], "done")

    def test_conflicts_while_running(self):
        """A job that is still running blocks a second reindex and a delete (409). A big
        enough tree keeps the first job busy for the two requests."""
        big = os.path.join(self.root, "big")
        body = "".join("def f%d():\n    return f%d()\n\n" % (i, i + 1) for i in range(300))
        write_repo(big, {"m%03d.py" % i: body for i in range(120)})
        c = self.api.create(big)
        self.assertEqual(c["name"], "big")
        r1 = self.api.call("POST", "/api/v1/projects/big/reindex")
        r2 = self.api.call("DELETE", "/api/v1/projects/big")
        st, j = self.api.get("/api/v1/jobs/%d" % c["job_id"])
        if j["state"] in ("queued", "running"):
            self.assertError(r1, 409, "CG020", "running")
            self.assertError(r2, 409, "CG020", "running")
            # Queries are served while the job runs.
            st, q = self.api.get("/api/v1/projects/big/symbols?q=f1")
            self.assertEqual(st, 200, q)
            self.assertEqual(self.server.get("/health").status, 200)
        final = self.api.wait_job(c["job_id"])
        self.assertEqual(final["state"], "done", final)
        self.assertEqual(final["files_total"], 120)
        self.assertEqual(final["entities"], 120 * 300)
        if r1.status == 202:
            self.api.wait_job(r1.json()["job_id"])
        r = self.api.call("DELETE", "/api/v1/projects/big")
        if r2.status == 200:
            self.assertError(r, 404, "CG012")
        else:
            self.assertEqual(r.status, 200, r)


class GraphUnresolvedCall(GraphTestBase):
    """Traversals through a function whose only call is unresolved (print)."""
    files = {"util.py": "def log(msg):\n    print(msg)\n\n\ndef top():\n    return log(1)\n"}

    def test_traverse_through_unresolved(self):
        c = self.api.create(self.repo, name="unres")
        self.assertEqual(self.api.wait_job(c["job_id"])["state"], "done")
        log = self.api.symbol("unres", "log", "function")
        top = self.api.symbol("unres", "top", "function")
        st, j = self.api.get("/api/v1/entities/%d/callees" % log["id"])
        self.assertEqual(st, 200, j)
        self.assertEqual(j["items"], [])
        st, j = self.api.get("/api/v1/entities/%d/callees?depth=3" % top["id"])
        self.assertEqual(st, 200, j)
        self.assertEqual([h["qualified_name"] for h in j["items"]], ["log"])
        st, p = self.api.get("/api/v1/projects/unres")
        self.assertGreaterEqual(p["stats"]["unresolved"], 1, p)
        self.assertEqual(self.server.get("/health").status, 200)


class GraphEmptyFile(GraphTestBase):
    """An empty file (a package's __init__.py) is indexed like any other, with no entities."""
    files = {"pkg/__init__.py": "", "pkg/mod.py": "def only():\n    return 1\n"}

    def test_empty_file(self):
        c = self.api.create(self.repo, name="empty")
        j = self.api.wait_job(c["job_id"])
        self.assertEqual(j["state"], "done", j)
        self.assertEqual((j["files_total"], j["files_failed"]), (2, 0), j)
        self.assertEqual(self.api.symbol("empty", "only", "function")["path"], "pkg/mod.py")
        st, o = self.api.get("/api/v1/projects/empty/outline?path=pkg/__init__.py")
        self.assertEqual(st, 200, o)
        self.assertEqual((o["items"], o["total"]), ([], 0))
        self.assertEqual(self.server.get("/health").status, 200)


class GraphJobLimits(GraphTestBase):
    """[performance] max_concurrent_indexing = 1: while one job runs, a second project is
    refused with 503 + Retry-After and nothing is left behind; and a job record read back
    after a restart still counts unchanged files separately (not folded into skipped)."""
    files = {"a.py": "def a():\n    return 1\n", "b.py": "def b():\n    return a()\n"}
    performance = {"pool_threads": 1, "max_concurrent_indexing": 1}

    def test_second_job_refused_while_one_runs(self):
        big = os.path.join(self.root, "big1")
        body = "".join("def f%d():\n    return f%d()\n\n" % (i, i + 1) for i in range(300))
        write_repo(big, {"m%03d.py" % i: body for i in range(150)})
        c = self.api.create(big)
        r = self.api.call("POST", "/api/v1/projects", {"path": self.repo, "name": "second"})
        st, j = self.api.get("/api/v1/jobs/%d" % c["job_id"])
        if j["state"] in ("queued", "running"):  # it ran during our request: must be refused
            self.assertError(r, 503, "CG016", "max_concurrent_indexing")
            self.assertEqual(r.header("retry-after"), "5", r)
            st, p = self.api.get("/api/v1/projects/second")
            self.assertEqual(st, 404, p)  # the refused create left no project
        self.assertEqual(self.api.wait_job(c["job_id"])["state"], "done")
        if r.status == 503:
            c2 = self.api.create(self.repo, name="second")
            self.assertEqual(self.api.wait_job(c2["job_id"])["state"], "done")

    def test_stored_record_counts_unchanged(self):
        c = self.api.create(self.repo, name="small")
        self.assertEqual(self.api.wait_job(c["job_id"])["state"], "done")
        r = self.api.call("POST", "/api/v1/projects/small/reindex")
        self.assertEqual(r.status, 202, r)
        job = r.json()["job_id"]
        self.assertEqual(self.api.wait_job(job)["files_unchanged"], 2)
        self.server.stop(remove=False)
        self.server.start()  # same data dir: the job is read from RocksDB now
        st, j = self.api.get("/api/v1/jobs/%d" % job)
        self.assertEqual(st, 200, j)
        self.assertEqual((j["files_unchanged"], j["files_skipped"], j["files_indexed"]),
                         (2, 0, 0), j)


if __name__ == "__main__":
    unittest.main()
