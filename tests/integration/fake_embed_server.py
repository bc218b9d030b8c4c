"""fake_embed_server.py — a local stand-in for three embedding services, for the tests.

Speaks the three request/response shapes CodeGraph's HTTP providers use:
  POST .../v1/embeddings  {"model", "input": [...]}  -> {"data": [{"index", "embedding"}]}
  POST .../api/embed      {"model", "input": [...]}  -> {"embeddings": [[...]]}
  POST .../embed          {"inputs": [...]}          -> [[...]]
Vectors are deterministic functions of the text (vector(text, dim) below), so a test can
compute what it must receive.

Behaviour is chosen by the URL prefix /m/<mode>/d/<dim> in front of the endpoint, e.g.
http://127.0.0.1:PORT/m/retry429/d/8/api/embed. Modes:
  ok            answer normally
  shuffled      (openai) data[] in reverse order, with the right "index" fields
  chunked       answer with Transfer-Encoding: chunked (small chunks, an extension)
  closedelim    answer without Content-Length, ending the body by closing the connection
  retry429      the first request on this exact path gets 429 + Retry-After: 1, then ok
  retrylong     always 429 + Retry-After: 3600
  fail500once   the first request on this path gets 500, then ok
  fail500       always 500 {"error": {"message": "model exploded"}}
  unauthorized  always 401 {"error": "invalid api key"}
  echoauth      always 401, quoting the Authorization header it got in the error
  wrongdim      vectors of dim + 1 numbers
  wrongcount    one vector fewer than inputs
  garbage       a 200 whose body is not JSON
  nonnumeric    one element is a string
  nonfinite     one element is 1e39 (not representable as a float)
  badindex      (openai) two items carry index 0
  slow          sleeps SLOW_S seconds before answering (for client timeouts)
Control: GET /_log returns every request seen (path, time, parsed body, Authorization);
POST /_reset clears the log and the per-path "first request" memory.

Python standard library only. Use start() from a test, or run it: python3
fake_embed_server.py [PORT] prints the port and serves until interrupted.
"""

import hashlib
import json
import select
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_S = 10.0
ENDPOINTS = {"/v1/embeddings": "openai", "/api/embed": "ollama", "/embed": "tei"}


def vector(text, dim):
    """The fake model: dim numbers in [-1, 1) from SHA-256 of the text and the index."""
    out = []
    for j in range(dim):
        h = hashlib.sha256(("%d:" % j).encode() + text.encode("utf-8")).digest()
        (x,) = struct.unpack(">I", h[:4])
        out.append(x / 2147483648.0 - 1.0)
    return out


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.log = []
        self.seen_paths = set()

    def record(self, entry):
        with self.lock:
            self.log.append(entry)
            first = entry["path"] not in self.seen_paths
            self.seen_paths.add(entry["path"])
            return first

    def reset(self):
        with self.lock:
            self.log = []
            self.seen_paths = set()


def split_path(path):
    """'/m/<mode>/d/<dim>/<endpoint>' -> (mode, dim, shape) or None."""
    parts = path.split("/", 5)
    if len(parts) < 6 or parts[1] != "m" or parts[3] != "d":
        return None
    shape = ENDPOINTS.get("/" + parts[5])
    if shape is None or not parts[4].isdigit():
        return None
    return parts[2], int(parts[4]), shape


def shape_body(shape, mode, vecs):
    if shape == "openai":
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vecs)]
        if mode == "shuffled":
            data.reverse()
        if mode == "badindex" and len(data) > 1:
            data[1]["index"] = data[0]["index"]
        return {"object": "list", "data": data, "model": "fake"}
    if shape == "ollama":
        return {"model": "fake", "embeddings": vecs}
    return vecs


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep test output quiet
        pass

    def send_json(self, status, obj, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_chunked(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(body), 7):
            piece = body[i:i + 7]
            ext = ";x=1" if i % 2 else ""
            self.wfile.write(b"%x%s\r\n%s\r\n" % (len(piece), ext.encode(), piece))
            self.wfile.flush()
        self.wfile.write(b"0\r\nX-Trailer: done\r\n\r\n")

    def send_close_delimited(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def do_GET(self):
        if self.path == "/_log":
            with self.server.state.lock:
                self.send_json(200, list(self.server.state.log))
        else:
            self.send_json(404, {"error": "not found"})

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError:
            return {"_unparsable": raw.decode("latin-1")}

    def do_POST(self):
        if self.path == "/_reset":
            self.read_body()
            self.server.state.reset()
            self.send_json(200, {"ok": True})
            return
        body = self.read_body()
        route = split_path(self.path)
        entry = {"path": self.path, "time": time.time(), "body": body,
                 "authorization": self.headers.get("Authorization")}
        first = self.server.state.record(entry)
        if route is None:
            self.send_json(404, {"error": "no such endpoint: " + self.path})
            return
        self.answer(route, body, first)

    def answer(self, route, body, first):
        mode, dim, shape = route
        key = "inputs" if shape == "tei" else "input"
        texts = body.get(key) if isinstance(body, dict) else None
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            self.send_json(400, {"error": "input must be a list of strings"})
            return
        if mode == "slow":  # answer after SLOW_S, or give up when the client leaves
            ready, _, _ = select.select([self.connection], [], [], SLOW_S)
            if ready and not self.connection.recv(1, socket.MSG_PEEK):
                self.close_connection = True
                return
        if mode == "retrylong" or (mode == "retry429" and first):
            wait = "3600" if mode == "retrylong" else "1"
            self.send_json(429, {"error": {"message": "slow down"}}, {"Retry-After": wait})
            return
        if mode == "fail500" or (mode == "fail500once" and first):
            self.send_json(500, {"error": {"message": "model exploded"}})
            return
        if mode == "unauthorized":
            self.send_json(401, {"error": "invalid api key"})
            return
        if mode == "echoauth":
            auth = self.headers.get("Authorization") or ""
            self.send_json(401, {"error": "rejected credentials: " + auth})
            return
        if mode == "garbage":
            self.send_json(200, None, raw=b"<html>this is not json {")
            return
        vecs = [vector(t, dim + (1 if mode == "wrongdim" else 0)) for t in texts]
        if mode == "wrongcount":
            vecs = vecs[:-1]
        if mode == "nonnumeric":
            vecs[0][0] = "0.5"
        if mode == "nonfinite":
            vecs[0][0] = 1e39  # valid JSON, but no float holds it
        out = json.dumps(shape_body(shape, mode, vecs)).encode()
        if mode == "chunked":
            self.send_chunked(out)
        elif mode == "closedelim":
            self.send_close_delimited(out)
        else:
            self.send_json(200, None, raw=out)


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port=0):
        super().__init__(("127.0.0.1", port), Handler)
        self.state = State()

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that left is fine
            super().handle_error(request, client_address)


def start(port=0):
    """Start in a daemon thread: (server, port). Stop with server.shutdown(); server_close()."""
    srv = FakeServer(port)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


if __name__ == "__main__":
    s, p = start(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(p, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        s.shutdown()
