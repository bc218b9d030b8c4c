"""test_durability.py — nothing acknowledged is lost when the server is killed with SIGKILL.

A driver registers projects (POST /api/v1/projects → 202), grows their repositories and
re-indexes them (POST …/reindex → 202), watches jobs finish (GET /api/v1/jobs/{id} →
"done") and deletes some projects (DELETE → 2xx), keeping a ledger of every acknowledged
outcome. A timer SIGKILLs the server at a random moment — during requests, during
indexing, sometimes during start-up while RocksDB is still opening — and the server is
restarted on the same data directory. After every restart the driver checks the ledger:
  * every acknowledged registration exists (by name, with the acknowledged id), unless
    its deletion was acknowledged — then it is gone (a request cut off by the kill before
    its answer may or may not have happened: the ledger treats it as unknown);
  * every job seen "done" is still "done", and every function that existed in the
    project's files when that job was requested is found by an exact symbol lookup
    (files only ever grow, so later generations still contain them).
Cycles: CG_DURABILITY_CYCLES (default 30; the long run uses 200), seed
CG_DURABILITY_SEED (printed, so a failure can be replayed). The ledger, the seed and the
cycle of a failure are in the assertion message.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from harness import BIN, Closed, Server

CYCLES = int(os.environ.get("CG_DURABILITY_CYCLES", "30"))
SEED = int(os.environ.get("CG_DURABILITY_SEED", str(random.randrange(1 << 30))))
PROJECTS_MAX = 10          # projects registered over the whole run
KILL_AFTER_S = (0.05, 1.2)  # SIGKILL this long after the server is listening
STARTUP_KILL_P = 0.1       # share of cycles killed while starting (before "listening")
IO_TIMEOUT_S = 3.0
JOB_WAIT_S = 20.0          # a final job must finish within this after the last restart


class Down(Exception):
    """The server is gone (killed): stop this cycle's operations."""


class Driver:
    def __init__(self, root, rng):
        self.root = root
        self.rng = rng
        self.projects = {}    # name -> {"id", "repo", "deleted"}
        self.funcs = {}       # repo -> [function names written so far]
        self.pending = {}     # job_id -> {"project", "funcs"}
        self.done = {}        # job_id -> {"project", "funcs"}
        self.seq = 0
        self.names = 0        # project names handed out (an unanswered create uses one up)
        self.srv = None
        self.c = None         # keep-alive connection to the current server process

    # -- transport

    def reconnect(self):
        """Forget the keep-alive connection (a new server process was started)."""
        if self.c:
            self.c.close()
        self.c = None

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else None
        try:
            if self.c is None:
                self.c = self.srv.conn(timeout=IO_TIMEOUT_S)
            r = self.c.request(method, path, headers=headers, body=data, timeout=IO_TIMEOUT_S)
        except (OSError, Closed) as e:
            self.reconnect()
            raise Down(str(e))
        if (r.header("connection") or "").lower() == "close":
            self.reconnect()
        return r

    # -- repositories (files only grow)

    def new_func(self, repo):
        self.seq += 1
        name = "fn_%d_%d" % (self.seq, self.rng.randrange(1 << 20))
        path = os.path.join(repo, "m%d.py" % self.rng.randrange(3))
        with open(path, "a") as f:
            f.write("\n\ndef %s(x):\n    return x + %d\n" % (name, self.seq))
            f.flush()
            os.fsync(f.fileno())
        self.funcs[repo].append(name)

    def new_repo(self):
        repo = os.path.join(self.root, "repo%d" % len(self.funcs))
        os.makedirs(repo)
        self.funcs[repo] = []
        for _ in range(3):
            self.new_func(repo)
        return repo

    # -- operations (each records only what the server acknowledged)

    def op_create(self):
        repo = self.new_repo()
        name = "proj%d" % self.names
        self.names += 1
        r = self.call("POST", "/api/v1/projects", {"name": name, "path": repo})
        if r.status == 202:
            j = r.json()
            self.projects[name] = {"id": j["id"], "repo": repo, "deleted": False}
            self.pending[j["job_id"]] = {"project": name, "funcs": list(self.funcs[repo])}

    def live_projects(self):
        return sorted(n for n, p in self.projects.items() if p["deleted"] is False)

    def op_reindex(self):
        live = self.live_projects()
        if not live:
            return
        name = self.rng.choice(live)
        repo = self.projects[name]["repo"]
        self.new_func(repo)
        r = self.call("POST", "/api/v1/projects/%s/reindex" % name)
        if r.status == 202:
            self.pending[r.json()["job_id"]] = {"project": name, "funcs": list(self.funcs[repo])}

    def op_poll(self):
        for job_id in list(self.pending):
            r = self.call("GET", "/api/v1/jobs/%d" % job_id)
            if r.status == 200 and r.json()["state"] == "done":
                self.done[job_id] = self.pending.pop(job_id)
            elif r.status == 200 and r.json()["state"] in ("failed", "cancelled"):
                self.pending.pop(job_id)

    def op_delete(self):
        live = self.live_projects()
        if len(live) < 3:
            return
        name = self.rng.choice(live)
        try:
            r = self.call("DELETE", "/api/v1/projects/%s" % name)
        except Down:
            # sent but never answered: it may or may not have happened
            self.projects[name]["deleted"] = None
            raise
        if r.status in (200, 202, 204):
            self.projects[name]["deleted"] = True

    def step(self):
        x = self.rng.random()
        if x < 0.25 and self.names < PROJECTS_MAX:
            self.op_create()
        elif x < 0.6:
            self.op_reindex()
        elif x < 0.63:
            self.op_delete()
        else:
            self.op_poll()

    # -- verification after a restart

    def verify(self, ctx):
        for name, p in sorted(self.projects.items()):
            if p["deleted"] is None:
                continue          # an unanswered DELETE: either outcome is correct
            r = self.call("GET", "/api/v1/projects/%s" % urllib.parse.quote(name))
            if p["deleted"]:
                assert r.status == 404, "%s: deleted project %s came back: %r" % (ctx, name, r)
            else:
                assert r.status == 200, "%s: acknowledged project %s lost: %r" % (ctx, name, r)
                assert r.json()["id"] == p["id"], "%s: %s changed id: %r" % (ctx, name, r)
        latest = {}
        for job_id, j in sorted(self.done.items()):
            if self.projects[j["project"]]["deleted"] is not False:
                continue
            r = self.call("GET", "/api/v1/jobs/%d" % job_id)
            assert r.status == 200 and r.json()["state"] == "done", \
                "%s: completed job %d not done after restart: %r" % (ctx, job_id, r)
            latest[j["project"]] = j
        for name, j in sorted(latest.items()):
            for fn in j["funcs"]:
                r = self.call("GET", "/api/v1/projects/%s/symbols?q=%s&match=exact"
                              % (urllib.parse.quote(name), fn))
                hits = r.json().get("items", []) if r.status == 200 else []
                assert any(h["name"] == fn for h in hits), \
                    "%s: %s.%s (indexed by a completed job) not found: %r" % (ctx, name, fn, r)


