"""cgserver.py — start a private `codegraph serve` for bench/index and talk REST to it.

Used by defs_recall.py and query_latency.py. The server gets a temporary config (database at
the given data dir, allowed_roots = the tree, port 0, JSON logs); its port is read from the
"listening" log line. `Server` is a context manager: leaving it (also on SIGTERM, which
`install_sigterm` turns into SystemExit) stops the process it started, by its pid only.
"""
import http.client
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.parse

START_TIMEOUT_S = 30  # how long the server may take to log "listening"
STOP_TIMEOUT_S = 10  # SIGTERM grace before SIGKILL
JOB_TIMEOUT_S = 1800  # an index job started over REST must finish within this
PAGE = 1000  # page size asked for (the server's hard maximum, CG_GRAPH_LIMIT_MAX)


def install_sigterm():
    """SIGTERM → SystemExit, so `with Server(...)` blocks still stop their server."""
    def on_term(signum, frame):
        raise SystemExit(143)
    signal.signal(signal.SIGTERM, on_term)


def toml_str(s):
    return json.dumps(s)  # a JSON string is a valid TOML basic string


class Server:
    """A codegraph server on 127.0.0.1:<ephemeral> over `data_dir`, with one keep-alive
    connection (`get`, `post`)."""

    def __init__(self, binary, data_dir, tree, extra_toml=""):
        self.binary, self.data_dir, self.tree = binary, data_dir, os.path.realpath(tree)
        self.extra_toml = extra_toml
        self.proc = self.conn = None
        self.port = 0
        self._tmp = None

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="cg-bench-srv-")
        cfg = os.path.join(self._tmp.name, "codegraph.toml")
        with open(cfg, "w") as f:
            f.write("[database]\npath = %s\n" % toml_str(os.path.join(self.data_dir, "rocks.db")))
            f.write("[parsing]\nallowed_roots = [%s]\n" % toml_str(self.tree))
            f.write("ignore_patterns = [\"*.pyc\"]\n")
            f.write("[logging]\nformat = \"json\"\nlevel = \"info\"\n")
            f.write(self.extra_toml)
        self.log_path = os.path.join(self._tmp.name, "server.log")
        self._log = open(self.log_path, "w+")
        self.proc = subprocess.Popen([self.binary, "serve", "--port", "0", "-c", cfg],
                                     stdout=self._log, stderr=subprocess.STDOUT)
        try:
            self.port = self._wait_port()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_port(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("codegraph serve exited (%s): %s" %
                                   (self.proc.returncode, self.log_tail()))
            with open(self.log_path) as f:
                for line in f:
                    try:
                        ev = json.loads(line)
                    except ValueError:
                        continue
                    if ev.get("message") == "listening":
                        return int(ev["port"])
            time.sleep(0.05)
        raise RuntimeError("codegraph serve did not log 'listening': " + self.log_tail())

    def log_tail(self, n=2000):
        with open(self.log_path) as f:
            return f.read()[-n:]

    def __exit__(self, *exc):
        if self.conn:
            self.conn.close()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._tmp:
            self._log.close()
            self._tmp.cleanup()
        return False

    def request(self, method, path, body=None):
        """(status, parsed JSON body). Reconnects once if the keep-alive connection died."""
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Content-Type": "application/json"} if data else {}
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                r = self.conn.getresponse()
                raw = r.read()
                return r.status, (json.loads(raw) if raw else None)
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        return 0, None

    def get(self, url, params=None):
        q = urllib.parse.urlencode(params or {})
        return self.request("GET", url + ("?" + q if q else ""))

    def post(self, path, body):
        return self.request("POST", path, body)

    def project_for(self, name):
        """The project whose root is the tree, indexing it first (over REST) if none is."""
        st, body = self.get("/api/v1/projects")
        if st != 200:
            raise RuntimeError("GET /api/v1/projects: %s %s" % (st, body))
        for p in body["projects"]:
            if os.path.realpath(p["root"]) == self.tree:
                return p
        st, body = self.post("/api/v1/projects", {"name": name, "path": self.tree})
        if st != 202:
            raise RuntimeError("POST /api/v1/projects: %s %s" % (st, body))
        self.wait_job(body["job_id"])
        st, p = self.get("/api/v1/projects/%s" % body["id"])
        if st != 200:
            raise RuntimeError("GET /api/v1/projects/%s: %s %s" % (body["id"], st, p))
        return p

    def wait_job(self, job_id):
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            st, job = self.get("/api/v1/jobs/%s" % job_id)
            if st == 200 and job.get("state") in ("done", "failed", "cancelled"):
                if job["state"] != "done":
                    raise RuntimeError("index job %s: %s" % (job_id, job))
                return job
            time.sleep(0.2)
        raise RuntimeError("index job %s did not finish in %ss" % (job_id, JOB_TIMEOUT_S))

    def pages(self, url, params):
        """Every item of a paginated answer (limit = PAGE, following next_offset)."""
        off = 0
        while True:
            st, body = self.get(url, dict(params, limit=PAGE, offset=off))
            if st != 200:
                raise RuntimeError("GET %s %s: %s %s" % (url, params, st, body))
            yield from body["items"]
            if body.get("next_offset") is None:
                return
            off = body["next_offset"]
