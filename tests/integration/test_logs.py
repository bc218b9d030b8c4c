"""test_logs.py — the server's structured logs.

Proves: with logging.format = "json" every stdout line is a JSON object carrying
timestamp (RFC 3339 UTC), level, target and message; with development.log_requests =
true each request — routed, 404, and rejected before routing — is logged with
request_id (the one sent back in X-Request-Id), method, path (never the query), a
numeric status and a numeric response_time_ms; and a secret sent in an Authorization
or API-key header or in the query never appears in stdout, stderr or /metrics.
"""

import json
import unittest

from harness import Server

SECRET = "s3cr3t-key"
LEVELS = {"trace", "debug", "info", "warn", "error"}


class Logs(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = Server({"development": {"log_requests": True},
                          "logging": {"format": "json", "level": "info"}})
        srv = cls.srv
        with srv.conn() as c:
            c.request("GET", "/health", headers={"X-Request-Id": "logtest1"})
            c.request("GET", "/nope?token=%s" % SECRET, headers={"X-Request-Id": "logtest2"})
            c.request("GET", "/health", headers=[("Authorization", "Bearer " + SECRET),
                                                 ("X-Request-Id", "logtest3")])
            c.request("GET", "/nope", headers=[("Authorization", "Bearer " + SECRET),
                                               ("X-Api-Key", SECRET)])
            cls.metrics = c.request("GET", "/metrics").body.decode()
        with srv.conn() as c:   # rejected before routing, secret in the head
            c.send(b"GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                   SECRET.encode() + b"\r\nBad Header: 1\r\n\r\n")
            cls.bad = c.read_response()
        srv.wait_log(lambda e: e.get("request_id") == cls.bad.header("x-request-id"))
        cls.rc = srv.stop(remove=False)
        cls.stdout = srv.stdout()
        cls.stderr = srv.stderr()
        srv.cleanup()

    def events(self):
        return [json.loads(ln) for ln in self.stdout.splitlines() if ln.strip()]

    def test_every_line_is_json(self):
        lines = [ln for ln in self.stdout.splitlines() if ln.strip()]
        self.assertGreater(len(lines), 5)
        for ln in lines:
            try:
                e = json.loads(ln)
            except ValueError:
                self.fail("not JSON: %r" % ln)
            self.assertIsInstance(e, dict)
            self.assertRegex(e.get("timestamp", ""),
                             r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", e)
            self.assertIn(e.get("level"), LEVELS, e)
            self.assertIsInstance(e.get("target"), str)
            self.assertTrue(e["target"])
            self.assertIsInstance(e.get("message"), str)
            self.assertTrue(e["message"])

    def request_event(self, rid):
        ev = [e for e in self.events() if e.get("request_id") == rid]
        self.assertEqual(len(ev), 1, "request %s logged %d times" % (rid, len(ev)))
        return ev[0]

    def test_request_fields(self):
        e = self.request_event("logtest1")
        self.assertEqual(e["method"], "GET")
        self.assertEqual(e["path"], "/health")
        self.assertEqual(e["status"], 200)
        self.assertIsInstance(e["response_time_ms"], (int, float))
        self.assertGreaterEqual(e["response_time_ms"], 0)
        self.assertLess(e["response_time_ms"], 10000)

    def test_404_logged_without_query(self):
        e = self.request_event("logtest2")
        self.assertEqual((e["status"], e["path"]), (404, "/nope"))

    def test_rejected_request_logged(self):
        self.assertEqual(self.bad.status, 400)
        e = self.request_event(self.bad.header("x-request-id"))
        self.assertEqual(e["status"], 400)

    def test_secret_never_logged(self):
        self.request_event("logtest3")    # the request with the header was logged...
        self.assertNotIn(SECRET, self.stdout)   # ...without the secret
        self.assertNotIn(SECRET, self.stderr)
        self.assertNotIn(SECRET, self.metrics)

    def test_clean_exit(self):
        self.assertEqual(self.rc, 0, self.stderr)
        self.assertTrue(any(e.get("message") == "stopped" for e in self.events()))


class PrettyLogs(unittest.TestCase):

    def test_pretty_format_is_not_json(self):
        """format = "pretty" really switches the writer (and still shows the port)."""
        srv = Server({"logging": {"format": "pretty"}})
        try:
            self.assertEqual(srv.get("/health").status, 200)
            line = next(ln for ln in srv.stdout().splitlines() if "listening" in ln)
            self.assertFalse(line.lstrip().startswith("{"), line)
            self.assertRegex(line, r"port=%d\b" % srv.port)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
