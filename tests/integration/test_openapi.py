"""test_openapi.py — GET /openapi.json against the router's own table and real validators.

Proves:
  * the document the server serves lists exactly the paths and methods of the route table
    the server dispatches on (`codegraph routes --json` dumps it; HEAD and OPTIONS are
    implicit) — including endpoints moved by configuration (metrics.endpoint,
    health.endpoint) and features switched off (mcp.enabled = false) — and
    `codegraph openapi` prints the same document without a server;
  * every route method has a real annotation in src/api/openapi_spec.c (the failure lists
    the routes that lack one, and any stale or broken annotation);
  * the document is valid OpenAPI 3.1 under npm @seriousme/openapi-schema-validator, every
    $ref resolves, every operation has a success and an error response;
  * live answers of the server — every GET route called with real ids and parameters on an
    indexed project, every POST route (projects, similar, MCP, each admin operation) with a
    real body, and error answers (400, 404, 409) — validate against the schemas the document
    gives for their status (Ajv, JSON Schema 2020-12); no route (but /metrics, text) is left
    without a validated answer, so a handler field renamed without its schema fails here.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import test_graph_api
from harness import REPO, Server, run_cli

NODE_MODULES = os.path.join(REPO, "vendor", "npm", "node_modules")
CHECK = os.path.join(REPO, "deploy", "check")
JOB_TIMEOUT_S = 30.0
ADMIN_KEY = "openapi-test-admin-key"

MAIN_PY = test_graph_api.MAIN_PY   # the same small Python module (main → helper → compute)


def have_node_module(name):
    return shutil.which("node") and os.path.isdir(os.path.join(NODE_MODULES, name))


def node(script, *args):
    p = subprocess.run(["node", os.path.join(CHECK, script)] + list(args),
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def route_table():
    rc, out, err = run_cli(["routes", "--json"])
    if rc != 0:
        raise AssertionError("codegraph routes --json failed: %s" % err)
    return json.loads(out)


class OpenAPITest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.repo = tempfile.mkdtemp(prefix="cg-openapi-repo-")
        os.makedirs(os.path.join(cls.repo, "app"))
        with open(os.path.join(cls.repo, "app", "main.py"), "w") as f:
            f.write(MAIN_PY)
        cls.server = Server({"parsing": {"allowed_roots": [cls.repo]},
                             "database": {"backup_path": os.path.join(cls.repo, "backups")},
                             "security": {"admin_api_keys": [ADMIN_KEY]}})
        with cls.server.conn() as c:
            r = c.request("GET", "/openapi.json")
        cls.doc_response = r
        cls.doc = r.json()
        cls.tmp = tempfile.mkdtemp(prefix="cg-openapi-")
        cls.doc_path = os.path.join(cls.tmp, "openapi.json")
        with open(cls.doc_path, "w") as f:
            json.dump(cls.doc, f)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.repo, ignore_errors=True)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ------------------------------------------------------------------ helpers

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": "Bearer " + ADMIN_KEY,
                   "Accept": "application/json, text/event-stream"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        with self.server.conn() as c:
            r = c.request(method, path, body=data, headers=headers)
        try:
            parsed = r.json()
        except ValueError:
            parsed = None
        return r.status, parsed

    def wait_job(self, job_id):
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            st, job = self.request("GET", "/api/v1/jobs/%d" % job_id)
            if st == 200 and job["state"] in ("done", "failed", "cancelled"):
                return job
            time.sleep(0.05)
        self.fail("job %d did not finish" % job_id)

    # ------------------------------------------------------------------ tests

    def test_document_lists_exactly_the_route_table(self):
        self.assertEqual(self.doc_response.status, 200)
        self.assertEqual(self.doc_response.header("content-type"), "application/json")
        table = {(r["method"].lower(), r["path"]) for r in route_table()["routes"]}
        documented = {(m, p) for p, item in self.doc["paths"].items() for m in item}
        self.assertEqual(documented - table, set(), "documented but not routed")
        self.assertEqual(table - documented, set(), "routed but not documented")
        self.assertGreaterEqual(len(table), 18)
        rc, out, err = run_cli(["openapi"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out), self.doc)

    def test_every_route_has_an_annotation(self):
        t = route_table()
        missing = ["%s %s" % (r["method"], r["path"]) for r in t["routes"] if not r["annotated"]]
        self.assertEqual(missing, [], "routes without an annotation in src/api/openapi_spec.c")
        self.assertEqual(t["problems"], [], "annotation problems")
        rc, _, err = run_cli(["openapi", "--check"])
        self.assertEqual(rc, 0, err)
        undocumented = [(m, p) for p, item in self.doc["paths"].items() for m, op in item.items()
                        if op.get("x-codegraph-undocumented")]
        self.assertEqual(undocumented, [])

    def test_access_classes_are_documented(self):
        for r in route_table()["routes"]:
            op = self.doc["paths"][r["path"]][r["method"].lower()]
            want = {"open": [], "user": [{"apiKey": []}], "admin": [{"adminKey": []}]}
            self.assertEqual(op["security"], want[r["access"]], r)
            if r["access"] != "open":
                self.assertIn("401", op["responses"], r)
            self.assertEqual(op["summary"], r["summary"] or r["path"])

    @unittest.skipUnless(have_node_module("@seriousme/openapi-schema-validator"),
                         "npm @seriousme/openapi-schema-validator not installed")
    def test_valid_under_a_real_validator(self):
        rc, out = node("openapi.mjs", self.doc_path, NODE_MODULES)
        self.assertEqual(rc, 0, out)
        self.assertIn("valid OpenAPI 3.1.0", out)
        # and the validator does reject a broken document (the check can fail)
        broken = json.loads(json.dumps(self.doc))
        broken["paths"]["/health"]["get"]["responses"] = {"200": {"content": 5}}
        bad = os.path.join(self.tmp, "broken.json")
        with open(bad, "w") as f:
            json.dump(broken, f)
        rc, out = node("openapi.mjs", bad, NODE_MODULES)
        self.assertNotEqual(rc, 0, out)

    # ------------------------------------------------------------------ live answers

    def concrete(self, template, ids):
        """A request path for a route template, with real ids and its required parameters."""
        path = template
        for name, value in ids["path"].get(template, {}).items():
            path = path.replace("{%s}" % name, str(value))
        path = re.sub(r"\{[^}]+\}", str(ids["default"]), path)
        op = self.doc["paths"][template]["get"]
        query = {}
        for p in op.get("parameters", []):
            if p["in"] == "query" and p.get("required"):
                query[p["name"]] = ids["query"].get(p["name"], "x")
        return path + ("?" + urllib.parse.urlencode(query) if query else "")

    @unittest.skipUnless(have_node_module("ajv"), "npm ajv not installed")
    def test_live_answers_match_documented_schemas(self):
        samples = []

        def sample(method, template, path, body=None):
            st, parsed = self.request(method, path, body)
            if parsed is not None:
                samples.append({"method": method, "template": template, "status": st,
                                "body": parsed})
            return st, parsed

        st, created = sample("POST", "/api/v1/projects", "/api/v1/projects",
                             {"name": "oa", "path": self.repo})
        self.assertEqual(st, 202, created)
        self.wait_job(created["job_id"])
        st, syms = self.request("GET", "/api/v1/projects/oa/symbols?q=compute")
        compute = syms["items"][0]["id"]
        st, syms = self.request("GET", "/api/v1/projects/oa/symbols?q=main")
        main = syms["items"][0]["id"]
        ids = {
            "default": created["id"],
            "path": {
                "/api/v1/jobs/{id}": {"id": created["job_id"]},
                "/api/v1/projects/{id}": {"id": "oa"},
            },
            "query": {"q": "compute", "path": "app/main.py", "from": main, "to": compute,
                      "code": "def compute(x): return x", "entity_id": compute},
        }
        for t in self.doc["paths"]:
            if t.startswith("/api/v1/entities/"):
                ids["path"][t] = {"id": compute}
            elif t.startswith("/api/v1/projects/{id}"):
                ids["path"][t] = {"id": "oa"}
        gets = [r["path"] for r in route_table()["routes"] if r["method"] == "GET"]
        for t in gets:
            if t == "/metrics":
                continue
            sample("GET", t, self.concrete(t, ids))
        # the POST routes of search, MCP and admin, each with a real body
        sample("POST", "/api/v1/similar", "/api/v1/similar",
               {"code": "def compute(x):\n    return x * 2", "limit": 3})
        sample("POST", "/api/v1/similar", "/api/v1/similar", {"limit": 3})
        st, init = sample("POST", "/mcp", "/mcp", {
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "openapi-test", "version": "1"}}})
        self.assertEqual(st, 200, init)
        sample("POST", "/mcp", "/mcp", {"jsonrpc": "2.0", "method": "no/such", "id": "x"})
        sample("POST", "/mcp", "/mcp", {"not": "json-rpc"})
        for action in ("maintenance", "maintenance", "pause-indexing", "resume-indexing"):
            sample("POST", "/api/v1/admin/" + action, "/api/v1/admin/" + action)
        sample("POST", "/api/v1/admin/checkpoint", "/api/v1/admin/checkpoint",
               {"path": "relative/not/allowed"})
        st, cp = sample("POST", "/api/v1/admin/checkpoint", "/api/v1/admin/checkpoint",
                        {"path": os.path.join(self.repo, "checkpoint-1")})
        st, bk = sample("POST", "/api/v1/admin/backup", "/api/v1/admin/backup", {})
        for action in ("backup-incremental", "compact", "optimize", "vector/rebuild"):
            sample("POST", "/api/v1/admin/" + action, "/api/v1/admin/" + action)
        for started in (cp, bk):
            if isinstance(started, dict) and "job_id" in started:
                sample("GET", "/api/v1/admin/jobs/{id}",
                       "/api/v1/admin/jobs/%d" % started["job_id"])
        sample("GET", "/api/v1/admin/jobs/{id}", "/api/v1/admin/jobs/99999")
        # errors: unknown ids, malformed parameters, a bad body
        sample("GET", "/api/v1/entities/{id}", "/api/v1/entities/999999999")
        sample("GET", "/api/v1/entities/{id}", "/api/v1/entities/abc")
        sample("GET", "/api/v1/jobs/{id}", "/api/v1/jobs/987654")
        sample("GET", "/api/v1/graph/path", "/api/v1/graph/path?from=1")
        sample("POST", "/api/v1/projects", "/api/v1/projects", {"nope": 1})
        sample("POST", "/api/v1/projects", "/api/v1/projects", {"name": "oa", "path": self.repo})
        st, _ = sample("POST", "/api/v1/projects/{id}/reindex", "/api/v1/projects/oa/reindex")
        self.assertEqual(st, 202)
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            st, _ = sample("DELETE", "/api/v1/projects/{id}", "/api/v1/projects/oa")
            if st != 409:
                break
            time.sleep(0.05)
        self.assertEqual(st, 200)
        statuses = {s["status"] for s in samples}
        templates = {s["template"] for s in samples}
        unsampled = [t for t in self.doc["paths"] if t not in templates and t != "/metrics"]
        self.assertEqual(unsampled, [], "routes no live answer was validated for")
        self.assertTrue({200, 202, 400, 404} <= statuses, statuses)
        path = os.path.join(self.tmp, "samples.json")
        with open(path, "w") as f:
            json.dump(samples, f)
        rc, out = node("responses.mjs", self.doc_path, path, NODE_MODULES)
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"responses: \d+ live answers match")


class LiveTableTest(unittest.TestCase):
    """The served document follows the running server's routes, not only the static table."""

    def test_moved_and_disabled_endpoints(self):
        srv = Server({"metrics": {"endpoint": "/prom"}, "health": {"endpoint": "/alive"},
                      "mcp": {"enabled": False}})
        try:
            doc = srv.get("/openapi.json").json()
            self.assertEqual(srv.get("/prom").status, 200)
        finally:
            srv.stop()
        paths = doc["paths"]
        self.assertIn("/prom", paths)
        self.assertIn("/alive", paths)
        for gone in ("/metrics", "/health", "/mcp"):
            self.assertNotIn(gone, paths)
        # moved routes keep their annotations (found through the canonical row)
        self.assertNotIn("x-codegraph-undocumented", paths["/prom"]["get"])
        self.assertIn("text/plain", paths["/prom"]["get"]["responses"]["200"]["content"])
        self.assertEqual(paths["/alive"]["get"]["responses"]["200"]["content"]
                         ["application/json"]["schema"]["$ref"], "#/components/schemas/Health")
        table = {(r["method"].lower(), r["path"]) for r in route_table()["routes"]}
        documented = {(m, p) for p, item in paths.items() for m in item}
        self.assertEqual(table - documented,
                         {("get", "/metrics"), ("get", "/health"), ("post", "/mcp")})


if __name__ == "__main__":
    unittest.main()
