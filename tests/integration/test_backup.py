"""test_backup.py — backups and restore with the real binary (POST /api/v1/admin/backup*,
`codegraph backup create|list|verify|restore`, `codegraph verify`).

Proves:
  * a backup → write more → incremental backup → restore cycle under load (a thread keeps
    querying and re-indexing while each backup runs): restoring the full backup gives exactly
    the projects, counts and per-file outlines recorded at that backup, restoring the
    incremental one gives those of its point and a `graph dump` of every project identical to
    the one taken before the restores; `codegraph verify` passes on each restored database.
    The incremental backup's size is printed beside the full one's;
  * kill -9 in the middle of a (rate-limited) backup leaves every earlier backup verifiable,
    the interrupted one is not listed, and the next backup works;
  * restore refuses while a server holds the database LOCK, and refuses a backup with one
    damaged byte (the database is left exactly as it was); verify names the damaged backup.
"""

import json
import os
import threading
import time
import unittest
import shutil
import tempfile

from harness import Server, run_cli

ADMIN_KEY = "ops-test-admin-key-0123456789abcdef"
JOB_TIMEOUT_S = 120.0


def write_repo(root, prefix, n, start=0, variant=""):
    """n Python modules, each with functions calling into the previous module."""
    os.makedirs(root, exist_ok=True)
    for i in range(start, start + n):
        prev = "%s_%03d" % (prefix, i - 1) if i > 0 else None
        lines = ['"""Module %d of %s%s."""' % (i, prefix, variant)]
        if prev:
            lines.append("from %s import helper_%d" % (prev, i - 1))
        for f in range(6):
            lines.append("")
            lines.append("")
            lines.append("def func_%d_%d(x):" % (i, f))
            lines.append('    """Function %d of module %d%s."""' % (f, i, variant))
            if prev and f == 0:
                lines.append("    return helper_%d(x) + %d" % (i - 1, f))
            else:
                lines.append("    return func_%d_%d(x) * 2" % (i, (f + 1) % 6) if f < 5
                             else "    return x")
        lines.append("")
        lines.append("")
        lines.append("def helper_%d(x):" % i)
        lines.append("    return func_%d_1(x)" % i)
        lines.append("")
        lines.append("")
        lines.append("class Service%d:" % i)
        lines.append("    def run(self, x):")
        lines.append("        return helper_%d(x)" % i)
        with open(os.path.join(root, "%s_%03d.py" % (prefix, i)), "w") as f:
            f.write("\n".join(lines) + "\n")


def call(srv, method, path, body=None, key=ADMIN_KEY, timeout=30):
    headers = {"Authorization": "Bearer " + key} if key else {}
    data = json.dumps(body) if body is not None else None
    if data is not None:
        headers["Content-Type"] = "application/json"
    with srv.conn(timeout) as c:
        return c.request(method, path, headers=headers, body=data, timeout=timeout)


def wait_index_job(tc, srv, job_id):
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        r = call(srv, "GET", "/api/v1/jobs/%d" % job_id)
        tc.assertEqual(r.status, 200, r)
        st = r.json()["state"]
        if st in ("done", "failed", "cancelled"):
            tc.assertEqual(st, "done", r.json())
            return r.json()
        time.sleep(0.05)
    tc.fail("index job %d did not finish" % job_id)


def index_project(tc, srv, name, path):
    r = call(srv, "POST", "/api/v1/projects", {"name": name, "path": path})
    tc.assertEqual(r.status, 202, r)
    wait_index_job(tc, srv, r.json()["job_id"])


def reindex(tc, srv, name):
    r = call(srv, "POST", "/api/v1/projects/%s/reindex" % name)
    tc.assertEqual(r.status, 202, r)
    wait_index_job(tc, srv, r.json()["job_id"])


def admin_job(tc, srv, path, body=None, expect="done"):
    """POST an admin operation (202), poll its job to the end; the final job record."""
    r = call(srv, "POST", path, body)
    tc.assertEqual(r.status, 202, r)
    job_id = r.json()["job_id"]
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        r = call(srv, "GET", "/api/v1/admin/jobs/%d" % job_id)
        tc.assertEqual(r.status, 200, r)
        j = r.json()
        if j["state"] in ("done", "failed"):
            tc.assertEqual(j["state"], expect, j)
            return j
        time.sleep(0.05)
    tc.fail("admin job %d did not finish" % job_id)


