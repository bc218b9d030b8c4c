"""test_mcp_http.py — the Streamable HTTP transport of POST /mcp, byte by byte.

Proves:
  * Origin/Host matrix (DNS rebinding): no Origin, loopback origins (http/https, localhost,
    127.0.0.1, [::1], any port) and an origin listed in [server] cors_origins pass; any other
    present Origin ("null", look-alikes, "*" configured) → 403 with a JSON-RPC error and the
    request is NOT dispatched (an index_repository sent with it creates no project); a Host
    that is not a loopback name → 403 while the server listens on 127.0.0.1;
  * MCP-Protocol-Version: the three supported versions pass, others → 400; initialize echoes
    a supported protocolVersion and answers the latest for an unknown one;
  * notifications and client responses → 202 without a body; GET and DELETE → 405 with
    Allow: POST; batches → 400 -32600; bad JSON → 400 -32700; a wrong envelope → 400 -32600;
    unknown method → 200 -32601 with the id echoed (string ids too); params not an object →
    -32602;
  * Accept: JSON by default, a single SSE "message" event when only text/event-stream is
    accepted, 406 when neither; Content-Type other than JSON → 415;
  * [mcp] max_request_size → 413; rate_limit → 429 with Retry-After after the allowance;
    request_timeout: a tool that runs past it stops and answers an isError result naming
    request_timeout; in maintenance mode index_repository is refused (no project is created)
    while the read-only tools answer; enabled = false → 404; enable_tools = false → tools/*
    -32601 and no tools capability.
"""

import json
import os
import unittest

from harness import Server
from test_mcp import write_repo
from test_mcp_clients import index_sample

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}}
PING = {"jsonrpc": "2.0", "id": 2, "method": "ping"}


def post(server, body, headers=None, path="/mcp"):
    h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    for k, v in (headers or {}).items():
        if v is None:
            h.pop(k, None)
        else:
            h[k] = v
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    with server.conn(timeout=10) as c:
        return c.request("POST", path, h, data)


