"""test_http_limits.py — every HTTP limit at limit-1, limit and limit+1 on the real server.

Limits (include/codegraph/limits.h, http.h): the request line without its CRLF may be
8192 bytes (8193 → 414, even before the CRLF arrives); one header line without its CRLF
8192 bytes (8193 → 431); the whole head — request line, fields, every CRLF, the final
empty line — 32768 bytes (32769 → 431); 100 header fields (101 → 431); a body above
mcp.max_request_size (1 KiB here) is 413 as soon as the Content-Length or the chunk size
says so, before the body is sent; server.max_connections (5) sheds the 6th connection
with 503 CG016 and closes it, and admits a new one once another has closed.
Also: Expect: 100-continue gets "100 Continue" before the final answer, and chunked
bodies in random splits are framed exactly (the next request on the socket works).
"""

import random
import time
import unittest

from harness import Closed, ServerTest, build_request, chunked

LINE_MAX = 8192
HEADER_LINE_MAX = 8192
TOTAL_MAX = 32768
COUNT_MAX = 100
BODY_MAX = 1024


def request_line_of(n):
    """A GET request line of exactly n bytes (CRLF not counted), then a full head."""
    fixed = len("GET /") + len(" HTTP/1.1")
    line = "GET /" + "a" * (n - fixed) + " HTTP/1.1"
    assert len(line) == n
    return line.encode() + b"\r\nHost: x\r\n\r\n"


def header_line_of(n):
    name = "X-Pad: "
    line = name + "v" * (n - len(name))
    assert len(line) == n
    return b"GET /health HTTP/1.1\r\nHost: x\r\n" + line.encode() + b"\r\n\r\n"


def head_of_total(total, pieces=5):
    """A GET /health head of exactly `total` bytes, final CRLF included."""
    fixed = b"GET /health HTTP/1.1\r\nHost: x\r\n"
    rem = total - len(fixed) - 2
    out = fixed
    for i in range(pieces):
        take = rem // pieces + (rem % pieces if i == pieces - 1 else 0)
        name = "X-Pad-%d: " % i
        line = name + "v" * (take - 2 - len(name))
        assert len(line) <= HEADER_LINE_MAX
        out += line.encode() + b"\r\n"
    out += b"\r\n"
    assert len(out) == total, (len(out), total)
    return out


def head_with_fields(n):
    """GET /health with exactly n header fields (Host included)."""
    lines = ["Host: x"] + ["X-F-%d: %d" % (i, i) for i in range(n - 1)]
    return ("GET /health HTTP/1.1\r\n" + "".join(l + "\r\n" for l in lines) + "\r\n").encode()