def fingerprint(tc, srv, files_by_project):
    """Projects with their counts, and every file's outline: what a restore must bring back."""
    r = call(srv, "GET", "/api/v1/projects")
    tc.assertEqual(r.status, 200, r)
    fp = {}
    for p in r.json()["projects"]:
        outlines = {}
        for path in sorted(files_by_project.get(p["name"], [])):
            o = call(srv, "GET", "/api/v1/projects/%s/outline?path=%s&limit=1000"
                     % (p["name"], path))
            tc.assertIn(o.status, (200, 404), o)
            outlines[path] = None if o.status == 404 else [
                (e["qualified_name"], e["kind"], e["line"], e["end_line"])
                for e in o.json()["items"]]
        fp[p["name"]] = {"files": p["files"], "entities": p["entities"], "edges": p["edges"],
                         "outlines": outlines}
    return fp


def meta_new_bytes(srv, prev, cur):
    """Bytes of the files of backup `cur` that backup `prev` does not reference, computed
    from RocksDB's own meta files (the figure the backup reports as new_bytes)."""
    engine = os.path.join(srv.tmp, "backups", "rocksdb")

    def files(i):
        with open(os.path.join(engine, "meta", str(i))) as f:
            return {ln.split()[0] for ln in f.read().splitlines()[3:] if " crc32 " in ln}
    old = files(prev)
    return sum(os.path.getsize(os.path.join(engine, p)) for p in files(cur) - old)


def names(prefix, n):
    return ["%s_%03d.py" % (prefix, i) for i in range(n)]


class Load(threading.Thread):
    """Queries and re-index requests in a loop; records each answer's status and time."""

    def __init__(self, srv, reindex_project):
        super().__init__(daemon=True)
        self.srv = srv
        self.project = reindex_project
        self.stop_evt = threading.Event()
        self.log = []          # (monotonic_s, what, status)
        self.bad = []

    def run(self):
        while not self.stop_evt.is_set():
            for what, method, path, ok in (
                    ("list", "GET", "/api/v1/projects", (200,)),
                    ("symbols", "GET", "/api/v1/projects/%s/symbols?q=func&match=prefix"
                     % self.project, (200,)),
                    ("reindex", "POST", "/api/v1/projects/%s/reindex" % self.project,
                     (202, 409))):
                try:
                    r = call(self.srv, method, path, timeout=30)
                    status = r.status
                except Exception as e:      # noqa: BLE001 — any failure is a finding
                    status = repr(e)
                self.log.append((time.time(), what, status))
                if status not in ok:
                    self.bad.append((what, status))
            time.sleep(0.01)

    def stop(self):
        self.stop_evt.set()
        self.join(30)

    def during(self, job):
        """Answers completed while the admin job ran (wall clock of its record)."""
        a, b = job["started_ms"] / 1000.0, job["finished_ms"] / 1000.0
        return [x for x in self.log if a <= x[0] <= b]


def cli(srv, *args):
    return run_cli(list(args) + ["--config", srv.config_path], cwd=srv.tmp, timeout=120)


def server_config(src_root):
    return {"database": {"backup_path": "backups", "backup_enabled": False},
            "parsing": {"allowed_roots": [src_root]},
            "security": {"admin_api_key_required": True, "admin_api_keys": [ADMIN_KEY]}}