class TestMcpHttp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server({"mcp": {"rate_limit": 0},
                             "server": {"cors_origins": ["https://app.example.com", "*"]}})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def rpc_error(self, r, code):
        self.assertEqual(r.header("content-type"), "application/json", r)
        e = r.json()["error"]
        self.assertEqual(e["code"], code, r)
        return r.json()

    def test_origin_matrix(self):
        port = self.server.port
        for origin in (None, "http://localhost:%d" % port, "http://127.0.0.1", "https://[::1]:9",
                       "http://LOCALHOST:3000", "https://app.example.com"):
            r = post(self.server, PING, {"Origin": origin})
            self.assertEqual(r.status, 200, (origin, r))
            self.assertEqual(r.json()["result"], {})
        for origin in ("http://evil.example", "null", "http://localhost.evil.example",
                       "http://127.0.0.1.evil.example", "https://app.example.com.evil",
                       "http://localhost:80x", "file://", "*"):
            r = post(self.server, PING, {"Origin": origin})
            self.assertEqual(r.status, 403, (origin, r))
            self.assertIsNone(self.rpc_error(r, -32600)["id"])

    def test_forbidden_origin_is_not_dispatched(self):
        call = {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "index_repository",
                           "arguments": {"path": self.server.tmp, "name": "sneaky"}}}
        r = post(self.server, call, {"Origin": "http://evil.example"})
        self.assertEqual(r.status, 403)
        names = [p["name"] for p in self.server.get("/api/v1/projects").json()["projects"]]
        self.assertNotIn("sneaky", names)

    def test_host_matrix(self):
        for host in ("localhost", "localhost:%d" % self.server.port, "127.0.0.1:1", "[::1]:80"):
            r = post(self.server, PING, {"Host": host})
            self.assertEqual(r.status, 200, (host, r))
        for host in ("evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "[::2]",
                     "localhost:x"):
            r = post(self.server, PING, {"Host": host})
            self.assertEqual(r.status, 403, (host, r))

    def test_protocol_version_header(self):
        for v in ("2025-11-25", "2025-06-18", "2025-03-26"):
            self.assertEqual(post(self.server, PING, {"MCP-Protocol-Version": v}).status, 200)
        for v in ("2024-11-05", "2025-11-26", "latest", ""):
            r = post(self.server, PING, {"MCP-Protocol-Version": v})
            self.assertEqual(r.status, 400, (v, r))
            self.rpc_error(r, -32600)

    def test_initialize_negotiation(self):
        for asked, got in (("2025-11-25", "2025-11-25"), ("2025-06-18", "2025-06-18"),
                           ("2025-03-26", "2025-03-26"), ("1999-01-01", "2025-11-25")):
            body = json.loads(json.dumps(INIT))
            body["params"]["protocolVersion"] = asked
            res = post(self.server, body).json()["result"]
            self.assertEqual(res["protocolVersion"], got)
            self.assertEqual(res["serverInfo"]["name"], "codegraph")
            self.assertIn("tools", res["capabilities"])
            self.assertIn("data", res["instructions"])
        bad = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        self.rpc_error(post(self.server, bad), -32602)

    def test_accepted_messages(self):
        for msg in ({"jsonrpc": "2.0", "method": "notifications/initialized"},
                    {"jsonrpc": "2.0", "method": "notifications/cancelled",
                     "params": {"requestId": 1}},
                    {"jsonrpc": "2.0", "id": 5, "result": {}},
                    {"jsonrpc": "2.0", "id": 6, "error": {"code": 1, "message": "x"}}):
            r = post(self.server, msg)
            self.assertEqual(r.status, 202, (msg, r))
            self.assertEqual(r.body, b"")

    def test_get_delete_405(self):
        for m in ("GET", "DELETE"):
            with self.server.conn() as c:
                r = c.request(m, "/mcp", {"Accept": "text/event-stream"})
            self.assertEqual(r.status, 405, r)
            self.assertIn("POST", r.header("allow"))

    def test_envelope_errors(self):
        r = post(self.server, [PING, PING])
        self.assertEqual(r.status, 400)
        self.rpc_error(r, -32600)
        for raw in ('{"jsonrpc":"2.0",', "not json", "", '{"a":1}{"b":2}'):
            r = post(self.server, raw)
            self.assertEqual(r.status, 400, (raw, r))
            self.rpc_error(r, -32700)
        for msg in ({"jsonrpc": "1.0", "id": 1, "method": "ping"}, {"id": 1, "method": "ping"},
                    {"jsonrpc": "2.0", "id": None, "method": "ping"},
                    {"jsonrpc": "2.0", "id": 1.5, "method": "ping"},
                    {"jsonrpc": "2.0", "id": 1, "method": 7}, "[]", "3",
                    {"jsonrpc": "2.0", "id": {"a": 1}, "method": "ping"}):
            r = post(self.server, msg)
            self.assertEqual(r.status, 400, (msg, r))
            self.rpc_error(r, -32600)
        r = post(self.server, {"jsonrpc": "2.0", "id": "abc", "method": "nope/nope"})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.rpc_error(r, -32601)["id"], "abc")
        r = post(self.server, {"jsonrpc": "2.0", "id": 9, "method": "ping", "params": [1]})
        self.assertEqual(self.rpc_error(r, -32602)["id"], 9)
        r = post(self.server, {"jsonrpc": "2.0", "id": 10, "method": "tools/call",
                               "params": {"name": "list_projects", "arguments": [1]}})
        self.rpc_error(r, -32602)

    def test_accept_and_content_type(self):
        r = post(self.server, PING, {"Accept": None})
        self.assertEqual((r.status, r.header("content-type")), (200, "application/json"))
        r = post(self.server, PING, {"Accept": "application/json"})
        self.assertEqual((r.status, r.header("content-type")), (200, "application/json"))
        r = post(self.server, PING, {"Accept": "text/event-stream"})
        self.assertEqual((r.status, r.header("content-type")), (200, "text/event-stream"))
        text = r.body.decode()
        self.assertTrue(text.startswith("event: message\ndata: "), text)
        self.assertTrue(text.endswith("\n\n"))
        self.assertEqual(json.loads(text.split("data: ", 1)[1])["id"], 2)
        r = post(self.server, PING, {"Accept": "text/html"})
        self.assertEqual(r.status, 406)
        r = post(self.server, PING, {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 415)
        r = post(self.server, PING, {"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(r.status, 200)


class TestMcpHttpLimits(unittest.TestCase):
    def test_request_size(self):
        s = Server({"mcp": {"max_request_size": "1KB", "rate_limit": 0}})
        try:
            self.assertEqual(post(s, PING).status, 200)
            big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping",
                              "params": {"pad": "x" * 2000}})
            self.assertEqual(post(s, big).status, 413)
        finally:
            s.stop()

    def test_response_size_configured(self):
        """[mcp] max_response_size bounds every answer: a 400-function outline asked for in
        pages of 200 comes back in pages that fit 8 KB, each saying it was cut short."""
        s = Server({"mcp": {"rate_limit": 0, "max_response_size": "8KB"}})
        try:
            repo = os.path.join(s.tmp, "repo")
            write_repo(repo)
            index_sample(s, repo)
            args = {"path": "app/big.py", "limit": 200}
            seen, pages = 0, 0
            while pages < 200:
                r = post(s, {"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                             "params": {"name": "get_file_outline", "arguments": args}})
                self.assertEqual(r.status, 200, r)
                self.assertLessEqual(len(r.body), 8 * 1024)
                out = r.json()["result"]["structuredContent"]
                self.assertGreater(len(out["items"]), 0, out)
                seen += len(out["items"])
                pages += 1
                if not out.get("cursor"):
                    break
                self.assertTrue(out["truncated"], out)
                args = {"path": "app/big.py", "limit": 200, "cursor": out["cursor"]}
            self.assertGreater(pages, 2)           # 8 KB could not hold 200 items
            self.assertGreaterEqual(seen, 400)     # and nothing was lost on the way
        finally:
            s.stop()

    def test_rate_limit(self):
        s = Server({"mcp": {"rate_limit": 3}})
        try:
            statuses = [post(s, PING).status for _ in range(3)]
            self.assertEqual(statuses, [200, 200, 200])
            r = post(s, PING)
            self.assertEqual(r.status, 429)
            self.assertGreaterEqual(int(r.header("retry-after")), 1)
            self.assertEqual(r.json()["error"]["code"], -32000)
            # other routes are not counted against [mcp] rate_limit
            self.assertEqual(s.get("/health").status, 200)
        finally:
            s.stop()

    def test_request_timeout(self):
        # 1 ms for an impact analysis from 400 definitions (400 graph walks, each reading
        # the store): the walk stops at the deadline and says so instead of answering late.
        s = Server({"mcp": {"request_timeout": "1ms", "rate_limit": 0}})
        try:
            repo = os.path.join(s.tmp, "repo")
            write_repo(repo)
            index_sample(s, repo)
            r = post(s, {"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                         "params": {"name": "impact_analysis",
                                    "arguments": {"paths": ["app/big.py"], "depth": 10}}})
            res = r.json()["result"]
            self.assertTrue(res["isError"], res)
            self.assertIn("request_timeout", res["content"][0]["text"])
            self.assertNotIn("structuredContent", res)
        finally:
            s.stop()

    def test_maintenance_mode(self):
        s = Server({"mcp": {"rate_limit": 0}})
        try:
            with s.conn() as c:
                r = c.request("POST", "/api/v1/admin/maintenance",
                              {"Content-Type": "application/json"}, '{"enabled":true}')
            self.assertEqual(r.status, 200, r)
            call = {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                    "params": {"name": "index_repository", "arguments": {"path": s.tmp}}}
            res = post(s, call).json()["result"]
            self.assertTrue(res["isError"])
            self.assertIn("maintenance", res["content"][0]["text"])
            names = [p["name"] for p in s.get("/api/v1/projects").json()["projects"]]
            self.assertEqual(names, [])
            r = post(s, {"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                         "params": {"name": "list_projects", "arguments": {}}})
            self.assertFalse(r.json()["result"]["isError"])   # reads still work
        finally:
            s.stop()

    def test_disabled(self):
        s = Server({"mcp": {"enabled": False}})
        try:
            self.assertEqual(post(s, PING).status, 404)
        finally:
            s.stop()

    def test_tools_disabled(self):
        s = Server({"mcp": {"enable_tools": False, "rate_limit": 0}})
        try:
            res = post(s, INIT).json()["result"]
            self.assertNotIn("tools", res["capabilities"])
            self.assertIn("resources", res["capabilities"])
            r = post(s, {"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
            self.assertEqual(r.json()["error"]["code"], -32601)
        finally:
            s.stop()


if __name__ == "__main__":
    unittest.main()
