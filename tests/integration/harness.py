"""harness.py — drive the real codegraph binary for the integration tests.

What it gives the tests:
  * Server: starts `codegraph serve --config <tmp>/config.toml` on 127.0.0.1 with an
    ephemeral port (server.port = 0) and a temporary data directory, waits for the
    {"message":"listening",...,"port":N} log line, captures stdout/stderr to files,
    signals the process and stops it (SIGTERM, wait, SIGKILL only on timeout).
  * Conn: a raw TCP client that sends exact bytes (whole, in random splits, or one
    byte at a time) and reads full HTTP/1.1 responses honouring Content-Length, so
    pipelined responses can be read one after another from one socket.
  * run_cli(): run the binary as a one-shot command (exit code, stdout, stderr).

Python 3 standard library only. The binary comes from $CG_BIN, default
zig-out/bin/codegraph relative to the repository root. Set CG_KEEP_TMP=1 to keep the
temporary directories (their paths are printed when a server is stopped).
"""

import errno
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("CG_BIN") or os.path.join(REPO, "zig-out", "bin", "codegraph")
HOST = "127.0.0.1"

START_TIMEOUT_S = 15.0   # binary start to "listening"
STOP_TIMEOUT_S = 15.0    # SIGTERM to exit before SIGKILL
IO_TIMEOUT_S = 5.0       # default bound for reading one response


def require_binary():
    """Skip the calling test when the binary has not been built."""
    if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
        raise unittest.SkipTest("binary not built: %s (run zig build)" % BIN)


def clean_env(extra=None):
    """The inherited environment without CODEGRAPH_* / CG_* (they would change the config)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CODEGRAPH_") and not k.startswith("CG_REACTOR_")}
    if extra:
        env.update(extra)
    return env


# ---------------------------------------------------------------------------- config

def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return '"%s"' % s


def toml_dump(cfg):
    """{"server": {"port": 0}, ...} → TOML text (one level of sections; dotted names ok)."""
    out = []
    for section, keys in cfg.items():
        out.append("[%s]" % section)
        for k, v in keys.items():
            out.append("%s = %s" % (k, toml_value(v)))
        out.append("")
    return "\n".join(out)


def merge(base, over):
    """Deep-merge two section dicts (over wins). A value of None deletes the key."""
    res = {s: dict(k) for s, k in base.items()}
    for s, keys in (over or {}).items():
        sec = res.setdefault(s, {})
        for k, v in keys.items():
            if v is None:
                sec.pop(k, None)
            else:
                sec[k] = v
    return res


def base_config(tmpdir):
    return {
        "server": {"host": HOST, "port": 0, "workers": 1, "timeout": "10s",
                   "keep_alive": "10s", "drain_timeout": "5s"},
        "database": {"path": os.path.join(tmpdir, "data", "rocks.db")},
        "logging": {"level": "info", "format": "json"},
    }


# ---------------------------------------------------------------------------- responses

class Response:
    def __init__(self, version, status, reason, headers, body, raw):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers          # list of (name, value) as received
        self.body = body
        self.raw = raw

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<Response %d %r headers=%r body=%r>" % (
            self.status, self.reason, self.headers, self.body[:200])


class Closed(Exception):
    """The peer closed (EOF or reset) before a full response arrived."""


def parse_head(head):
    """b"HTTP/1.1 200 OK\\r\\nA: b\\r\\n" (no final CRLF) → (version, status, reason, headers)."""
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"^(HTTP/\d\.\d) (\d{3}) ?(.*)$", lines[0])
    if not m:
        raise AssertionError("bad status line: %r" % lines[0])
    headers = []
    for ln in lines[1:]:
        if not ln:
            continue
        if ":" not in ln:
            raise AssertionError("bad header line: %r" % ln)
        k, v = ln.split(":", 1)
        headers.append((k, v.strip(" \t")))
    return m.group(1), int(m.group(2)), m.group(3), headers


# ---------------------------------------------------------------------------- connections

class Conn:
    """One raw TCP connection with a read buffer (pipelined responses stay in order)."""

    def __init__(self, port, host=HOST, timeout=IO_TIMEOUT_S):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.timeout = timeout

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    # -- sending

    def send(self, data):
        self.sock.sendall(data)

    def send_split(self, data, rng, max_piece=64, sleep_s=0.002):
        """Send `data` in random pieces of 1..max_piece bytes with a short pause between."""
        i = 0
        while i < len(data):
            n = rng.randint(1, max_piece)
            self.sock.sendall(data[i:i + n])
            i += n
            if sleep_s:
                time.sleep(sleep_s)

    def send_bytewise(self, data, sleep_s=0.001, stop_on_reply=True):
        """Send one byte at a time. Stops early (returns the count sent) when the server
        has answered or closed — it may reject a request before its end."""
        for i in range(len(data)):
            if stop_on_reply and self.readable(0):
                return i
            try:
                self.sock.sendall(data[i:i + 1])
            except OSError as e:
                if e.errno in (errno.EPIPE, errno.ECONNRESET):
                    return i
                raise
            if sleep_s:
                time.sleep(sleep_s)
        return len(data)

    # -- receiving

    def readable(self, timeout):
        if self.buf:
            return True
        r, _, _ = select.select([self.sock], [], [], timeout)
        return bool(r)

    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out waiting for the server")
        self.sock.settimeout(left)
        try:
            d = self.sock.recv(65536)
        except ConnectionResetError:
            d = b""
        if not d:
            raise Closed("connection closed by the server (had %d buffered bytes: %r)"
                         % (len(self.buf), self.buf[:200]))
        self.buf += d

    def read_head(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\r\n\r\n" not in self.buf:
            self._recv(deadline)
        i = self.buf.index(b"\r\n\r\n")
        head, self.buf = self.buf[:i], self.buf[i + 4:]
        return head

    def read_exact(self, n, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while len(self.buf) < n:
            self._recv(deadline)
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def read_response(self, head_only=False, timeout=None):
        """One response. 1xx interim responses are returned as they are (read again).
        `head_only` (a HEAD request): Content-Length describes a body that is not sent."""
        head = self.read_head(timeout)
        version, status, reason, headers = parse_head(head)
        r = Response(version, status, reason, headers, b"", head + b"\r\n\r\n")
        if status < 200 or status in (204, 304) or head_only:
            return r
        cl = r.header_all("content-length")
        if len(cl) > 1:
            raise AssertionError("several Content-Length headers: %r" % cl)
        if cl:
            r.body = self.read_exact(int(cl[0]), timeout)
        elif (r.header("transfer-encoding") or "").lower() == "chunked":
            raise AssertionError("chunked responses are not expected from this server")
        else:
            r.body = self.read_until_close(timeout)
        r.raw += r.body
        return r

    def read_until_close(self, timeout=None):
        """Every byte until EOF/reset. Raises socket.timeout if the peer keeps it open."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                self._recv(deadline)
            except Closed:
                d, self.buf = self.buf, b""
                return d

    def is_closed(self, timeout=3.0):
        """True when the server closes (EOF or reset) within `timeout` with no further
        bytes; False if it stays open. Bytes arriving instead raise AssertionError."""
        try:
            rest = self.read_until_close(timeout)
        except socket.timeout:
            return False
        if rest:
            raise AssertionError("unexpected bytes before close: %r" % rest[:200])
        return True

    def request(self, method, path, headers=None, body=None, timeout=None):
        self.send(build_request(method, path, headers, body))
        return self.read_response(head_only=(method == "HEAD"), timeout=timeout)


