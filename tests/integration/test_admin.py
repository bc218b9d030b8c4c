"""test_admin.py — the admin endpoints with the real binary, each checked for its effect.

Proves:
  * the admin routes need the admin key (401 without one);
  * maintenance mode: writes (create, re-index, delete a project) answer 503 CG016 with
    Retry-After while reads and admin calls work; the mode survives a restart; turning it off
    lets writes through again;
  * pause-indexing: a job started while paused processes no file and its workers are seen
    waiting in stats; resume-indexing lets it finish with every file;
  * optimize leaves at most one SST file per column family; after deleting a project, compact
    reports fewer SST bytes and keys after than before;
  * stats reports the database (sequence grows with a write), the configured block cache and
    pool sizes, the project count and the backups; queries lists the running index job and
    the admin jobs newest first;
  * checkpoint writes a database another server opens with the same projects, and a manifest
    with its sequence; an existing path fails the job, a relative path is a 400;
  * a second backup while one runs is 409 CG020; an unknown admin job is 404;
  * with backup_enabled and backup_interval = 1m, the scheduler takes an incremental backup by
    itself about a minute after start.
"""

import json
import os
import shutil
import tempfile
import time
import unittest

from harness import Server
from test_backup import (ADMIN_KEY, admin_job, call, index_project, wait_index_job,
                         write_repo)


def config(src, **db):
    d = {"backup_path": "backups", "backup_enabled": False}
    d.update(db)
    return {"database": d, "parsing": {"allowed_roots": [src]},
            "performance": {"pool_threads": 2},
            "security": {"admin_api_key_required": True, "admin_api_keys": [ADMIN_KEY]}}


