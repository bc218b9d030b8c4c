"""test_search_provider.py — search with an HTTP embedding provider instead of the built-in
embedder, against the real binary and the local fake provider (fake_embed_server.py).

Proves:
  * with [vector] embedding_provider = "ollama" the server embeds every indexed entity
    through the provider (the fake's log holds one input per entity, with the entity's name in
    its text), /api/v1/health capabilities name the provider's model, say remote and healthy;
    semantic search and /similar (by code: an HTTP call on the pool; by entity: the stored
    vector) answer 200 with cosine scores in [-1, 1], and by-entity excludes the entity;
  * when the provider fails (HTTP 500 every time), indexing still completes and lexical search
    works, the capabilities and /api/v1/health say "degraded" with the reason, mode=semantic
    answers 503 CG005 (never other vectors), and hybrid answers 200 from the other sources
    with a note saying semantic results are missing.
"""

import json
import os
import shutil
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

import fake_embed_server as fake
from harness import Server

DIM = 16
JOB_TIMEOUT_S = 60.0
FILES = {
    "pkg/net.py": "def send_packet(sock, payload):\n    sock.sendall(payload)\n\n\n"
                  "def receive_packet(sock):\n    return sock.recv(4096)\n",
    "pkg/conf.py": "def load_settings(path):\n    return open(path).read()\n",
}


class ProviderBase(unittest.TestCase):
    mode = "ok"

    @classmethod
    def setUpClass(cls):
        cls.fake, cls.fport = fake.start()
        cls.root = tempfile.mkdtemp(prefix="cg-search-prov-")
        repo = os.path.join(cls.root, "repo")
        for rel, text in FILES.items():
            p = os.path.join(repo, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)
        url = "http://127.0.0.1:%d/m/%s/d/%d" % (cls.fport, cls.mode, DIM)
        cls.server = Server({"parsing": {"allowed_roots": [cls.root]},
                             "vector": {"embedding_provider": "ollama",
                                        "embedding_model": "test-model", "dimension": DIM,
                                        "embedding_url": url, "embedding_retries": 0,
                                        "embedding_timeout": "5s"}})
        st, j = cls.call("POST", "/api/v1/projects", {"path": repo, "name": "prov"})
        assert st == 202, (st, j)
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while True:
            st, job = cls.call("GET", "/api/v1/jobs/%d" % j["job_id"])
            if job["state"] not in ("queued", "running"):
                assert job["state"] == "done", job
                break
            assert time.monotonic() < deadline, job
            time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.fake.shutdown()
        cls.fake.server_close()
        shutil.rmtree(cls.root, ignore_errors=True)

    @classmethod
    def call(cls, method, path, body=None):
        data = json.dumps(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else None
        with cls.server.conn(timeout=20) as c:
            r = c.request(method, path, headers=headers, body=data)
        return r.status, r.json()

    def search(self, q, mode):
        return self.call("GET", "/api/v1/search?" + urllib.parse.urlencode(
            {"q": q, "mode": mode, "project": "prov"}))

    def fake_log(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/_log" % self.fport, timeout=5) as r:
            return json.loads(r.read())

    def caps(self):
        st, j = self.call("GET", "/api/v1/health")
        return j, j["capabilities"]["search"]


class ProviderOkTest(ProviderBase):
    mode = "ok"

    def test_entities_embedded_by_provider(self):
        texts = []
        for e in self.fake_log():
            texts += (e.get("body") or {}).get("input", [])
        for name in ("send_packet", "receive_packet", "load_settings"):
            self.assertTrue(any(name in t for t in texts), (name, texts))
        j, caps = self.caps()
        self.assertEqual(caps["status"], "healthy", caps)
        self.assertTrue(caps["embedder"]["remote"])
        self.assertEqual(caps["embedder"]["model"], "ollama:test-model")
        self.assertEqual(caps["embedder"]["dimension"], DIM)

    def test_semantic_and_similar(self):
        st, j = self.search("send a packet", "semantic")
        self.assertEqual(st, 200, j)
        self.assertTrue(j["items"], j)
        for h in j["items"]:
            self.assertGreaterEqual(h["score"], -1.0001)
            self.assertLessEqual(h["score"], 1.0001)
        st, j = self.call("POST", "/api/v1/similar", {"code": "sock.sendall(payload)",
                                                       "threshold": -1})
        self.assertEqual(st, 200, j)
        self.assertEqual(len(j["items"]), 3, j)
        self.assertEqual(j["model"], "ollama:test-model")
        eid = j["items"][0]["id"]
        st, j = self.call("POST", "/api/v1/similar", {"entity_id": eid, "threshold": -1})
        self.assertEqual(st, 200, j)
        self.assertEqual(len(j["items"]), 2, j)
        self.assertNotIn(eid, [h["id"] for h in j["items"]])
        st, j = self.search("send a packet", "hybrid")
        self.assertEqual(st, 200, j)
        self.assertIn("semantic", j["sources"])


class ProviderFailingTest(ProviderBase):
    mode = "fail500"

    def test_degraded_never_substituted(self):
        j, caps = self.caps()
        self.assertEqual(caps["status"], "degraded", caps)
        self.assertIn("provider", caps["modes"]["semantic"]["reason"])
        self.assertEqual(j["status"], "degraded", j)
        st, j = self.search("send_packet", "lexical")
        self.assertEqual(st, 200, j)
        self.assertEqual(j["items"][0]["name"], "send_packet")
        st, j = self.search("send a packet", "semantic")
        self.assertEqual(st, 503, j)
        self.assertEqual(j["error"]["code"], "CG005", j)
        st, j = self.search("send packet", "hybrid")
        self.assertEqual(st, 200, j)
        self.assertEqual(j["items"][0]["name"], "send_packet")
        self.assertNotIn("semantic", j["sources"])
        self.assertIn("semantic", j["note"] or "")


if __name__ == "__main__":
    unittest.main()