def build_request(method, path, headers=None, body=None, version="HTTP/1.1", host=True):
    """A request as bytes. `headers` is a list of (name, value) or a dict. A body gets a
    Content-Length unless the headers already frame it."""
    if isinstance(headers, dict):
        headers = list(headers.items())
    headers = list(headers or [])
    names = {k.lower() for k, _ in headers}
    if host and "host" not in names and version == "HTTP/1.1":
        headers.insert(0, ("Host", "localhost"))
    if body is not None and "content-length" not in names and \
            "transfer-encoding" not in names:
        headers.append(("Content-Length", str(len(body))))
    out = "%s %s %s\r\n" % (method, path, version)
    out += "".join("%s: %s\r\n" % (k, v) for k, v in headers)
    out += "\r\n"
    data = out.encode("latin-1")
    if body:
        data += body if isinstance(body, bytes) else body.encode()
    return data


def chunked(body, rng=None, max_chunk=100, ext=False, trailers=None):
    """Encode `body` with the chunked coding, in random chunk sizes."""
    rng = rng or random.Random(7)
    out, i = b"", 0
    while i < len(body):
        n = rng.randint(1, max_chunk)
        piece = body[i:i + n]
        i += n
        size = ("%x" % len(piece)).encode()
        if ext and rng.random() < 0.5:
            size += b';name=value;q="quoted"'
        out += size + b"\r\n" + piece + b"\r\n"
    out += b"0\r\n"
    for k, v in (trailers or []):
        out += ("%s: %s\r\n" % (k, v)).encode()
    return out + b"\r\n"


