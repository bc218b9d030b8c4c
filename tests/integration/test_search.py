"""test_search.py — search over HTTP and the CLI against the real binary.

Proves, on a small Python + Go repository written here (functions whose names, bodies and
docstrings share and do not share words with the queries):
  * GET /api/v1/search finds the function whose body and name match (hybrid, lexical,
    semantic and symbol modes each rank it first), every hit carries the contract's entity
    fields plus score, and mode=hybrid is the default;
  * filters: project (id and name), lang, kind (list), path prefix; unknown project 404
    CG012; bad mode/kind/lang/limit/explain/empty q 400 CG011 with the contract's error shape;
  * explain=1 adds a per-source breakdown whose ranks agree with the single-mode answers;
  * pagination: limit/offset walk the same order as one big page, with total, truncated and
    next_offset consistent;
  * POST /api/v1/similar by snippet ranks the function it was copied from first, by
    entity_id excludes the entity, honours threshold (every score >= threshold; a threshold
    above the best score gives nothing), and refuses bad bodies (400) and unknown entities
    (404);
  * GET /api/v1/health has a capabilities section naming every search mode with a reason;
  * re-indexing after editing a file makes its old words unfindable and its new words
    findable; deleting a file removes its entities from search; deleting the project
    removes it from search;
  * `codegraph search` prints the same first hit as the endpoint (--json NDJSON).
"""

import json
import os
import shutil
import tempfile
import time
import unittest
import urllib.parse

from harness import Server, run_cli

JOB_TIMEOUT_S = 60.0

FILES = {
    "app/config.py": '''
def load_settings(path):
    """Read the settings file and return a dict."""
    with open(path) as fh:
        return toml_parse(fh.read())


def toml_parse(text):
    table = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        table[key.strip()] = value.strip()
    return table
''',
    "app/net.py": '''
import socket


def send_packet(sock, payload):
    """Send one length-prefixed packet over the socket."""
    header = len(payload).to_bytes(4, "big")
    sock.sendall(header + payload)


def receive_packet(sock):
    header = sock.recv(4)
    size = int.from_bytes(header, "big")
    return sock.recv(size)


class PacketClient:
    def connect(self, host, port):
        self.sock = socket.create_connection((host, port))
''',
    "svc/cache.go": '''package svc

// LruCache keeps the most recently used entries.
type LruCache struct {
	capacity int
	entries  map[string]string
}

// EvictOldest removes the least recently used entry from the cache.
func (c *LruCache) EvictOldest() {
	for key := range c.entries {
		delete(c.entries, key)
		return
	}
}

func ComputeChecksum(data []byte) uint32 {
	var sum uint32
	for _, b := range data {
		sum = sum*31 + uint32(b)
	}
	return sum
}
''',
}

ENTITY_FIELDS = ("id", "name", "qualified_name", "kind", "language", "project", "path",
                 "line", "end_line", "score")


def write_repo(root, files):
    for rel, text in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)


class SearchTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="cg-search-")
        cls.repo = os.path.join(cls.root, "demo")
        write_repo(cls.repo, FILES)
        cls.server = Server({"parsing": {"allowed_roots": [cls.root]},
                             "performance": {"pool_threads": 2}})
        st, j = cls.call("POST", "/api/v1/projects", {"path": cls.repo, "name": "demo"})
        assert st == 202, (st, j)
        cls.pid = j["id"]
        cls.wait_job(j["job_id"])

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    # ---- helpers

    @classmethod
    def call(cls, method, path, body=None, raw=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        headers = {"Content-Type": "application/json"} if data is not None else None
        with cls.server.conn(timeout=15) as c:
            r = c.request(method, path, headers=headers, body=data)
        try:
            return r.status, r.json()
        except ValueError:
            return r.status, r.body

    @classmethod
    def wait_job(cls, job_id):
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while True:
            st, j = cls.call("GET", "/api/v1/jobs/%d" % job_id)
            assert st == 200, (st, j)
            if j["state"] not in ("queued", "running"):
                assert j["state"] == "done", j
                return j
            assert time.monotonic() < deadline, j
            time.sleep(0.05)

    def search(self, q, status=200, **params):
        params["q"] = q
        st, j = self.call("GET", "/api/v1/search?" + urllib.parse.urlencode(params))
        self.assertEqual(st, status, j)
        return j

    def names(self, j):
        return [h["name"] for h in j["items"]]

    def assertError(self, st, j, status, code):
        self.assertEqual(st, status, j)
        self.assertEqual(j["error"]["code"], code, j)
        self.assertTrue(j["error"]["message"], j)
        self.assertIn("request_id", j["error"])

    # ---- tests

    def test_modes_find_the_matching_function(self):
        j = self.search("send packet over socket")
        self.assertEqual(j["mode"], "hybrid")
        self.assertEqual(self.names(j)[0], "send_packet", j)
        for h in j["items"]:
            for f in ENTITY_FIELDS:
                self.assertIn(f, h)
            self.assertEqual(h["project"], "demo")
        for mode in ("lexical", "semantic"):
            j = self.search("length prefixed packet sendall", mode=mode)
            self.assertEqual(j["mode"], mode)
            self.assertEqual(self.names(j)[0], "send_packet", (mode, j))
        j = self.search("EvictOldest", mode="symbol")
        self.assertEqual(self.names(j)[0], "EvictOldest", j)
        j = self.search("evict least recently used cache entry")
        self.assertEqual(self.names(j)[0], "EvictOldest", j)
        j = self.search("zzzqqq nonexistentword")
        self.assertEqual(j["items"], [])
        self.assertEqual(j["total"], 0)

    def test_filters(self):
        j = self.search("packet checksum settings", lang="go")
        self.assertTrue(j["items"])
        self.assertEqual({h["language"] for h in j["items"]}, {"go"})
        j = self.search("packet", kind="class")
        self.assertEqual(self.names(j), ["PacketClient"], j)
        j = self.search("packet", kind="function,method", path="app/net")
        self.assertTrue(j["items"])
        for h in j["items"]:
            self.assertTrue(h["path"].startswith("app/net"), h)
            self.assertIn(h["kind"], ("function", "method"))
        by_id = self.search("packet", project=str(self.pid))
        by_name = self.search("packet", project="demo")
        self.assertEqual(self.names(by_id), self.names(by_name))
        st, j = self.call("GET", "/api/v1/search?q=packet&project=nosuch")
        self.assertError(st, j, 404, "CG012")

    def test_bad_requests(self):
        for qs in ("q=", "q=x&mode=fast", "q=x&kind=gizmo", "q=x&lang=cobol", "q=x&limit=0",
                   "q=x&limit=abc", "q=x&explain=maybe", "mode=lexical", "q=%20%20"):
            st, j = self.call("GET", "/api/v1/search?" + qs)
            self.assertError(st, j, 400, "CG011")

    def test_explain_agrees_with_single_modes(self):
        q = "read settings file"
        j = self.search(q, explain="1", limit="5")
        self.assertEqual(self.names(j)[0], "load_settings", j)
        ex = j["items"][0]["explain"]
        for src in ("lexical", "semantic", "symbol"):
            self.assertIn(src, ex)
        lex = self.search(q, mode="lexical", limit="50")
        rank = self.names(lex).index("load_settings") + 1
        self.assertEqual(ex["lexical"]["rank"], rank, (ex, lex))
        self.assertGreater(ex["lexical"]["score"], 0)
        self.assertIn("name_boost", ex)
        self.assertNotIn("explain", self.search(q)["items"][0])

    def test_pagination(self):
        full = self.search("packet sock data entries", limit="100")
        names = self.names(full)
        self.assertGreater(len(names), 3)
        self.assertFalse(full["truncated"])
        self.assertEqual(full["total"], len(names))
        seen, offset = [], 0
        while True:
            j = self.search("packet sock data entries", limit="2", offset=str(offset))
            self.assertEqual(j["total"], full["total"])
            seen += self.names(j)
            if not j["truncated"]:
                self.assertIsNone(j["next_offset"])
                break
            self.assertEqual(j["next_offset"], offset + 2)
            offset = j["next_offset"]
        self.assertEqual(seen, names)

    def test_similar(self):
        snippet = "header = len(payload).to_bytes(4, 'big')\nsock.sendall(header + payload)"
        st, j = self.call("POST", "/api/v1/similar", {"code": snippet, "language": "python",
                                                       "threshold": 0.1, "limit": 5})
        self.assertEqual(st, 200, j)
        self.assertEqual(self.names(j)[0], "send_packet", j)
        for h in j["items"]:
            self.assertGreaterEqual(h["score"], 0.1)
        eid = j["items"][0]["id"]
        st, j = self.call("POST", "/api/v1/similar", {"entity_id": eid, "threshold": -1})
        self.assertEqual(st, 200, j)
        self.assertNotIn(eid, [h["id"] for h in j["items"]])
        self.assertTrue(j["items"])
        best = j["items"][0]["score"]
        st, j = self.call("POST", "/api/v1/similar", {"entity_id": eid,
                                                       "threshold": min(1.0, best + 1e-6)})
        self.assertEqual(st, 200, j)
        self.assertEqual(j["items"], [])
        for body in ({}, {"code": ""}, {"code": "x", "entity_id": eid}, {"entity_id": "7"},
                     {"code": "x", "threshold": 2}, {"code": "x", "limit": 0},
                     {"code": "x", "language": "cobol"}):
            st, j = self.call("POST", "/api/v1/similar", body)
            self.assertError(st, j, 400, "CG011")
        st, j = self.call("POST", "/api/v1/similar", raw="{not json")
        self.assertError(st, j, 400, "CG011")
        st, j = self.call("POST", "/api/v1/similar", {"entity_id": 987654321})
        self.assertError(st, j, 404, "CG012")

    def test_health_capabilities(self):
        st, j = self.call("GET", "/api/v1/health")
        self.assertIn(st, (200, 503))
        caps = j["capabilities"]["search"]
        self.assertEqual(set(caps["modes"]), {"hybrid", "lexical", "semantic", "symbol"})
        for m in caps["modes"].values():
            self.assertIsInstance(m["available"], bool)
            self.assertTrue(m["reason"])
        self.assertTrue(caps["modes"]["lexical"]["available"])
        self.assertTrue(caps["embedder"]["model"].startswith("builtin-hash-v1"))
        self.assertEqual(caps["embedder"]["dimension"], 768)

    def test_cli_matches_endpoint(self):
        # The CLI opens the store itself, so it needs a stopped server: index a copy.
        tmp = tempfile.mkdtemp(prefix="cg-search-cli-")
        try:
            db = os.path.join(tmp, "db", "rocks.db")
            sets = ["--set", "database.path=" + db, "--set", "parsing.allowed_roots=" + self.root]
            rc, out, err = run_cli(["index", self.repo, "--project", "demo"] + sets)
            self.assertEqual(rc, 0, err)
            rc, out, err = run_cli(["search", "send packet over socket", "--json",
                                    "--limit", "3"] + sets)
            self.assertEqual(rc, 0, err)
            lines = [json.loads(l) for l in out.splitlines() if l.strip()]
            self.assertEqual(lines[0]["name"], "send_packet")
            self.assertTrue(lines[-1]["summary"])
            rc, out, err = run_cli(["search"] + sets)
            self.assertEqual(rc, 64)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class SearchReindexTest(unittest.TestCase):
    """Edits, deletions and project deletion reach search (own server: it mutates)."""

    def test_reindex_and_delete(self):
        root = tempfile.mkdtemp(prefix="cg-search-re-")
        repo = os.path.join(root, "r")
        write_repo(repo, {"a.py": "def alpha_walrus():\n    return 'tusk ivory'\n",
                          "b.py": "def beta_narwhal():\n    return 'horn spiral'\n"})
        server = Server({"parsing": {"allowed_roots": [root]}})
        try:
            SearchTest.server = server
            st, j = SearchTest.call("POST", "/api/v1/projects", {"path": repo, "name": "r"})
            self.assertEqual(st, 202, j)
            pid = j["id"]
            SearchTest.wait_job(j["job_id"])

            def names(q):
                st, j = SearchTest.call("GET", "/api/v1/search?mode=lexical&q=" + q)
                self.assertEqual(st, 200, j)
                return [h["name"] for h in j["items"]]

            self.assertEqual(names("ivory"), ["alpha_walrus"])
            self.assertEqual(names("spiral"), ["beta_narwhal"])
            write_repo(repo, {"a.py": "def alpha_walrus():\n    return 'blubber'\n"})
            os.remove(os.path.join(repo, "b.py"))
            st, j = SearchTest.call("POST", "/api/v1/projects/%d/reindex" % pid)
            self.assertEqual(st, 202, j)
            SearchTest.wait_job(j["job_id"])
            self.assertEqual(names("ivory"), [])
            self.assertEqual(names("blubber"), ["alpha_walrus"])
            self.assertEqual(names("spiral"), [])
            self.assertEqual(names("narwhal"), [])
            st, j = SearchTest.call("DELETE", "/api/v1/projects/%d" % pid)
            self.assertIn(st, (200, 202, 204), j)
            deadline = time.monotonic() + JOB_TIMEOUT_S
            while names("blubber") and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertEqual(names("blubber"), [])
            # the deleted project's postings and term bags left the store with it
            server.stop(remove=False)
            rc, out, err = run_cli(["verify", "--json", "-c", server.config_path])
            self.assertEqual(rc, 0, out + err)
            keys = json.loads(out)["keys"]
            self.assertEqual((keys["lex_postings"], keys["lex_docs"]), (0, 0), keys)
        finally:
            server.stop()
            SearchTest.server = None
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