class Limits(ServerTest):
    config = {"mcp": {"max_request_size": "1KB"}}

    def expect_ok_then_reuse(self, data, status=200):
        with self.conn() as c:
            c.send(data)
            r = c.read_response()
            self.assertEqual(r.status, status, r)
            self.assertEqual(c.request("GET", "/health").status, 200)

    def expect_reject(self, data, status, code=None, close=True):
        with self.conn() as c:
            c.send(data)
            r = c.read_response()
            self.assertEqual(r.status, status, r)
            e = self.assertErrorBody(r, code)
            self.assertEqual((r.header("connection") or "").lower(), "close", r)
            if close:
                self.assertClosed(c)
            return e

    # ---- request line

    def test_request_line(self):
        self.expect_ok_then_reuse(request_line_of(LINE_MAX - 1), 404)
        self.expect_ok_then_reuse(request_line_of(LINE_MAX), 404)
        self.expect_reject(request_line_of(LINE_MAX + 1), 414, "CG014")

    def test_request_line_414_before_crlf(self):
        line = request_line_of(LINE_MAX + 1).split(b"\r\n")[0]
        with self.conn() as c:
            c.send(line)      # no CRLF: the limit is judged on partial input
            r = c.read_response(timeout=3)
            self.assertEqual(r.status, 414, r)
            self.assertClosed(c)

    def test_request_line_at_limit_partial_waits(self):
        """8192 bytes without CRLF is not an error yet: the server waits for more."""
        line = request_line_of(LINE_MAX).split(b"\r\n")[0]
        with self.conn() as c:
            c.send(line)
            self.assertFalse(c.readable(0.5), "answered a request line within the limit")
            c.send(b"\r\nHost: x\r\n\r\n")
            self.assertEqual(c.read_response().status, 404)

    # ---- one header line

    def test_header_line(self):
        self.expect_ok_then_reuse(header_line_of(HEADER_LINE_MAX - 1))
        self.expect_ok_then_reuse(header_line_of(HEADER_LINE_MAX))
        self.expect_reject(header_line_of(HEADER_LINE_MAX + 1), 431, "CG014")

    def test_header_line_431_before_crlf(self):
        data = header_line_of(HEADER_LINE_MAX + 1)[:-4]   # without the final CRLF CRLF
        with self.conn() as c:
            c.send(data)
            r = c.read_response(timeout=3)
            self.assertEqual(r.status, 431, r)
            self.assertClosed(c)

    # ---- all headers

    def test_headers_total(self):
        self.expect_ok_then_reuse(head_of_total(TOTAL_MAX - 1))
        self.expect_ok_then_reuse(head_of_total(TOTAL_MAX))
        self.expect_reject(head_of_total(TOTAL_MAX + 1), 431, "CG014")

    def test_headers_total_split(self):
        rng = random.Random(3)
        for total, status in ((TOTAL_MAX, 200), (TOTAL_MAX + 1, 431)):
            with self.conn() as c:
                c.send_split(head_of_total(total), rng, max_piece=4000, sleep_s=0.001)
                self.assertEqual(c.read_response().status, status)

    # ---- header count

    def test_header_count(self):
        self.expect_ok_then_reuse(head_with_fields(COUNT_MAX - 1))
        self.expect_ok_then_reuse(head_with_fields(COUNT_MAX))
        self.expect_reject(head_with_fields(COUNT_MAX + 1), 431, "CG014")

    # ---- body size (Content-Length)

    def test_body_content_length(self):
        for n in (BODY_MAX - 1, BODY_MAX):
            self.expect_ok_then_reuse(build_request("POST", "/health", body=b"b" * n), 405)
        # Only the head is sent: the 413 must come without waiting for the body.
        head = build_request("POST", "/health", [("Content-Length", str(BODY_MAX + 1))])
        self.expect_reject(head, 413, "CG014")

    def test_body_huge_content_length(self):
        head = build_request("POST", "/health", [("Content-Length", "999999999999999")])
        t0 = time.monotonic()
        self.expect_reject(head, 413, "CG014")
        self.assertLess(time.monotonic() - t0, 5.0)

    # ---- body size (chunked)

    def chunked_req(self, body, **kw):
        return build_request("POST", "/health", [("Transfer-Encoding", "chunked")]) + \
            chunked(body, **kw)

    def test_body_chunked(self):
        rng = random.Random(9)
        for n in (BODY_MAX - 1, BODY_MAX):
            self.expect_ok_then_reuse(self.chunked_req(b"c" * n, rng=rng, max_chunk=300), 405)
        with self.conn() as c:
            c.send(self.chunked_req(b"c" * (BODY_MAX + 1), rng=rng, max_chunk=300))
            r = c.read_response()
            self.assertEqual(r.status, 413, r)
            self.assertErrorBody(r, "CG014")
            self.assertClosed(c)

    def test_body_chunk_size_line_413_before_data(self):
        """A chunk size line that alone exceeds the limit is 413 before any data."""
        with self.conn() as c:
            c.send(build_request("POST", "/health", [("Transfer-Encoding", "chunked")]) +
                   b"%x\r\n" % (BODY_MAX + 1))
            r = c.read_response(timeout=3)
            self.assertEqual(r.status, 413, r)
            self.assertClosed(c)

    def test_chunked_random_splits(self):
        rng = random.Random(21)
        for _ in range(5):
            body = bytes(rng.randrange(256) for _ in range(rng.randint(1, BODY_MAX)))
            data = self.chunked_req(body, rng=rng, max_chunk=97, ext=True,
                                    trailers=[("X-Trailer", "t"), ("X-Sum", "1")])
            data += build_request("GET", "/health", [("X-Request-Id", "after")])
            with self.conn() as c:
                c.send_split(data, rng, max_piece=40, sleep_s=0.0005)
                self.assertEqual(c.read_response().status, 405)
                r = c.read_response()
                self.assertEqual((r.status, r.header("x-request-id")), (200, "after"))

    # ---- Expect: 100-continue

    def test_expect_100_continue(self):
        with self.conn() as c:
            c.send(build_request("POST", "/health", [("Expect", "100-continue"),
                                                     ("Content-Length", "10")]))
            r = c.read_response(timeout=3)
            self.assertEqual(r.raw, b"HTTP/1.1 100 Continue\r\n\r\n")
            c.send(b"0123456789")
            r = c.read_response()
            self.assertEqual(r.status, 405, r)
            self.assertEqual(c.request("GET", "/health").status, 200)

    def test_expect_100_continue_chunked(self):
        with self.conn() as c:
            c.send(build_request("POST", "/health", [("Expect", "100-continue"),
                                                     ("Transfer-Encoding", "chunked")]))
            self.assertEqual(c.read_response(timeout=3).status, 100)
            c.send(b"5\r\nhello\r\n0\r\n\r\n")
            self.assertEqual(c.read_response().status, 405)

    def test_expect_100_over_limit_is_413(self):
        with self.conn() as c:
            c.send(build_request("POST", "/health", [("Expect", "100-continue"),
                                                     ("Content-Length", str(BODY_MAX + 1))]))
            r = c.read_response(timeout=3)
            self.assertEqual(r.status, 413, r)
            self.assertClosed(c)

    def test_expect_100_no_body_no_interim(self):
        with self.conn() as c:
            r = c.request("GET", "/health", headers={"Expect": "100-continue"})
            self.assertEqual(r.status, 200, r)

    def test_expect_other_417(self):
        self.expect_reject(build_request("POST", "/health", [("Expect", "fancy"),
                                                             ("Content-Length", "1")]),
                           417)


