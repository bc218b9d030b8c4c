"""test_http_timeouts.py — connection deadlines of the real server (timeout=1s, keep_alive=1s).

Proves: an idle keep-alive connection — fresh, or after a served request — is closed
quietly (EOF, not a single byte) once keep_alive has passed; a head trickled one byte
every 300 ms (slowloris) gets 408 CG015 and is closed, because the request deadline
runs from the request's first byte and is not extended per byte; a body that stops
part-way gets 408 too; and a healthy client is served while 50 slowloris connections
are open, which then all get their 408. Only generous upper bounds are asserted (plus
one loose lower bound: an idle connection is not dropped long before keep_alive).
"""

import time
import unittest

from harness import Conn, ServerTest, build_request

UPPER_S = 4.0     # 1s deadline + 50 ms timer resolution + a very slow machine


class Timeouts(ServerTest):
    config = {"server": {"timeout": "1s", "keep_alive": "1s", "max_connections": 200}}

    def test_idle_fresh_connection_closed_quietly(self):
        with self.conn() as c:
            t0 = time.monotonic()
            self.assertTrue(c.is_closed(UPPER_S), "idle connection not closed")
            self.assertGreater(time.monotonic() - t0, 0.5)

    def test_idle_after_request_closed_quietly(self):
        with self.conn() as c:
            self.assertEqual(c.request("GET", "/health").status, 200)
            t0 = time.monotonic()
            self.assertTrue(c.is_closed(UPPER_S), "idle keep-alive connection not closed")
            self.assertGreater(time.monotonic() - t0, 0.5)

    def test_slowloris_head_408(self):
        data = build_request("GET", "/health", [("X-Slow", "a" * 40)])
        with self.conn(timeout=UPPER_S + 2) as c:
            t0 = time.monotonic()
            sent = 0
            while sent < len(data) and not c.readable(0.3):
                c.send(data[sent:sent + 1])
                sent += 1
            r = c.read_response(timeout=UPPER_S)
            elapsed = time.monotonic() - t0
            self.assertLess(sent, len(data), "the whole head went through before a 408")
            self.assertEqual(r.status, 408, r)
            self.assertErrorBody(r, "CG015")
            self.assertLess(elapsed, UPPER_S)
            self.assertClosed(c)

    def test_slow_body_408(self):
        with self.conn() as c:
            c.send(build_request("POST", "/health", [("Content-Length", "100")]) + b"x" * 10)
            t0 = time.monotonic()
            r = c.read_response(timeout=UPPER_S)
            self.assertEqual(r.status, 408, r)
            self.assertErrorBody(r, "CG015")
            self.assertLess(time.monotonic() - t0, UPPER_S)
            self.assertClosed(c)

    def test_slow_chunked_body_408(self):
        with self.conn() as c:
            c.send(build_request("POST", "/health", [("Transfer-Encoding", "chunked")]) +
                   b"a\r\n01234")
            r = c.read_response(timeout=UPPER_S)
            self.assertEqual(r.status, 408, r)
            self.assertClosed(c)

    def test_healthy_client_served_during_slowloris(self):
        slow = []
        try:
            for i in range(50):
                s = Conn(self.server.port, timeout=UPPER_S + 2)
                s.send(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow-%d: " % i)
                slow.append(s)
            with self.conn() as c:
                for _ in range(5):
                    self.assertEqual(c.request("GET", "/health", timeout=2).status, 200)
            # Served while the slow ones were still pending (not after their 408s).
            self.assertFalse(any(s.readable(0) for s in slow),
                             "the healthy client was only served once the slow ones expired")
            for s in slow:
                r = s.read_response(timeout=UPPER_S)
                self.assertEqual(r.status, 408, r)
            # And the server still serves afterwards.
            self.assertEqual(self.server.get("/health").status, 200)
        finally:
            for s in slow:
                s.close()


if __name__ == "__main__":
    unittest.main()
