"""test_backends.py — the same traffic over each reactor backend of the real server.

Proves: with server.io_backend = io_uring, = epoll, and = auto while io_uring setup is
forced to fail (CG_REACTOR_FORCE_URING_FAIL=1), the server answers a request mix —
keep-alive, 20 pipelined requests in random splits, a 256 KiB chunked POST and a 1 MiB
Content-Length POST to a 405 route (bodies read before routing), 404s, 20 parallel
connections — identically; the backend in use is the one asked for, as reported by the
"listening" log line, /api/v1/health and codegraph_build_info{io_backend=...}; auto
falls back to epoll and logs that it did; an explicit io_uring that cannot be set up
does not silently become epoll. io_uring is skipped only when the kernel refuses it
(the reason, from the server's own output, is printed).
"""

import ctypes
import errno
import os
import random
import re
import unittest

from harness import Conn, Server, StartError, build_request, chunked


def kernel_io_uring_error():
    """None when this process may create an io_uring, else the errno name (a direct
    io_uring_setup(2) probe, independent of the server)."""
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)          # struct io_uring_params, zeroed
    fd = libc.syscall(425, 4, params)                   # __NR_io_uring_setup (x86_64)
    if fd >= 0:
        os.close(fd)
        return None
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def build_info_backend(metrics_text):
    m = re.search(r'^codegraph_build_info\{[^}]*io_backend="([^"]*)"[^}]*\} 1(\.0)?$',
                  metrics_text, re.M)
    return m.group(1) if m else None


class Backends(unittest.TestCase):

    def start(self, backend, env=None):
        try:
            return Server({"server": {"io_backend": backend, "workers": 2}}, env=env)
        except StartError as e:
            refused = kernel_io_uring_error()
            if backend == "io_uring" and refused:
                out = (e.stdout + e.stderr).strip().splitlines()
                why = next((ln for ln in out if re.search("io_uring", ln, re.I)),
                           out[-1] if out else "")
                self.skipTest("kernel refused io_uring_setup (%s); server said: %s"
                              % (refused, why.strip()[:300]))
            raise

    def request_mix(self, srv):
        rng = random.Random(42)
        with srv.conn(timeout=10) as c:
            for i in range(10):
                self.assertEqual(c.request("GET", "/health").status, 200)
            self.assertEqual(c.request("GET", "/nope/%d" % rng.randrange(1000)).status, 404)
            # pipelined, random splits
            reqs = [build_request("GET" if i % 3 else "HEAD", "/health",
                                  [("X-Request-Id", "pipe%02d" % i)]) for i in range(20)]
            c.send_split(b"".join(reqs), rng, max_piece=300, sleep_s=0.001)
            for i in range(20):
                r = c.read_response(head_only=(i % 3 == 0))
                self.assertEqual((r.status, r.header("x-request-id")), (200, "pipe%02d" % i))
            # a large chunked body, then a large Content-Length body, to 405 routes
            body = rng.randbytes(256 * 1024)
            c.send(build_request("POST", "/health", [("Transfer-Encoding", "chunked")]) +
                   chunked(body, rng, max_chunk=9000))
            self.assertEqual(c.read_response().status, 405)
            c.send(build_request("POST", "/ready", body=rng.randbytes(1024 * 1024)))
            self.assertEqual(c.read_response().status, 405)
            self.assertEqual(c.request("GET", "/ready").status, 200)
        conns = [Conn(srv.port) for _ in range(20)]
        try:
            for c in conns:
                c.send(build_request("GET", "/health"))
            for c in conns:
                self.assertEqual(c.read_response().status, 200)
        finally:
            for c in conns:
                c.close()

    def check_backend(self, srv, want):
        self.assertEqual(srv.listening.get("io_backend"), want, srv.listening)
        # (a regex: the JSON validity of /api/v1/health is test_http_basic's job)
        m = re.search(rb'"io_backend":"([a-z_]+)"', srv.get("/api/v1/health").body)
        self.assertEqual(m and m.group(1).decode(), want)
        m = srv.get("/metrics")
        self.assertEqual(m.status, 200)
        self.assertEqual(build_info_backend(m.body.decode()), want, m.body[:3000])

    def run_backend(self, backend, want, env=None):
        srv = self.start(backend, env)
        try:
            self.check_backend(srv, want)
            self.request_mix(srv)
            return srv.stdout() + srv.stderr()
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_io_uring(self):
        self.run_backend("io_uring", "io_uring")

    def test_epoll(self):
        self.run_backend("epoll", "epoll")

    def test_auto_falls_back_to_epoll(self):
        out = self.run_backend("auto", "epoll", env={"CG_REACTOR_FORCE_URING_FAIL": "1"})
        # A warning that names both backends ("io_uring unavailable, using epoll").
        fallback = [ln for ln in out.splitlines()
                    if re.search(r"io_uring", ln) and re.search(r"epoll", ln)
                    and re.search(r'"level":"warn"|\bWARN\b', ln)]
        self.assertTrue(fallback, "no warning about the epoll fallback:\n" + out[-2000:])

    def test_explicit_io_uring_never_silently_epoll(self):
        try:
            srv = Server({"server": {"io_backend": "io_uring"}},
                         env={"CG_REACTOR_FORCE_URING_FAIL": "1"})
        except StartError as e:
            self.assertEqual(e.returncode, 1, e)
            self.assertRegex(e.stdout + e.stderr, r"(?i)io_uring")
            return
        try:
            self.fail("io_backend=io_uring started although io_uring setup failed: %r"
                      % srv.listening)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
