"""test_http_basic.py — the basic HTTP surface of the real server.

Proves: /health, /ready and /api/v1/health answer with the documented JSON; HEAD sends
the headers (Content-Length included) and no body; an unknown route is 404 with the
error JSON and a matching X-Request-Id; a wrong method is 405 with Allow; OPTIONS is 204
with Allow; one socket serves many requests (keep-alive); "Connection: close" and
HTTP/1.0 without keep-alive close after the answer; and curl, a real client, gets 200
and reuses its connection.
"""

import json
import re
import subprocess
import unittest

from harness import ServerTest, build_request


class HttpBasic(ServerTest):

    def test_health(self):
        r = self.server.get("/health")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("content-type"), "application/json")
        self.assertRegex(r.header("x-request-id") or "", r"^[0-9a-f]{16}$")
        j = r.json()
        self.assertEqual(j["status"], "healthy")
        self.assertIsInstance(j["version"], str)
        self.assertRegex(j["version"], r"^\d+\.\d+\.\d+")
        self.assertRegex(j["uptime"], r"^\d+(s|m\d+s|h\d+m)$")
        self.assertIsInstance(j["features"], list)
        self.assertTrue(all(isinstance(f, str) and f for f in j["features"]), j)
        # the defaults: metrics, search, the vector index and MCP on; no keys configured
        self.assertEqual(j["features"], ["http", "metrics", "graph", "search", "vector", "mcp"])

    def test_ready(self):
        r = self.server.get("/ready")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json().get("status"), "ready")

    def test_health_detail_components(self):
        r = self.server.get("/api/v1/health")
        self.assertIn(r.status, (200, 503), r)
        j = r.json()
        comps = j["components"]
        for name in ("database", "file_system", "memory", "indexing", "vector_search"):
            self.assertIn(name, comps, j)
            self.assertIsInstance(comps[name]["status"], str)
            self.assertIn(comps[name]["status"],
                          ("healthy", "degraded", "unhealthy", "unavailable"), comps[name])
        # A fresh store in a writable temp dir is healthy.
        self.assertEqual(comps["database"]["status"], "healthy", comps["database"])
        self.assertEqual(r.status, 200 if j["status"] != "unhealthy" else 503)

    def test_head_has_headers_and_no_body(self):
        with self.conn() as c:
            g = c.request("GET", "/ready")
            h = c.request("HEAD", "/ready")
            self.assertEqual(h.status, 200, h)
            self.assertEqual(h.header("content-length"), str(len(g.body)), h)
            self.assertEqual(h.header("content-type"), "application/json")
            # If HEAD had sent a body, these bytes would precede the next status line.
            r = c.request("GET", "/health")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(c.buf, b"")

    def test_404_error_shape(self):
        with self.conn() as c:
            r = c.request("GET", "/no/such/route?x=1")
            self.assertEqual(r.status, 404, r)
            self.assertErrorBody(r, "CG012")
            self.assertRegex(r.header("x-request-id"), r"^[0-9a-f]{16}$")
            # A 404 does not end the connection.
            self.assertEqual(c.request("GET", "/health").status, 200)

    def test_client_request_id_echoed(self):
        r = self.server.get("/nope", headers={"X-Request-Id": "abc_DEF-123"})
        self.assertEqual(r.header("x-request-id"), "abc_DEF-123")
        self.assertEqual(r.json()["error"]["request_id"], "abc_DEF-123")
        # Not [A-Za-z0-9_-]: the server makes its own id instead of echoing it.
        r = self.server.get("/nope", headers={"X-Request-Id": "bad id;<x>"})
        self.assertRegex(r.header("x-request-id"), r"^[0-9a-f]{16}$")

    def test_405_with_allow(self):
        with self.conn() as c:
            r = c.request("POST", "/health", body=b"{}")
            self.assertEqual(r.status, 405, r)
            self.assertErrorBody(r, "CG013")
            allow = [m.strip() for m in (r.header("allow") or "").split(",")]
            self.assertIn("GET", allow, r)
            self.assertIn("HEAD", allow, r)
            self.assertNotIn("POST", allow, r)
            self.assertEqual(c.request("GET", "/health").status, 200)

    def test_options_204_allow(self):
        with self.conn() as c:
            r = c.request("OPTIONS", "/metrics")
            self.assertEqual(r.status, 204, r)
            self.assertIsNone(r.header("content-length"), "204 must not carry Content-Length")
            allow = [m.strip() for m in (r.header("allow") or "").split(",")]
            self.assertEqual(sorted(allow), ["GET", "HEAD"], r)
            self.assertEqual(c.request("GET", "/health").status, 200)

    def test_keep_alive_reuse(self):
        with self.conn() as c:
            port = c.sock.getsockname()[1]
            for i in range(30):
                path = ("/health", "/ready", "/nope", "/api/v1/health")[i % 4]
                r = c.request("GET", path)
                self.assertEqual(r.status, {"/nope": 404}.get(path, 200), r)
                self.assertNotEqual((r.header("connection") or "").lower(), "close", r)
            self.assertEqual(c.sock.getsockname()[1], port)
            self.assertFalse(c.is_closed(0.2))

    def test_connection_close_honoured(self):
        with self.conn() as c:
            r = c.request("GET", "/health", headers={"Connection": "close"})
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.header("connection") or "").lower(), "close", r)
            self.assertClosed(c)

    def test_http10_default_close(self):
        with self.conn() as c:
            c.send(build_request("GET", "/health", version="HTTP/1.0"))
            r = c.read_response()
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.header("connection") or "").lower(), "close", r)
            self.assertClosed(c)

    def test_http10_keep_alive(self):
        with self.conn() as c:
            for _ in range(3):
                c.send(build_request("GET", "/health", [("Connection", "keep-alive")],
                                     version="HTTP/1.0"))
                r = c.read_response()
                self.assertEqual(r.status, 200, r)
            self.assertFalse(c.is_closed(0.2))

    def test_curl(self):
        p = subprocess.run(["curl", "-sS", "--max-time", "5", "-w", "\n%{http_code}",
                            self.server.url("/health")], capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        body, code = p.stdout.decode().rsplit("\n", 1)
        self.assertEqual(code, "200")
        self.assertEqual(json.loads(body)["status"], "healthy")

    def test_curl_reuses_connection(self):
        url = self.server.url("/health")
        p = subprocess.run(["curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-o",
                            "/dev/null", "-w", "%{http_code} %{num_connects}\n", url, url],
                           capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.decode().split("\n")[:2], ["200 1", "200 0"])


if __name__ == "__main__":
    unittest.main()
