"""test_lifecycle.py — process lifecycle and CLI of the real binary.

Proves:
  * SIGHUP with a good file applies the reloadable keys (keep_alive, logging.level,
    mcp.max_request_size) to the running server, logs "configuration reloaded", and warns
    about keys that need a restart; SIGHUP with an invalid file is rejected (logged with
    the key), the server keeps serving with its old configuration, and a later good file
    is still picked up.
  * SIGTERM drains: listeners close, an idle keep-alive connection is closed (or told 503
    by /ready), a request whose head was half-sent before the signal is still answered
    when completed, and the process exits 0 within the drain bound; a connection that
    never completes is cut at server.drain_timeout.
  * CLI: --check-config exits 0 on a good file and 78 on a bad value naming the key; an
    unknown key is a warning with "did you mean"; --dry-run exits 0, prints "dry run OK"
    and binds nothing; --version exits 0; an unknown command exits 64; `healthcheck`
    exits 0 against the live server and 1 against a dead port; the port comes from file <
    environment (CODEGRAPH_SERVER_PORT, CODEGRAPH_PORT) < --set / --port.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import (BIN, HOST, Closed, Server, base_config, build_request, free_port,
                     merge, require_binary, run_cli, toml_dump)


def post_size_status(srv, n):
    """Status of a POST with an n-byte body on a fresh connection (Expect: 100-continue,
    so a head within the limit gets "100 Continue" and one above it 413 at once)."""
    with srv.conn() as c:
        c.send(build_request("POST", "/health", [("Content-Length", str(n)),
                                                 ("Expect", "100-continue")]))
        r = c.read_response(timeout=3)
        if r.status != 100:
            return r.status
        c.send(b"x" * n)
        return c.read_response(timeout=3).status


class Reload(unittest.TestCase):

    def setUp(self):
        self.cfg = {"server": {"keep_alive": "30s"}, "development": {"log_requests": True},
                    "mcp": {"max_request_size": "1KB"}}
        self.srv = Server(self.cfg)

    def tearDown(self):
        self.srv.stop()

    def rewrite(self, over):
        self.cfg = merge(self.cfg, over)
        self.srv.write_config(merge(base_config(self.srv.tmp), self.cfg))

    def wait_status(self, n, want, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            st = post_size_status(self.srv, n)
            if st == want or time.monotonic() > deadline:
                return st
            time.sleep(0.05)

    def logged_request(self, rid):
        return self.srv.find_log(lambda e: e.get("request_id") == rid)

    def test_sighup_good(self):
        srv = self.srv
        srv.get("/health", headers={"X-Request-Id": "beforehup"})
        self.assertIsNotNone(srv.wait_log(lambda e: e.get("request_id") == "beforehup"))
        with srv.conn() as idle:           # keep_alive 30s: still open after 1.5 s
            self.assertFalse(idle.is_closed(1.5))

        self.rewrite({"server": {"keep_alive": "1s"}, "logging": {"level": "debug"}})
        srv.signal(signal.SIGHUP)
        self.assertIsNotNone(srv.wait_log(lambda e: e.get("message") ==
                                          "configuration reloaded"), srv.stdout()[-2000:])
        with srv.conn() as idle:           # the new keep_alive applies to new connections
            self.assertTrue(idle.is_closed(4.0), "keep_alive 1s not applied after SIGHUP")

        # Second reload: level warn (info request lines stop), bigger body limit,
        # and a key that only a restart applies.
        self.rewrite({"logging": {"level": "warn"}, "mcp": {"max_request_size": "4KB"},
                      "server": {"workers": 2}})
        self.assertEqual(post_size_status(srv, 2000), 413)
        srv.signal(signal.SIGHUP)
        self.assertEqual(self.wait_status(2000, 405), 405, "max_request_size not reloaded")
        warn = srv.wait_log(lambda e: "restart" in e.get("message", "") and
                            e.get("key") == "server.workers")
        self.assertIsNotNone(warn, srv.stdout()[-2000:])
        self.assertEqual(warn["level"], "warn")
        srv.get("/health", headers={"X-Request-Id": "afterhup"})
        srv.get("/nope", headers={"X-Request-Id": "afterhup2"})
        time.sleep(0.3)
        self.assertIsNone(self.logged_request("afterhup"), "logging.level warn not applied")
        self.assertIsNone(self.logged_request("afterhup2"))
        # workers needs a restart: the running server keeps one reactor.
        # (read with a regex: the JSON validity of /api/v1/health is test_http_basic's job)
        m = re.search(rb'"workers":(\d+)', srv.get("/api/v1/health").body)
        self.assertEqual(int(m.group(1)), 1)

    def test_sighup_bad_keeps_old(self):
        srv = self.srv
        for bad in ('[server]\ntimeout = "forever"\n',
                    '[server\nport = 0\n',
                    '[server]\nport = "eighty"\n'):
            n_before = len([e for e in srv.log_events() if "rejected" in e.get("message", "")])
            srv.write_config(text=toml_dump(merge(base_config(srv.tmp), self.cfg)) + bad)
            srv.signal(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                rej = [e for e in srv.log_events() if "rejected" in e.get("message", "")]
                if len(rej) > n_before:
                    break
                time.sleep(0.05)
            self.assertGreater(len(rej), n_before, "no rejection logged for %r\n%s"
                               % (bad, srv.stdout()[-2000:]))
            self.assertEqual(rej[-1]["level"], "error")
            self.assertTrue(rej[-1].get("key") or rej[-1].get("reason"), rej[-1])
            # Still serving, with the old configuration.
            self.assertEqual(srv.get("/health").status, 200)
            self.assertEqual(post_size_status(srv, 2000), 413)
        self.assertIsNone(srv.find_log(lambda e: e.get("message") == "configuration reloaded"))
        # A good file afterwards is applied.
        self.rewrite({"mcp": {"max_request_size": "4KB"}})
        srv.signal(signal.SIGHUP)
        self.assertIsNotNone(srv.wait_log(lambda e: e.get("message") ==
                                          "configuration reloaded"))
        self.assertEqual(self.wait_status(2000, 405), 405)


class Drain(unittest.TestCase):

    def test_sigterm_drain(self):
        srv = Server({"server": {"drain_timeout": "5s", "timeout": "10s"}})
        try:
            idle = srv.conn()
            self.assertEqual(idle.request("GET", "/health").status, 200)
            half = srv.conn()
            half.send(b"GET /health HTTP/1.1\r\nHo")
            time.sleep(0.2)
            t0 = time.monotonic()
            srv.signal(signal.SIGTERM)
            self.assertIsNotNone(srv.wait_log(lambda e: e.get("message") == "draining"))
            # The idle keep-alive connection: closed, or /ready says 503 and closes.
            try:
                idle.send(build_request("GET", "/ready"))
                r = idle.read_response(timeout=3)
                self.assertEqual(r.status, 503, r)
                self.assertTrue(idle.is_closed(3))
            except (Closed, BrokenPipeError, ConnectionResetError):
                pass
            # New connections are refused (listener closed) or shed with 503.
            time.sleep(0.3)
            try:
                with srv.conn(timeout=3) as c:
                    r = c.read_response(timeout=3)
                    self.assertEqual(r.status, 503, r)
            except (ConnectionRefusedError, Closed, ConnectionResetError):
                pass
            # The half-sent request still gets its answer, then the connection closes.
            half.send(b"st: x\r\n\r\n")
            r = half.read_response(timeout=3)
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.header("connection") or "").lower(), "close", r)
            self.assertTrue(half.is_closed(3))
            rc = srv.wait(timeout=10)
            self.assertEqual(rc, 0, srv.stderr())
            self.assertLess(time.monotonic() - t0, 5.0 + 3.0)
            self.assertIsNotNone(srv.find_log(lambda e: e.get("message") == "stopped"))
        finally:
            srv.stop()

    def test_drain_timeout_bounds_exit(self):
        srv = Server({"server": {"drain_timeout": "1s", "timeout": "30s"}})
        try:
            stuck = srv.conn()
            stuck.send(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Never: ")
            time.sleep(0.2)
            t0 = time.monotonic()
            srv.signal(signal.SIGTERM)
            rc = srv.wait(timeout=10)
            self.assertEqual(rc, 0, srv.stderr())
            self.assertLess(time.monotonic() - t0, 1.0 + 4.0)
            self.assertIsNotNone(srv.find_log(lambda e: "drain timeout" in
                                              e.get("message", "")), srv.stdout()[-2000:])
            try:
                self.assertEqual(stuck.read_until_close(3), b"")
            except ConnectionResetError:
                pass
            stuck.close()
        finally:
            srv.stop()


class Cli(unittest.TestCase):

    def setUp(self):
        require_binary()
        self.tmp = tempfile.mkdtemp(prefix="cg-cli-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, over=None, extra=""):
        path = os.path.join(self.tmp, "c%d.toml" % len(os.listdir(self.tmp)))
        with open(path, "w") as f:
            f.write(toml_dump(merge(base_config(self.tmp), over)) + extra)
        return path

    def cli(self, args, env=None, timeout=30):
        return run_cli(args, env=env, cwd=self.tmp, timeout=timeout)

    def test_check_config_good(self):
        rc, out, err = self.cli(["--check-config", self.write()])
        self.assertEqual(rc, 0, err)
        self.assertIn("configuration OK", out)

    def test_check_config_bad_values(self):
        cases = [({"server": {"timeout": "forever"}}, "server.timeout"),
                 ({"server": {"port": 70000}}, "server.port"),
                 ({"server": {"workers": "many"}}, "server.workers"),
                 ({"server": {"io_backend": "kqueue"}}, "server.io_backend"),
                 ({"mcp": {"max_request_size": "lots"}}, "mcp.max_request_size")]
        for over, key in cases:
            with self.subTest(key=key):
                rc, out, err = self.cli(["--check-config", self.write(over)])
                self.assertEqual(rc, 78, out + err)
                self.assertIn(key, err)
                self.assertNotIn("configuration OK", out)

    def test_check_config_syntax_error(self):
        path = os.path.join(self.tmp, "broken.toml")
        with open(path, "w") as f:
            f.write("[server\nport = 1\n")
        rc, out, err = self.cli(["--check-config", path])
        self.assertEqual(rc, 78, out + err)
        self.assertTrue(err.strip())

    def test_unknown_key_did_you_mean(self):
        rc, out, err = self.cli(["--check-config",
                                 self.write({"server": {"keep_alive_timout": "5s"}})])
        self.assertEqual(rc, 0, out + err)
        self.assertIn("keep_alive_timout", err)
        self.assertRegex(err.lower(), r"did you mean")
        self.assertRegex(err, r"keep_alive\b")

    def test_unknown_env_did_you_mean(self):
        rc, out, err = self.cli(["--check-config", self.write()],
                                env={"CODEGRAPH_SERVER_PROT": "1"})
        self.assertEqual(rc, 0, out + err)
        self.assertIn("CODEGRAPH_SERVER_PROT", err)
        self.assertRegex(err.lower(), r"did you mean")

    def test_dry_run_binds_nothing(self):
        holder = socket.socket()        # no SO_REUSEPORT: a real bind would fail
        holder.bind((HOST, 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        try:
            path = self.write({"server": {"port": port}})
            rc, out, err = self.cli(["--config", path, "--dry-run"])
            self.assertEqual(rc, 0, out + err)
            self.assertIn("dry run OK", out)
            self.assertIn("%s:%d" % (HOST, port), out)
            # Control: actually serving on that port fails (so the dry run did not bind).
            rc, out, err = self.cli(["serve", "--config", path], timeout=10)
            self.assertEqual(rc, 1, out + err)
        finally:
            holder.close()

    def test_api_binary_name(self):
        api = os.path.join(os.path.dirname(BIN), "codegraph-api")
        if not os.path.exists(api):
            self.skipTest("no codegraph-api next to %s" % BIN)
        p = subprocess.run([api, "--config", self.write(), "--dry-run"], capture_output=True,
                           timeout=30, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"dry run OK", p.stdout)

    def test_version(self):
        for args in (["--version"], ["version"]):
            rc, out, err = self.cli(args)
            self.assertEqual(rc, 0, err)
            self.assertRegex(out, r"codegraph \d+\.\d+\.\d+")

    def test_usage_errors(self):
        for args in (["frobnicate"], ["serve", "--bogus-flag"], ["serve", "extra-arg"],
                     ["healthcheck", "--url"]):
            with self.subTest(args=args):
                rc, out, err = self.cli(args)
                self.assertEqual(rc, 64, out + err)
                self.assertIn("usage", err.lower())

    def test_healthcheck(self):
        srv = Server()
        try:
            rc, out, err = self.cli(["healthcheck", "--url", srv.url("/health")])
            self.assertEqual(rc, 0, err)
            rc, out, err = self.cli(["healthcheck", "--url", srv.url("/nope")])
            self.assertEqual(rc, 1, err)
        finally:
            srv.stop()
        rc, out, err = self.cli(["healthcheck", "--url",
                                 "http://%s:%d/health" % (HOST, free_port())])
        self.assertEqual(rc, 1, err)

    def dry_port(self, path, args=(), env=None):
        rc, out, err = self.cli(["--config", path, "--dry-run"] + list(args), env=env)
        self.assertEqual(rc, 0, out + err)
        m = re.search(r"listen: [^\s:]+:(\d+)", out)
        self.assertIsNotNone(m, out)
        return int(m.group(1))

    def test_port_precedence(self):
        path = self.write({"server": {"port": 1111}})
        self.assertEqual(self.dry_port(path), 1111)
        env = {"CODEGRAPH_SERVER_PORT": "2222"}
        self.assertEqual(self.dry_port(path, env=env), 2222)
        self.assertEqual(self.dry_port(path, env={"CODEGRAPH_PORT": "5555"}), 5555)
        self.assertEqual(self.dry_port(path, ["--set", "server.port=3333"], env=env), 3333)
        self.assertEqual(self.dry_port(path, ["--port", "4444"], env=env), 4444)

    def test_env_port_really_binds(self):
        port = free_port()
        srv = Server({"server": {"port": 0}}, env={"CODEGRAPH_SERVER_PORT": str(port)},
                     start=False)
        try:
            srv.start()
            self.assertEqual(srv.port, port)
            self.assertEqual(srv.get("/health").status, 200)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