class BackupTest(unittest.TestCase):

    def setUp(self):
        self.src = tempfile.mkdtemp(prefix="cg-backup-src-")
        self.srv = None

    def tearDown(self):
        if self.srv:
            self.srv.stop()
        shutil.rmtree(self.src, ignore_errors=True)

    def restart(self):
        self.srv.start()
        return self.srv

    def dumps(self, projects):
        out = {}
        for p in projects:
            rc, so, se = cli(self.srv, "graph", "dump", p)
            self.assertEqual(rc, 0, se)
            out[p] = so
        return out

    def test_cycle_under_load(self):
        alpha, beta, gamma = (os.path.join(self.src, x) for x in ("alpha", "beta", "gamma"))
        write_repo(alpha, "alpha", 120)
        write_repo(beta, "beta", 40)
        # No L0 compaction between the backups (a small database would otherwise be rewritten
        # whole by the first one, as a big one is not): the incremental then copies only what
        # the new writes added.
        cfg = server_config(self.src)
        cfg["database"].update({"level0_file_num_compaction_trigger": 100,
                                "level0_slowdown_writes_trigger": 200,
                                "level0_stop_writes_trigger": 300})
        self.srv = srv = Server(cfg)
        index_project(self, srv, "alpha", alpha)
        index_project(self, srv, "beta", beta)
        # Settle the base as a long-running server's is: RocksDB rewrites bottommost files in
        # the background once the snapshots older than their data are released (to zero the
        # sequence numbers), and each project pins the snapshot of its last publish. So publish
        # both projects again (unchanged files: nothing re-parsed), then optimize, which
        # rewrites the bottommost level with every sequence number zeroed.
        reindex(self, srv, "alpha")
        reindex(self, srv, "beta")
        admin_job(self, srv, "/api/v1/admin/optimize")
        load = Load(srv, "beta")
        load.start()
        try:
            # Rate-limited so each backup spans many load requests.
            full = admin_job(self, srv, "/api/v1/admin/backup",
                             {"rate_limit_bytes_per_s": 4 << 20})
            # every file name of the test (later ones answer 404 here)
            files = {"alpha": names("alpha", 135), "beta": names("beta", 40),
                     "gamma": names("gamma", 8)}
            fp1 = fingerprint(self, srv, files)
            # write more: new and changed modules in alpha, a new project gamma
            write_repo(alpha, "alpha", 15, start=120)
            write_repo(alpha, "alpha", 3, start=10, variant=" (edited)")
            reindex(self, srv, "alpha")
            write_repo(gamma, "gamma", 8)
            index_project(self, srv, "gamma", gamma)
            incr = admin_job(self, srv, "/api/v1/admin/backup-incremental",
                             {"rate_limit_bytes_per_s": 4 << 20})
            fp2 = fingerprint(self, srv, files)
        finally:
            load.stop()
        self.assertEqual(load.bad, [], "load requests failed during backups")
        for job in (full, incr):
            self.assertGreater(len(load.during(job)), 0, "no load while %s ran" % job["op"])
        r1, r2 = full["result"], incr["result"]
        self.assertEqual((r1["kind"], r2["kind"]), ("full", "incremental"))
        self.assertTrue(r1["verified"] and r2["verified"])
        self.assertGreater(r2["sequence"], r1["sequence"])
        self.assertLess(r2["new_bytes"], r2["size_bytes"], (r1, r2))
        self.assertEqual(r2["new_bytes"], meta_new_bytes(srv, r1["backup_id"], r2["backup_id"]))
        print("\n  full backup %d: %d bytes (%d files) in %d ms; incremental backup %d: "
              "%d new bytes of %d referenced (%.1f%% of the full) in %d ms; load answers "
              "during them: %d / %d"
              % (r1["backup_id"], r1["size_bytes"], r1["files"], r1["elapsed_ms"],
                 r2["backup_id"], r2["new_bytes"], r2["size_bytes"],
                 100.0 * r2["new_bytes"] / r1["size_bytes"], r2["elapsed_ms"],
                 len(load.during(full)), len(load.during(incr))))
        self.assertNotEqual(fp1, fp2)
        self.assertNotIn("gamma", fp1)

        srv.stop(remove=False)
        dumps2 = self.dumps(["alpha", "beta", "gamma"])
        rc, so, se = cli(srv, "backup", "verify")
        self.assertEqual(rc, 0, so + se)
        # restore the full backup: the state recorded right after it
        rc, so, se = cli(srv, "backup", "restore", str(r1["backup_id"]))
        self.assertEqual(rc, 0, so + se)
        self.assertIn("previous database kept at", so)
        rc, so, se = cli(srv, "verify")
        self.assertEqual(rc, 0, so + se)
        self.restart()
        self.assertEqual(fingerprint(self, srv, files), fp1)
        srv.stop(remove=False)
        # restore the incremental backup: its state, graph dumps identical
        rc, so, se = cli(srv, "backup", "restore", str(r2["backup_id"]))
        self.assertEqual(rc, 0, so + se)
        self.restart()
        self.assertEqual(fingerprint(self, srv, files), fp2)
        srv.stop(remove=False)
        self.assertEqual(self.dumps(["alpha", "beta", "gamma"]), dumps2)
        rc, so, se = cli(srv, "verify")
        self.assertEqual(rc, 0, so + se)

    def test_kill9_during_backup_keeps_earlier_backups(self):
        alpha = os.path.join(self.src, "alpha")
        write_repo(alpha, "alpha", 150)
        self.srv = srv = Server(server_config(self.src))
        index_project(self, srv, "alpha", alpha)
        b1 = admin_job(self, srv, "/api/v1/admin/backup")["result"]["backup_id"]
        write_repo(alpha, "alpha", 30, start=150)
        reindex(self, srv, "alpha")
        b2 = admin_job(self, srv, "/api/v1/admin/backup-incremental")["result"]["backup_id"]
        write_repo(alpha, "alpha", 30, start=180)
        reindex(self, srv, "alpha")
        # a full backup at 64 KiB/s takes far longer than it takes us to see it copying
        r = call(srv, "POST", "/api/v1/admin/backup", {"rate_limit_bytes_per_s": 65536})
        self.assertEqual(r.status, 202, r)
        engine = os.path.join(srv.tmp, "backups", "rocksdb")
        copying = None
        deadline = time.monotonic() + 30
        while copying is None and time.monotonic() < deadline:
            for d, _, files in os.walk(engine):
                names = [os.path.basename(d)] + files
                hit = [n for n in names if n.endswith(".tmp")]
                if hit:
                    copying = hit[0]
                    break
            time.sleep(0.01)
        self.assertIsNotNone(copying, "the backup never started copying")
        job = call(srv, "GET", "/api/v1/admin/jobs/%d" % r.json()["job_id"]).json()
        self.assertEqual(job["state"], "running", job)
        srv.kill()
        srv.cleanup(remove=False)
        rc, so, se = cli(srv, "backup", "list", "--json")
        self.assertEqual(rc, 0, se)
        ids = [json.loads(ln)["id"] for ln in so.splitlines() if ln.strip()]
        self.assertEqual(ids, [b1, b2], "the interrupted backup must not be listed")
        rc, so, se = cli(srv, "backup", "verify")
        self.assertEqual(rc, 0, so + se)
        self.assertIn("2 of 2 backup(s) verified", so)
        # the next backup (offline, from the CLI) works and is verifiable too
        rc, so, se = cli(srv, "backup", "create", "--incremental")
        self.assertEqual(rc, 0, so + se)
        rc, so, se = cli(srv, "backup", "verify")
        self.assertEqual(rc, 0, so + se)
        self.assertIn("3 of 3 backup(s) verified", so)
        print("\n  killed while copying %s; backups %d and %d verified afterwards"
              % (copying, b1, b2))

    def test_restore_refusals(self):
        alpha = os.path.join(self.src, "alpha")
        write_repo(alpha, "alpha", 30)
        self.srv = srv = Server(server_config(self.src))
        index_project(self, srv, "alpha", alpha)
        b1 = admin_job(self, srv, "/api/v1/admin/backup")["result"]["backup_id"]
        # the server holds the database: restore refuses and touches nothing
        rc, so, se = cli(srv, "backup", "restore", str(b1))
        self.assertEqual(rc, 1, so + se)
        self.assertIn("LOCK", se)
        write_repo(alpha, "alpha", 10, start=30)
        reindex(self, srv, "alpha")
        srv.stop(remove=False)
        before = self.dumps(["alpha"])
        # damage one byte of one file of the backup
        engine = os.path.join(srv.tmp, "backups", "rocksdb")
        with open(os.path.join(engine, "meta", str(b1))) as f:
            victims = [ln.split()[0] for ln in f.read().splitlines()[3:] if ".sst" in ln]
        self.assertTrue(victims)
        with open(os.path.join(engine, victims[0]), "r+b") as f:
            f.seek(40)
            byte = f.read(1)
            f.seek(40)
            f.write(bytes([byte[0] ^ 0x5A]))
        rc, so, se = cli(srv, "backup", "verify", str(b1))
        self.assertEqual(rc, 1, so + se)
        self.assertIn("backup %d: FAILED" % b1, se)
        rc, so, se = cli(srv, "backup", "restore", str(b1))
        self.assertEqual(rc, 1, so + se)
        self.assertIn("refusing to restore backup %d" % b1, se)
        self.assertEqual(self.dumps(["alpha"]), before, "a refused restore changed the database")
        db_dir = os.path.dirname(srv.config["database"]["path"])
        self.assertEqual([n for n in os.listdir(db_dir) if "restore" in n], [])


if __name__ == "__main__":
    unittest.main()