def poll(fn, timeout=20.0, every=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(every)
    return None


class AdminTest(unittest.TestCase):

    def setUp(self):
        self.src = tempfile.mkdtemp(prefix="cg-admin-src-")
        self.srv = None

    def tearDown(self):
        if self.srv:
            self.srv.stop()
        shutil.rmtree(self.src, ignore_errors=True)

    def start(self, **db):
        self.srv = Server(config(self.src, **db))
        return self.srv

    def repo(self, name, n):
        path = os.path.join(self.src, name)
        write_repo(path, name, n)
        return path

    def test_admin_key_required(self):
        srv = self.start()
        r = call(srv, "GET", "/api/v1/admin/stats", key=None)
        self.assertEqual(r.status, 401, r)
        r = call(srv, "GET", "/api/v1/admin/stats")
        self.assertEqual(r.status, 200, r)

    def test_maintenance_blocks_writes_not_reads(self):
        srv = self.start()
        index_project(self, srv, "alpha", self.repo("alpha", 5))
        beta = self.repo("beta", 3)
        r = call(srv, "POST", "/api/v1/admin/maintenance", {"enabled": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["maintenance"], r.json()["previous"]), (True, False))
        for method, path, body in (("POST", "/api/v1/projects", {"name": "beta", "path": beta}),
                                   ("POST", "/api/v1/projects/alpha/reindex", None),
                                   ("DELETE", "/api/v1/projects/alpha", None)):
            r = call(srv, method, path, body)
            self.assertEqual(r.status, 503, (method, path, r))
            self.assertEqual(r.json()["error"]["code"], "CG016")
            self.assertIsNotNone(r.header("Retry-After"))
        self.assertEqual(call(srv, "GET", "/api/v1/projects").status, 200)
        self.assertEqual(call(srv, "GET", "/api/v1/projects/alpha/symbols?q=func").status, 200)
        st = call(srv, "GET", "/api/v1/admin/stats").json()
        self.assertTrue(st["server"]["maintenance"])
        # persisted: still on after a restart
        srv.stop(remove=False)
        srv.start()
        r = call(srv, "POST", "/api/v1/projects", {"name": "beta", "path": beta})
        self.assertEqual(r.status, 503, r)
        r = call(srv, "POST", "/api/v1/admin/maintenance")       # no body: toggle
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json()["maintenance"])
        r = call(srv, "POST", "/api/v1/projects", {"name": "beta", "path": beta})
        self.assertEqual(r.status, 202, r)
        wait_index_job(self, srv, r.json()["job_id"])

    def test_maintenance_keeps_read_only_posts_open(self):
        """POSTs that change nothing (similarity, the MCP transport at a non-default
        [mcp] endpoint) are still served in maintenance mode."""
        cfg = config(self.src)
        cfg["mcp"] = {"endpoint": "/agents/mcp"}
        self.srv = srv = Server(cfg)
        index_project(self, srv, "alpha", self.repo("alpha", 3))
        r = call(srv, "POST", "/api/v1/admin/maintenance", {"enabled": True})
        self.assertEqual(r.status, 200, r)
        r = call(srv, "POST", "/api/v1/similar", {"code": "def func0():\n    return 0\n"})
        self.assertEqual(r.status, 200, r)
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                           "clientInfo": {"name": "t", "version": "1"}}}
        with srv.conn(timeout=10) as c:
            r = c.request("POST", "/agents/mcp", body=json.dumps(init),
                          headers={"Content-Type": "application/json",
                                   "Accept": "application/json, text/event-stream"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["result"]["protocolVersion"], "2025-11-25")
        self.assertEqual(call(srv, "POST", "/mcp", init).status, 404)  # moved, not copied

    def test_pause_and_resume_indexing(self):
        srv = self.start()
        path = self.repo("alpha", 60)
        r = call(srv, "POST", "/api/v1/admin/pause-indexing")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()["indexing_paused"])
        r = call(srv, "POST", "/api/v1/projects", {"name": "alpha", "path": path})
        self.assertEqual(r.status, 202, r)
        job_id = r.json()["job_id"]

        def waiting():
            st = call(srv, "GET", "/api/v1/admin/stats").json()
            return st["index"]["workers_waiting"] > 0 and st
        st = poll(waiting)
        self.assertTrue(st, "no worker waited at the pause")
        self.assertTrue(st["index"]["paused"])
        for _ in range(3):
            job = call(srv, "GET", "/api/v1/jobs/%d" % job_id).json()
            self.assertEqual(job["files_done"], 0, job)
            self.assertEqual(job["state"], "running", job)
            time.sleep(0.2)
        q = call(srv, "GET", "/api/v1/admin/queries").json()
        self.assertTrue(q["indexing_paused"])
        mine = [j for j in q["index_jobs"] if j["id"] == job_id]
        self.assertEqual(len(mine), 1, q)
        self.assertEqual((mine[0]["state"], mine[0]["files_done"]), ("running", 0))
        self.assertGreater(q["in_flight_requests"], 0)
        r = call(srv, "POST", "/api/v1/admin/resume-indexing")
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json()["indexing_paused"])
        done = wait_index_job(self, srv, job_id)
        self.assertEqual(done["files_done"], 60, done)

    def test_optimize_and_compact(self):
        srv = self.start()
        index_project(self, srv, "alpha", self.repo("alpha", 60))
        index_project(self, srv, "beta", self.repo("beta", 20))
        opt = admin_job(self, srv, "/api/v1/admin/optimize")["result"]
        self.assertGreater(opt["sst_bytes_after"], 0)
        self.assertLessEqual(opt["files_after"], opt["column_families"], opt)
        r = call(srv, "DELETE", "/api/v1/projects/alpha")
        self.assertEqual(r.status, 200, r)
        self.assertIsNotNone(poll(lambda: call(srv, "GET", "/api/v1/projects/alpha").status
                                  == 404))
        # beta's published snapshot (pinned for its readers) was taken while alpha's data was
        # live, and compaction must keep what a snapshot sees: publish beta again first.
        r = call(srv, "POST", "/api/v1/projects/beta/reindex")
        self.assertEqual(r.status, 202, r)
        wait_index_job(self, srv, r.json()["job_id"])
        comp = admin_job(self, srv, "/api/v1/admin/compact")["result"]
        print("\n  optimize: %d -> %d SST bytes, %d -> %d files; after deleting a project, "
              "compact: %d -> %d SST bytes, keys %d -> %d, in %d ms"
              % (opt["sst_bytes_before"], opt["sst_bytes_after"], opt["files_before"],
                 opt["files_after"], comp["sst_bytes_before"], comp["sst_bytes_after"],
                 comp["keys_before"], comp["keys_after"], comp["elapsed_ms"]))
        self.assertLess(comp["sst_bytes_after"], comp["sst_bytes_before"], comp)
        self.assertLess(comp["keys_after"], comp["keys_before"], comp)

    def test_stats_and_queries(self):
        self.srv = srv = Server(dict(config(self.src),
                                     database={"backup_path": "backups", "backup_enabled": False,
                                               "cache_size": 48}))
        st0 = call(srv, "GET", "/api/v1/admin/stats").json()
        index_project(self, srv, "alpha", self.repo("alpha", 10))
        st = call(srv, "GET", "/api/v1/admin/stats").json()
        for key in ("server", "database", "caches", "index", "queues", "backups"):
            self.assertIn(key, st)
        self.assertGreater(st["database"]["sequence"], st0["database"]["sequence"])
        self.assertEqual(st["caches"]["block_cache"]["capacity_bytes"], 48 << 20)
        self.assertEqual(st["queues"]["pool"]["threads"], 2)
        self.assertEqual(st["index"]["projects"], 1)
        self.assertGreater(st["index"]["entities"], 0)
        self.assertEqual(st["server"]["state"], "serving")
        names = [c["name"] for c in st["database"]["column_families"]]
        self.assertIn("entities", names)
        ent = [c for c in st["database"]["column_families"] if c["name"] == "entities"][0]
        self.assertGreater(ent["keys"], 0)
        self.assertEqual(st["backups"]["count"], 0)
        j1 = admin_job(self, srv, "/api/v1/admin/backup")
        j2 = admin_job(self, srv, "/api/v1/admin/compact")
        st = call(srv, "GET", "/api/v1/admin/stats").json()
        self.assertEqual(st["backups"]["count"], 1)
        self.assertEqual(st["backups"]["newest"]["id"], j1["result"]["backup_id"])
        with srv.conn(30) as c:  # a request lists itself among the in-flight ones
            q = c.request("GET", "/api/v1/admin/queries",
                          headers={"Authorization": "Bearer " + ADMIN_KEY,
                                   "X-Request-Id": "probe-queries-1"}).json()
        me = [r for r in q["requests"] if r["request_id"] == "probe-queries-1"]
        self.assertEqual(len(me), 1, q["requests"])
        self.assertEqual((me[0]["method"], me[0]["path"]), ("GET", "/api/v1/admin/queries"))
        self.assertGreaterEqual(me[0]["elapsed_ms"], 0)
        self.assertGreaterEqual(q["in_flight_requests"], len(q["requests"]))
        self.assertEqual([j["id"] for j in q["admin_jobs"]], [j2["id"], j1["id"]])
        self.assertEqual([j["op"] for j in q["admin_jobs"]], ["compact", "backup"])
        lst = call(srv, "GET", "/api/v1/admin/backups").json()
        self.assertEqual([b["id"] for b in lst["items"]], [j1["result"]["backup_id"]])
        self.assertEqual(lst["items"][0]["kind"], "full")

    def test_checkpoint(self):
        srv = self.start()
        index_project(self, srv, "alpha", self.repo("alpha", 12))
        cp = os.path.join(srv.tmp, "cp", "one")
        res = admin_job(self, srv, "/api/v1/admin/checkpoint", {"path": cp})["result"]
        with open(os.path.join(cp, "MANIFEST")) as f:
            man = json.load(f)
        self.assertEqual(man["db_sequence"], res["sequence"])
        self.assertTrue(os.path.isdir(os.path.join(cp, "rocks.db")))
        failed = admin_job(self, srv, "/api/v1/admin/checkpoint", {"path": cp}, expect="failed")
        self.assertIn("already exists", failed["message"])
        self.assertEqual(failed["code"], "CG020")
        r = call(srv, "POST", "/api/v1/admin/checkpoint", {"path": "relative/dir"})
        self.assertEqual(r.status, 400, r)
        mine = call(srv, "GET", "/api/v1/projects").json()["projects"]
        other = Server({"database": {"path": os.path.join(cp, "rocks.db"),
                                     "backup_enabled": False}})
        try:
            theirs = call(other, "GET", "/api/v1/projects").json()["projects"]
        finally:
            other.stop()
        key = [(p["name"], p["files"], p["entities"], p["edges"]) for p in mine]
        self.assertEqual([(p["name"], p["files"], p["entities"], p["edges"]) for p in theirs],
                         key)

    def test_conflict_and_unknown_job(self):
        srv = self.start()
        index_project(self, srv, "alpha", self.repo("alpha", 40))
        r = call(srv, "POST", "/api/v1/admin/backup", {"rate_limit_bytes_per_s": 32768})
        self.assertEqual(r.status, 202, r)
        r2 = call(srv, "POST", "/api/v1/admin/backup-incremental")
        self.assertEqual(r2.status, 409, r2)
        self.assertEqual(r2.json()["error"]["code"], "CG020")
        r3 = call(srv, "POST", "/api/v1/admin/backup", {"rate_limit_bytes_per_s": "fast"})
        self.assertEqual(r3.status, 400, r3)
        self.assertEqual(call(srv, "GET", "/api/v1/admin/jobs/987654").status, 404)

    def test_scheduled_backup(self):
        srv = self.start(backup_enabled=True, backup_interval="1m")
        index_project(self, srv, "alpha", self.repo("alpha", 5))
        st = call(srv, "GET", "/api/v1/admin/stats").json()
        self.assertIsNotNone(st["backups"]["next_scheduled"])
        self.assertEqual(st["backups"]["count"], 0)

        def scheduled_done():
            q = call(srv, "GET", "/api/v1/admin/queries").json()
            return [j for j in q["admin_jobs"] if j["scheduled"] and j["state"] == "done"]
        jobs = poll(scheduled_done, timeout=150.0, every=1.0)
        self.assertTrue(jobs, "no scheduled backup within 150 s")
        self.assertEqual(jobs[0]["op"], "backup-incremental")
        lst = call(srv, "GET", "/api/v1/admin/backups").json()
        self.assertEqual(lst["items"][0]["id"], jobs[0]["result"]["backup_id"])
        self.assertTrue(lst["items"][0]["verified"])


if __name__ == "__main__":
    unittest.main()
