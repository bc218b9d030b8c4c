"""test_deploy.py — the deployment artifacts, checked by real tools in CI.

Proves:
  * tools/check_artifacts.sh passes with a live scrape: systemd-analyze verify/security on
    the unit, promtool check + unit tests of the alert rules, every dashboard query parsed
    by promtool, every metric name of the alerts and the dashboard present in /metrics of a
    server that has indexed, searched, answered MCP and run an admin job, kubernetes-models
    validation and cross-checks of the manifests, the Dockerfile/seccomp rules (with the
    runtime libraries and an strace of the server on io_uring), the reference config
    against the schema, and the OpenAPI document under a real validator; each check whose
    tool exists on this machine really ran (was not skipped);
  * the PromQL check can fail: a scrape lacking one metric the alerts use is rejected;
  * the seccomp profile for io_uring works as a container runtime applies it (libseccomp):
    under it the server serves on io_uring, indexes and answers; with io_uring_setup refused
    (Docker's default) "auto" falls back to epoll, says so, serves and drains cleanly;
  * systemd Type=notify works end to end: with $NOTIFY_SOCKET the server sends READY=1
    only once /ready answers 200, RELOADING=1 + READY=1 around SIGHUP and STOPPING=1 at
    SIGTERM, each from its own PID;
  * the image's ENTRYPOINT + CMD with its baked config (host 0.0.0.0; tested on loopback)
    start the server given keys and exit 78 without them, and its HEALTHCHECK command
    passes while the server answers and fails once it is gone;
  * the container and Kubernetes configs fail closed: without keys --check-config rejects
    them (exit 78), with keys they pass;
  * docs/operations.md lists every CG error code of include/codegraph/base.h, and
    alerts.yml has every alert the operations manual defines.
"""

import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import BIN, REPO, Server, run_cli

ADMIN_KEY = "deploy-test-admin-key"
JOB_TIMEOUT_S = 30.0
NOTIFY_TIMEOUT_S = 15.0
# The alerts of the operations manual ("Monitoring and Alerting" → "Alert Rules").
MANUAL_ALERTS = ["CodeGraphServiceDown", "CodeGraphHighErrorRate", "CodeGraphHighLatency",
                 "CodeGraphHighMemoryUsage", "CodeGraphDatabaseGrowthRate",
                 "CodeGraphHighQueueDepth", "CodeGraphLowDiskSpace", "CodeGraphHighCPUUsage",
                 "CodeGraphHighLoadAverage", "CodeGraphNetworkErrors"]


def read(path):
    with open(os.path.join(REPO, path)) as f:
        return f.read()


class ArtifactsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cg-deploy-")
        cls.repo = os.path.join(cls.tmp, "repo")
        os.makedirs(os.path.join(cls.repo, "pkg"))
        with open(os.path.join(cls.repo, "pkg", "m.py"), "w") as f:
            f.write("def area(w, h):\n    return w * h\n\n\ndef main():\n    return area(2, 3)\n")
        cls.server = Server({"parsing": {"allowed_roots": [cls.tmp]},
                             "database": {"backup_path": os.path.join(cls.tmp, "backups")},
                             "security": {"admin_api_keys": [ADMIN_KEY]}})
        try:
            cls.scrape_path = os.path.join(cls.tmp, "metrics.txt")
            cls.exercise()
        except Exception:
            cls.server.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def call(cls, method, path, body=None, headers=None):
        h = {"Authorization": "Bearer " + ADMIN_KEY,
             "Accept": "application/json, text/event-stream"}
        h.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        with cls.server.conn() as c:
            return c.request(method, path, headers=h, body=data)

    @classmethod
    def exercise(cls):
        """Index, search, MCP, an admin job: every subsystem registers and moves its series."""
        r = cls.call("POST", "/api/v1/projects", {"name": "dep", "path": cls.repo})
        assert r.status == 202, r
        job = r.json()["job_id"]
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while cls.call("GET", "/api/v1/jobs/%d" % job).json()["state"] not in (
                "done", "failed") and time.monotonic() < deadline:
            time.sleep(0.05)
        cls.call("GET", "/api/v1/search?q=area")
        cls.call("POST", "/api/v1/similar", {"code": "def area(a, b): return a * b"})
        init = cls.call("POST", "/mcp", {
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "deploy-test", "version": "1"}}})
        sid = init.header("mcp-session-id")
        extra = {"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-06-18"} if sid else {}
        cls.call("POST", "/mcp", {"jsonrpc": "2.0", "method": "notifications/initialized"},
                 extra)
        cls.call("POST", "/mcp", {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                  "params": {"name": "list_projects", "arguments": {}}}, extra)
        cls.call("POST", "/api/v1/admin/compact")
        cls.call("GET", "/api/v1/nope")
        with open(cls.scrape_path, "wb") as f:
            f.write(cls.call("GET", "/metrics").body)

    def run_checks(self):
        env = dict(os.environ, CG_BIN=BIN, CG_SCRAPE=self.scrape_path)
        p = subprocess.run([os.path.join(REPO, "tools", "check_artifacts.sh")],
                           capture_output=True, text=True, timeout=600, env=env, cwd=REPO)
        return p.returncode, p.stdout + p.stderr

    def test_check_artifacts_passes_with_a_live_scrape(self):
        rc, out = self.run_checks()
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"artifacts: \d+ ok, 0 failed")
        ran = {m.group(1) for m in re.finditer(r"^ok   ([\w-]+):", out, re.M)}
        expect = {"generated", "config-reference", "config-reference-loads", "config-docker",
                  "docker"}
        tools = {"systemd-analyze": {"systemd-verify", "systemd-security"},
                 "promtool": {"alerts-check", "alerts-test", "promql"},
                 "node": {"k8s", "k8s-config", "openapi", "docker-lint"}}
        for tool, checks in tools.items():
            if shutil.which(tool):
                expect |= checks
        self.assertEqual(expect - ran, set(), out)
        self.assertIn("every metric is in the scrape", out)

    def test_promql_check_rejects_a_missing_metric(self):
        if not shutil.which("promtool"):
            self.skipTest("promtool not installed")
        with open(self.scrape_path) as f:
            lines = [ln for ln in f if not ln.startswith("codegraph_host_cpus")]
        self.assertTrue(lines)
        partial = os.path.join(self.tmp, "partial.txt")
        with open(partial, "w") as f:
            f.writelines(lines)
        p = subprocess.run(["python3", os.path.join(REPO, "deploy", "check", "promql.py"),
                            "--alerts", os.path.join(REPO, "deploy/prometheus/alerts.yml"),
                            "--dashboard",
                            os.path.join(REPO, "deploy/grafana/codegraph-dashboard.json"),
                            "--scrape", partial], capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn("codegraph_host_cpus is not in the live scrape", p.stdout)

    def test_every_manual_alert_is_defined(self):
        names = re.findall(r"^\s*- alert: (\w+)", read("deploy/prometheus/alerts.yml"), re.M)
        self.assertEqual(sorted(names), sorted(MANUAL_ALERTS))

    def test_alert_runbooks_point_at_sections_of_the_operations_doc(self):
        anchors = set()
        for h in re.findall(r"^#+ (.+)$", read("docs/operations.md"), re.M):
            anchors.add(re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-"))
        links = re.findall(r'runbook_url: "docs/operations.md#([\w-]+)"',
                           read("deploy/prometheus/alerts.yml"))
        self.assertGreaterEqual(len(links), 5)
        self.assertEqual([a for a in links if a not in anchors], [])

    def test_host_metrics_tell_the_truth(self):
        with open(self.scrape_path) as f:
            values = dict(re.findall(r"^(codegraph_(?:host|data)_\w+) (\S+)$", f.read(), re.M))
        st = os.statvfs(os.path.join(self.server.tmp, "data", "rocks.db"))
        self.assertEqual(float(values["codegraph_data_filesystem_size_bytes"]),
                         st.f_blocks * st.f_frsize)
        avail = float(values["codegraph_data_filesystem_avail_bytes"])
        self.assertLessEqual(avail, st.f_blocks * st.f_frsize)
        self.assertGreater(avail, 0)
        self.assertEqual(float(values["codegraph_host_cpus"]), os.sysconf("SC_NPROCESSORS_ONLN"))
        self.assertGreaterEqual(float(values["codegraph_host_load5"]), 0.0)

    def test_vector_gauges_match_the_vector_stats(self):
        def gauges():
            text = self.call("GET", "/metrics").body.decode()
            return {k: float(v) for k, v in
                    re.findall(r"^codegraph_vector_index_(\w+) (\S+)$", text, re.M)}
        for _ in range(50):   # a background rebuild may move the figures between two reads
            before = gauges()
            st = self.call("GET", "/api/v1/admin/vector/stats").json()
            if gauges() == before and not st["rebuilding"]:
                break
            time.sleep(0.1)
        self.assertGreater(before["vectors"], 0)   # the indexed functions were embedded
        self.assertEqual(before["vectors"], st["vectors"])
        self.assertEqual(before["delta_vectors"], st["delta_vectors"])
        self.assertEqual(before["file_bytes"], st["file_bytes"])
        self.assertEqual(before["needs_rebuild"], 1.0 if st["needs_rebuild"] else 0.0)

    def test_operations_doc_lists_every_error_code(self):
        codes = re.findall(r"/\*\*< (CG0\d\d) ", read("include/codegraph/base.h"))
        self.assertGreaterEqual(len(codes), 20)
        doc = read("docs/operations.md")
        documented = set(re.findall(r"^\| (CG0\d\d) \|", doc, re.M))
        self.assertEqual(set(codes) - documented, set(), "codes missing from the table")
        self.assertEqual(documented - set(codes), set(), "documented codes that do not exist")

    def test_container_and_kubernetes_configs_fail_closed(self):
        cm = read("deploy/kubernetes/configmap.yaml")
        block = cm.split("config.toml: |\n", 1)[1]   # the literal block, 4-space indented
        k8s = os.path.join(self.tmp, "k8s.toml")
        with open(k8s, "w") as f:
            f.write("\n".join(ln[4:] for ln in block.split("\n")))
        for path in ("deploy/docker/codegraph.toml", k8s):
            rc, _, err = run_cli(["--check-config", os.path.join(REPO, path)])
            self.assertEqual(rc, 78, err)
            self.assertIn("key", err)
            rc, out, err = run_cli(["--check-config", os.path.join(REPO, path)],
                                   env={"CODEGRAPH_API_KEY": "k1",
                                        "CODEGRAPH_ADMIN_API_KEY": "k2"})
            self.assertEqual(rc, 0, err)


def dockerfile_final_stage():
    """{KEYWORD: args} of the Dockerfile's last stage (deploy/check/dockerfile.py parses)."""
    spec = importlib.util.spec_from_file_location(
        "dockerfile_check", os.path.join(REPO, "deploy", "check", "dockerfile.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    stages = mod.stages(mod.instructions(read("Dockerfile")))
    return {k: a for k, a in stages[-1]["ins"]}


class DockerfileCommandsTest(unittest.TestCase):
    """The image's ENTRYPOINT + CMD, baked config and HEALTHCHECK, run outside a container."""

    def test_entrypoint_config_and_healthcheck(self):
        final = dockerfile_final_stage()
        entry = json.loads(final["ENTRYPOINT"])
        cmd = json.loads(final["CMD"])
        health = json.loads(re.search(r"\bCMD\s+(\[.*\])", final["HEALTHCHECK"]).group(1))
        tmp = tempfile.mkdtemp(prefix="cg-image-")
        self.addCleanup(shutil.rmtree, tmp, True)
        # The baked config with the image's directories moved under tmp and port 0.
        conf = read("deploy/docker/codegraph.toml").replace("/app/", tmp + "/")
        conf = re.sub(r"^port = 8000$", "port = 0", conf, flags=re.M)
        os.makedirs(os.path.join(tmp, "projects"))
        conf_path = os.path.join(tmp, "config.toml")
        with open(conf_path, "w") as f:
            f.write(conf)
        api = os.path.join(os.path.dirname(BIN), "codegraph-api")
        self.assertEqual(entry, ["/usr/local/bin/codegraph-api"])
        argv = [api] + [conf_path if a == "/app/config/config.toml" else a for a in cmd]
        # fail closed: no keys, no server (exit 78 names the missing key)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                           env={"PATH": os.environ["PATH"]})
        self.assertEqual(p.returncode, 78, p.stderr)
        self.assertIn("key", p.stderr)
        self.assertRegex(conf, r'(?m)^host = "0.0.0.0"$')   # what the image listens on ...
        srv = Server(start=False, env={"CODEGRAPH_API_KEY": "u", "CODEGRAPH_ADMIN_API_KEY": "a",
                                       "CODEGRAPH_HOST": "127.0.0.1"})   # ... tests: loopback
        self.addCleanup(srv.stop)
        srv.cmd = argv
        srv.start()
        probe = [BIN if a == "/usr/local/bin/codegraph" else a for a in health]
        probe = [a.replace(":8000/", ":%d/" % srv.port) for a in probe]
        self.assertEqual(subprocess.run(probe, capture_output=True, timeout=30).returncode, 0)
        self.assertEqual(srv.stop(), 0)
        # and the probe fails once nothing answers
        self.assertNotEqual(subprocess.run(probe, capture_output=True, timeout=30).returncode, 0)


SECCOMP_PROFILE = os.path.join(REPO, "deploy", "docker", "seccomp-iouring.json")
SECCOMP_RUN = os.path.join(REPO, "deploy", "check", "seccomp-run.py")
DEBIAN_PYTHON = "/usr/bin/python3"


def have_libseccomp():
    if not os.access(DEBIAN_PYTHON, os.X_OK):
        return False
    p = subprocess.run([DEBIAN_PYTHON, "-c", "import seccomp"], capture_output=True)
    return p.returncode == 0


@unittest.skipUnless(have_libseccomp(), "Debian python3-seccomp not installed")
class SeccompTest(unittest.TestCase):
    """The server under the shipped seccomp profile, loaded with libseccomp as runc does."""

    def serve_under_profile(self, deny=()):
        tmp = tempfile.mkdtemp(prefix="cg-seccomp-repo-")
        self.addCleanup(shutil.rmtree, tmp, True)
        with open(os.path.join(tmp, "a.py"), "w") as f:
            f.write("def one():\n    return two()\n\n\ndef two():\n    return 2\n")
        srv = Server({"parsing": {"allowed_roots": [tmp]}}, start=False)
        self.addCleanup(srv.stop)
        flags = [x for d in deny for x in ("--deny", d)]
        srv.cmd = [DEBIAN_PYTHON, SECCOMP_RUN, SECCOMP_PROFILE] + flags + [
            "--", BIN, "serve", "--config", srv.config_path]
        srv.start()
        with srv.conn() as c:   # real work: index (pool, RocksDB writes, fsync), then query
            body = json.dumps({"name": "sc", "path": tmp}).encode()
            r = c.request("POST", "/api/v1/projects", body=body,
                          headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 202, r)
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while srv.get("/api/v1/jobs/%d" % r.json()["job_id"]).json()["state"] != "done":
            self.assertLess(time.monotonic(), deadline, "index job did not finish")
            time.sleep(0.05)
        r = srv.get("/api/v1/projects/sc/symbols?q=two")
        self.assertEqual(r.json()["total"], 1, r)
        return srv

    def test_io_uring_works_under_the_profile(self):
        srv = self.serve_under_profile()
        self.assertEqual(srv.listening["io_backend"], "io_uring")
        self.assertEqual(srv.stop(remove=False), 0)   # drains and exits cleanly

    def test_epoll_fallback_when_io_uring_is_refused(self):
        # Docker's own default profile refuses io_uring_setup: "auto" must still serve.
        srv = self.serve_under_profile(deny=["io_uring_setup"])
        self.assertEqual(srv.listening["io_backend"], "epoll")
        self.assertIsNotNone(srv.find_log(lambda e: "io_uring unavailable" in
                                          e.get("message", "")))
        self.assertEqual(srv.stop(remove=False), 0)


class NotifyTest(unittest.TestCase):
    """The server under a fake systemd: a datagram socket in $NOTIFY_SOCKET."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cg-notify-")
        self.path = os.path.join(self.tmp, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(self.path)

    def tearDown(self):
        self.sock.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def recv(self):
        """(message, sender pid) of the next datagram."""
        self.sock.settimeout(NOTIFY_TIMEOUT_S)
        msg, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = None
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = int.from_bytes(data[:4], "little")
        return msg.decode(), pid

    def test_ready_reload_and_stopping(self):
        srv = Server(env={"NOTIFY_SOCKET": self.path})
        try:
            msg, pid = self.recv()
            self.assertTrue(msg.startswith("READY=1"), msg)
            self.assertEqual(pid, srv.proc.pid)
            self.assertEqual(srv.get("/ready").status, 200)   # READY means ready
            srv.signal(signal.SIGHUP)
            msg, pid = self.recv()
            self.assertRegex(msg, r"^RELOADING=1\nMONOTONIC_USEC=\d+")
            msg, _ = self.recv()
            self.assertTrue(msg.startswith("READY=1"), msg)
            srv.signal(signal.SIGTERM)
            msg, pid = self.recv()
            self.assertTrue(msg.startswith("STOPPING=1"), msg)
            self.assertEqual(pid, srv.proc.pid)
            self.assertEqual(srv.wait(15), 0)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
