"""test_http_pipelining.py — HTTP/1.1 pipelining against the real server.

Proves: 50 pipelined requests of mixed kinds (GET, HEAD, 404, POST with a
Content-Length or chunked body to a 405 route — bodies are consumed before routing)
are answered completely and strictly in order, whether they arrive in one write, in
random splits (seeded) or one byte at a time; each response carries the client's
X-Request-Id, so the order is checked request by request.
"""

import random
import unittest

from harness import ServerTest, build_request, chunked


def mixed_requests(n, rng):
    """[(bytes, expected_status, request_id, is_head)] of n mixed requests."""
    out = []
    for i in range(n):
        rid = "req%03d" % i
        h = [("X-Request-Id", rid)]
        kind = i % 6
        if kind == 0:
            out.append((build_request("GET", "/health", h), 200, rid, False))
        elif kind == 1:
            out.append((build_request("HEAD", "/health", h), 200, rid, True))
        elif kind == 2:
            out.append((build_request("GET", "/missing/%d" % i, h), 404, rid, False))
        elif kind == 3:
            body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
            out.append((build_request("POST", "/health", h, body), 405, rid, False))
        elif kind == 4:
            body = bytes(rng.randrange(256) for _ in range(rng.randint(1, 500)))
            enc = chunked(body, rng, max_chunk=64, ext=True)
            req = build_request("POST", "/ready", h + [("Transfer-Encoding", "chunked")]) + enc
            out.append((req, 405, rid, False))
        else:
            out.append((build_request("GET", "/ready?x=%d" % i, h), 200, rid, False))
    return out


class Pipelining(ServerTest):

    def check_all(self, c, reqs):
        for _, status, rid, is_head in reqs:
            r = c.read_response(head_only=is_head)
            self.assertEqual(r.header("x-request-id"), rid, r)
            self.assertEqual(r.status, status, r)
            if is_head:
                self.assertGreater(int(r.header("content-length")), 0)
        # Nothing more than the answers, and the connection is still usable.
        self.assertEqual(c.buf, b"")
        self.assertEqual(c.request("GET", "/health").status, 200)

    def test_one_write(self):
        reqs = mixed_requests(50, random.Random(1))
        with self.conn() as c:
            c.send(b"".join(r[0] for r in reqs))
            self.check_all(c, reqs)

    def test_random_splits(self):
        for seed in (11, 12, 13):
            rng = random.Random(seed)
            reqs = mixed_requests(50, rng)
            with self.conn() as c:
                c.send_split(b"".join(r[0] for r in reqs), rng, max_piece=700, sleep_s=0.001)
                self.check_all(c, reqs)

    def test_byte_at_a_time(self):
        rng = random.Random(5)
        reqs = mixed_requests(6, rng)[:5]   # GET, HEAD, 404, POST CL, POST chunked
        with self.conn() as c:
            data = b"".join(r[0] for r in reqs)
            self.assertEqual(c.send_bytewise(data, sleep_s=0.0005, stop_on_reply=False),
                             len(data))
            self.check_all(c, reqs)

    def test_close_in_pipeline_stops_there(self):
        """Requests after one with "Connection: close" are not answered."""
        with self.conn() as c:
            c.send(build_request("GET", "/health", [("X-Request-Id", "first")]) +
                   build_request("GET", "/ready", [("X-Request-Id", "closer"),
                                                   ("Connection", "close")]) +
                   build_request("GET", "/health", [("X-Request-Id", "ignored")]))
            self.assertEqual(c.read_response().header("x-request-id"), "first")
            r = c.read_response()
            self.assertEqual(r.header("x-request-id"), "closer")
            self.assertEqual((r.header("connection") or "").lower(), "close")
            self.assertClosed(c)


if __name__ == "__main__":
    unittest.main()