def free_port():
    """A port nobody listens on right now (bound, read, released)."""
    s = socket.socket()
    s.bind((HOST, 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---------------------------------------------------------------------------- the server

class StartError(Exception):
    def __init__(self, msg, stdout="", stderr="", returncode=None):
        super().__init__(msg)
        self.stdout = stdout
        self.stderr = stderr
        self.returncode = returncode


class Server:
    """The real binary on an ephemeral loopback port with its own temp dir and config."""

    def __init__(self, config=None, args=(), env=None, start=True, cmd=None):
        require_binary()
        self.tmp = tempfile.mkdtemp(prefix="cg-integ-")
        self.config = merge(base_config(self.tmp), config)
        self.config_path = os.path.join(self.tmp, "config.toml")
        self.write_config(self.config)
        self.args = list(args)
        self.env = clean_env(env)
        self.cmd = cmd
        self.proc = None
        self.port = None
        self.listening = None
        self.stdout_path = os.path.join(self.tmp, "stdout.log")
        self.stderr_path = os.path.join(self.tmp, "stderr.log")
        if start:
            self.start()

    def write_config(self, cfg=None, text=None):
        with open(self.config_path, "w") as f:
            f.write(text if text is not None else toml_dump(cfg))

    def start(self, timeout=START_TIMEOUT_S):
        cmd = self.cmd or [BIN, "serve", "--config", self.config_path]
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(cmd + self.args, stdout=self._out, stderr=self._err,
                                     stdin=subprocess.DEVNULL, env=self.env, cwd=self.tmp)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ev = self.find_log(lambda e: e.get("message") == "listening")
            if not ev:        # logging.format = "pretty"/"compact": "... listening ... port=N"
                m = re.search(r"listening.*\bport=(\d+)", self.stdout())
                ev = {"message": "listening", "port": m.group(1)} if m else None
            if ev:
                self.listening = ev
                self.port = int(ev["port"])
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        rc = self.proc.poll()
        if rc is None:
            self.kill()
        out, err = self.stdout(), self.stderr()
        self.cleanup()
        raise StartError("server did not log 'listening' (exit %r)\nstdout:\n%s\nstderr:\n%s"
                         % (rc, out[-3000:], err[-3000:]), out, err, rc)

    # -- logs

    def stdout(self):
        with open(self.stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_events(self, stream="stdout"):
        """Every complete stdout line that parses as a JSON object."""
        text = self.stdout() if stream == "stdout" else self.stderr()
        out = []
        for ln in text.split("\n")[:-1]:      # the last piece may be a partial line
            ln = ln.strip()
            if not ln.startswith("{"):
                continue
            try:
                ev = json.loads(ln)
            except ValueError:
                continue
            if isinstance(ev, dict):
                out.append(ev)
        return out

    def find_log(self, pred):
        for ev in self.log_events():
            if pred(ev):
                return ev
        return None

    def wait_log(self, pred, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            ev = self.find_log(pred)
            if ev or time.monotonic() > deadline:
                return ev
            time.sleep(0.02)

    # -- clients

    def conn(self, timeout=IO_TIMEOUT_S):
        return Conn(self.port, timeout=timeout)

    def get(self, path, headers=None):
        with self.conn() as c:
            return c.request("GET", path, headers=headers)

    def url(self, path="/"):
        return "http://%s:%d%s" % (HOST, self.port, path)

    # -- process control

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        return self.proc.wait(timeout=timeout)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self, timeout=STOP_TIMEOUT_S, remove=True):
        """SIGTERM, wait up to `timeout`, SIGKILL only then. Returns the exit code (or
        None when it had to be killed). `remove`=False keeps the temp dir (logs) until
        cleanup() is called again."""
        rc = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                rc = None
        elif self.proc:
            rc = self.proc.returncode
        self.cleanup(remove)
        return rc

    def cleanup(self, remove=True):
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f and not f.closed:
                f.close()
        if not remove:
            return
        if os.environ.get("CG_KEEP_TMP"):
            print("kept", self.tmp)
        elif self.proc is None or self.proc.poll() is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)


def run_cli(args, env=None, timeout=30, cwd=None):
    """Run the binary once: (returncode, stdout, stderr) as text."""
    require_binary()
    p = subprocess.run([BIN] + list(args), capture_output=True, timeout=timeout,
                       env=clean_env(env), cwd=cwd, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


class ServerTest(unittest.TestCase):
    """A TestCase with one server per class: set `config` (and `env`) on the subclass."""
    config = None
    env = None
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.config, env=cls.env)

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.stop()

    def conn(self, timeout=IO_TIMEOUT_S):
        return self.server.conn(timeout)

    def assertClosed(self, c, timeout=3.0, msg=None):
        self.assertTrue(c.is_closed(timeout), msg or "server kept the connection open")

    def assertErrorBody(self, r, code=None):
        """The error JSON shape {"error":{"code","message","request_id"}} + X-Request-Id."""
        self.assertEqual(r.header("content-type"), "application/json", r)
        e = r.json()["error"]
        self.assertRegex(e["code"], r"^CG0\d\d$")
        if code:
            self.assertEqual(e["code"], code, r)
        self.assertIsInstance(e["message"], str)
        self.assertTrue(e["message"])
        self.assertEqual(e["request_id"], r.header("x-request-id"), r)
        return e