def kill_during_startup(srv, rng):
    """Start the binary on the data dir and SIGKILL it before or while it opens the store."""
    p = subprocess.Popen([BIN, "serve", "--config", srv.config_path], cwd=srv.tmp,
                         env=srv.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.0, 0.15))
    p.kill()
    p.wait()


class Durability(unittest.TestCase):

    def test_acknowledged_writes_survive_sigkill(self):
        rng = random.Random(SEED)
        root = tempfile.mkdtemp(prefix="cg-dur-")
        d = Driver(root, rng)
        srv = Server({"parsing": {"allowed_roots": [root]},
                      "performance": {"pool_threads": 2}}, start=False)
        d.srv = srv
        kills = verified = 0
        try:
            for cycle in range(CYCLES):
                ctx = "seed %d cycle %d" % (SEED, cycle)
                if cycle and rng.random() < STARTUP_KILL_P:
                    kill_during_startup(srv, rng)
                    kills += 1
                srv.start()
                d.reconnect()
                if cycle:
                    d.verify(ctx)
                    verified += 1
                timer = threading.Timer(rng.uniform(*KILL_AFTER_S), srv.proc.send_signal,
                                        (signal.SIGKILL,))
                timer.start()
                try:
                    while True:
                        d.step()
                except Down:
                    pass
                timer.join()
                srv.proc.wait()
                kills += 1
            srv.start()
            d.reconnect()
            d.verify("seed %d final" % SEED)
            self.finish_jobs(d)
            d.verify("seed %d final, jobs finished" % SEED)
        finally:
            d.reconnect()
            srv.stop()
            shutil.rmtree(root, ignore_errors=True)
        print("durability: seed %d, %d SIGKILLs, %d restarts verified, %d projects, "
              "%d completed jobs checked" % (SEED, kills, verified + 2, len(d.projects),
                                             len(d.done)))
        self.assertGreaterEqual(kills, CYCLES)
        self.assertGreater(len(d.projects), 0)

    def finish_jobs(self, d):
        """Let the jobs still pending finish, so the last check covers fresh results too."""
        deadline = time.monotonic() + JOB_WAIT_S
        while d.pending and time.monotonic() < deadline:
            d.op_poll()
            time.sleep(0.1)


if __name__ == "__main__":
    unittest.main()
