"""test_security_hostile.py — hostile clients do not starve healthy ones.

Proves, against the real server and real attack tools:
  * slowloris (slowhttptest -H), slow body (-B) and slow read (-X), a few hundred
    connections each: while the attack runs, a healthy client's requests (fresh
    connections and keep-alive) are all answered 200, and the server is still alive and
    serving afterwards. Slow heads and bodies are cut at server.timeout (counted as
    timeouts in /metrics).
  * max_connections sheds load cleanly: when served keep-alive clients hold the cap, a new
    connection gets a complete 503 (CG016, Retry-After, Connection: close) and is closed,
    the admitted ones are undisturbed, and once they leave new clients are served; when
    slow unfinished requests hold the cap, each healthy newcomer is served and evicts the
    oldest slow one (408 and close) — exactly one per newcomer.
  * Per-connection memory stays bounded: 200 connections each holding a 24 KiB
    unfinished head grow the server's RSS by less than CONN_MEMORY_BOUND each.
No timing thresholds: only "served or not", statuses and memory.
"""

import os
import shutil
import socket
import subprocess
import time
import unittest

from harness import HOST, Closed, Server, build_request

SLOWHTTPTEST = shutil.which("slowhttptest")
ATTACK_CONNS = 300
ATTACK_SECONDS = 6
CONN_MEMORY_BOUND = 128 * 1024  # bytes of RSS per held connection (input buffer ≤ 32 KiB)


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@unittest.skipUnless(SLOWHTTPTEST, "slowhttptest not installed")
class SlowAttacks(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server({"server": {"timeout": "3s", "max_connections": 4000,
                                        "keep_alive": "30s"}})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def attack(self, mode, path, extra=()):
        cmd = [SLOWHTTPTEST, mode, "-c", str(ATTACK_CONNS), "-r", str(ATTACK_CONNS), "-i", "1",
               "-l", str(ATTACK_SECONDS), "-p", "2", "-u", self.server.url(path)] + list(extra)
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL)

    def healthy_rounds(self, seconds):
        """Requests from a healthy client for `seconds`: (answered 200, total)."""
        ok = total = 0
        deadline = time.monotonic() + seconds
        with self.server.conn() as keep:
            while time.monotonic() < deadline:
                for c in (keep, None):
                    total += 1
                    if c is None:
                        ok += self.server.get("/api/v1/projects").status == 200
                    else:
                        ok += c.request("GET", "/health").status == 200
                time.sleep(0.02)
        return ok, total

    def run_attack(self, mode, path, extra=()):
        p = self.attack(mode, path, extra)
        try:
            time.sleep(1.5)  # let the attack open its connections
            ok, total = self.healthy_rounds(ATTACK_SECONDS - 2)
        finally:
            try:
                p.wait(timeout=ATTACK_SECONDS + 20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.assertGreater(total, 10)
        self.assertEqual(ok, total, "%s: healthy requests not all served" % mode)
        self.assertEqual(self.server.get("/health").status, 200)
        self.assertIsNone(self.server.proc.poll())

    def test_slowloris(self):
        self.run_attack("-H", "/health")
        m = self.server.get("/metrics").body.decode()
        line = [ln for ln in m.splitlines()
                if ln.startswith('codegraph_http_errors_total{kind="timeout"}')]
        self.assertTrue(line and float(line[0].split()[-1]) > 0, "slow heads were not cut")

    def test_slow_body(self):
        self.run_attack("-B", "/api/v1/projects", ["-s", "65536"])

    def test_slow_read(self):
        self.run_attack("-X", "/metrics", ["-k", "20", "-n", "1", "-w", "16", "-y", "32",
                                           "-z", "8"])


class ConnectionLimits(unittest.TestCase):

    def test_max_connections_sheds_cleanly(self):
        """Served keep-alive connections hold the cap: a new client gets a clean 503."""
        srv = Server({"server": {"max_connections": 20, "timeout": "30s",
                                 "keep_alive": "30s"}})
        held = []
        try:
            for _ in range(20):
                c = srv.conn()
                self.assertEqual(c.request("GET", "/health").status, 200)
                held.append(c)
            for _ in range(5):
                with srv.conn() as extra:
                    r = extra.read_response(timeout=3)
                    self.assertEqual(r.status, 503, r)
                    self.assertEqual(r.json()["error"]["code"], "CG016")
                    self.assertEqual((r.header("connection") or "").lower(), "close")
                    self.assertGreaterEqual(int(r.header("retry-after")), 1)
                    self.assertTrue(extra.is_closed(3))
            for c in held:  # the admitted ones were never disturbed
                self.assertEqual(c.request("GET", "/ready").status, 200)
            for c in held:
                c.close()
            held = []
            deadline = time.monotonic() + 5
            status = None
            while time.monotonic() < deadline and status != 200:
                time.sleep(0.1)
                try:
                    status = srv.get("/health").status
                except (OSError, Closed):
                    status = None
            self.assertEqual(status, 200)
        finally:
            for c in held:
                c.close()
            srv.stop()

    def test_slow_clients_at_the_cap_are_evicted(self):
        """Slow unfinished heads fill the cap: a healthy client evicts the oldest (408)."""
        srv = Server({"server": {"max_connections": 20, "timeout": "30s",
                                 "keep_alive": "30s"}})
        held = []
        try:
            for _ in range(20):
                c = srv.conn()
                c.send(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # unfinished head
                held.append(c)
            time.sleep(1.3)  # older than the eviction age (1 s)
            for i in range(5):
                with srv.conn() as healthy:
                    self.assertEqual(healthy.request("GET", "/health").status, 200)
            evicted = 0
            for c in held:
                if c.readable(0.2):
                    r = c.read_response(timeout=2)
                    self.assertEqual(r.status, 408, r)
                    self.assertTrue(c.is_closed(2))
                    evicted += 1
            self.assertEqual(evicted, 5)
        finally:
            for c in held:
                c.close()
            srv.stop()

    def test_per_connection_memory_bounded(self):
        srv = Server({"server": {"max_connections": 1000, "timeout": "30s"}})
        held = []
        try:
            srv.get("/health")
            time.sleep(0.3)
            before = rss_bytes(srv.proc.pid)
            filler = b"".join(b"X-F%03d: %s\r\n" % (i, b"v" * 90) for i in range(240))
            head = b"GET /health HTTP/1.1\r\nHost: x\r\n" + filler[:24 * 1024]
            for _ in range(200):
                c = srv.conn()
                c.send(head)
                held.append(c)
            time.sleep(0.5)
            grown = rss_bytes(srv.proc.pid) - before
            self.assertLess(grown, 200 * CONN_MEMORY_BOUND,
                            "RSS grew %d bytes for 200 held connections" % grown)
            self.assertEqual(srv.get("/health").status, 200)
        finally:
            for c in held:
                c.close()
            srv.stop()


if __name__ == "__main__":
    unittest.main()