class MaxConnections(ServerTest):
    config = {"server": {"max_connections": 5}}

    def test_sixth_connection_shed(self):
        conns = [self.conn() for _ in range(5)]
        try:
            for c in conns:       # each is accepted and counted
                self.assertEqual(c.request("GET", "/health").status, 200)
            with self.conn() as c6:
                r = c6.read_response(timeout=3)
                self.assertEqual(r.status, 503, r)
                self.assertEqual(r.json()["error"]["code"], "CG016")
                self.assertIsNotNone(r.header("retry-after"))
                self.assertClosed(c6)
            # The five admitted connections still work.
            for c in conns:
                self.assertEqual(c.request("GET", "/ready").status, 200)
            conns.pop().close()
            # Once the server has seen the close, a new connection is admitted.
            deadline = time.monotonic() + 3
            while True:
                c7 = self.conn()
                try:
                    r = c7.request("GET", "/health", timeout=3)
                except Closed:
                    r = None      # shed and reset before the 503 could be read
                if (r and r.status == 200) or time.monotonic() > deadline:
                    break
                c7.close()
                time.sleep(0.05)
            conns.append(c7)
            self.assertIsNotNone(r, "no answer on a new connection after one closed")
            self.assertEqual(r.status, 200, r)
        finally:
            for c in conns:
                c.close()


if __name__ == "__main__":
    unittest.main()
