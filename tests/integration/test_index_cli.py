"""codegraph index / projects / stats from the shell, on a temp repository.

Proves: a first index stores every source file and publishes generation 1; a re-index
of an unchanged tree parses nothing; modify / add / delete / rename are picked up
(counts and the project's file/entity totals follow); a binary file, an over-long
line file, a huge file and a file with syntax errors never stop the job; symlinks
leaving the root and paths outside allowed_roots are refused; everything survives
a restart of the process (a new `codegraph projects` sees the same graph); --json
emits NDJSON progress and a final "done" event.
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN

PY_MAIN = '''"""Main module."""
import util


def main():
    """Entry point."""
    return util.helper(1) + local()


def local():
    return 2


class Base:
    def run(self):
        return main()


class Child(Base):
    def run(self):
        return super().run()
'''

PY_UTIL = '''def helper(x):
    """Double x."""
    return x * 2
'''

JS_APP = '''// App entry.
function start() { return greet("x"); }
function greet(name) { return "hi " + name; }
class Widget extends Object { render() { return start(); } }
'''


class IndexCli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cg-index-")
        self.repo = os.path.join(self.tmp, "repo")
        os.makedirs(os.path.join(self.repo, "pkg"))
        self.write("pkg/main.py", PY_MAIN)
        self.write("pkg/util.py", PY_UTIL)
        self.write("app.js", JS_APP)
        self.data = os.path.join(self.tmp, "data", "rocks.db")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rel, text, mode="w"):
        path = os.path.join(self.repo, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as f:
            f.write(text)

    def cg(self, *args, check=True):
        cmd = [BIN, *args, "--set", "database.path=" + self.data,
               "--set", "parsing.allowed_roots=" + self.tmp]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            self.fail(f"{cmd} -> {p.returncode}\nstdout:{p.stdout}\nstderr:{p.stderr}")
        return p

    def index(self):
        p = self.cg("index", self.repo, "--project", "demo", "--json")
        events = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
        self.assertTrue(events, "no NDJSON events")
        self.assertEqual(events[-1]["event"], "done")
        self.assertIs(events[-1]["walking"], False)  # the walk ended before the job did
        for e in events[:-1]:
            self.assertEqual(e["event"], "progress")
            self.assertIsInstance(e["walking"], bool)
        return events[-1]

    def project(self):
        p = self.cg("projects", "--json")
        doc = json.loads(p.stdout)
        self.assertEqual(doc["total"], 1)
        return doc["projects"][0]

    def test_first_index_and_unchanged_reindex(self):
        done = self.index()
        self.assertEqual(done["files_total"], 3)
        self.assertEqual(done["files_indexed"], 3)
        self.assertEqual(done["files_failed"], 0)
        pr = self.project()
        self.assertEqual(pr["name"], "demo")
        self.assertEqual(pr["root"], os.path.realpath(self.repo))
        self.assertEqual(pr["generation"], 1)
        self.assertEqual(pr["files"], 3)
        # main, local, Base, Base.run, Child, Child.run, helper, start, greet, Widget, render
        self.assertGreaterEqual(pr["entities"], 11)
        self.assertGreater(pr["edges"], 0)
        again = self.index()
        self.assertEqual(again["files_indexed"], 0)
        self.assertEqual(again["files_unchanged"], 3)
        self.assertEqual(self.project()["generation"], 2)

    def test_modify_add_delete_rename(self):
        self.index()
        before = self.project()["entities"]
        self.write("pkg/util.py", PY_UTIL + "\n\ndef triple(x):\n    return x * 3\n")
        self.write("pkg/extra.py", "def extra():\n    return 1\n")
        os.remove(os.path.join(self.repo, "app.js"))
        os.rename(os.path.join(self.repo, "pkg/main.py"), os.path.join(self.repo, "pkg/entry.py"))
        done = self.index()
        self.assertEqual(done["files_total"], 3)          # util, extra, entry (walked)
        self.assertEqual(done["files_indexed"], 3)        # util changed, extra + entry new
        self.assertEqual(done["files_deleted"], 2)        # app.js and the old main.py
        pr = self.project()
        self.assertEqual(pr["files"], 3)
        # -4 JS entities (start, greet, Widget, render) +1 triple +1 extra
        self.assertEqual(pr["entities"], before - 4 + 2)

    def test_bad_files_do_not_stop_the_job(self):
        self.write("bin.py", "x = 1\n\0\0\0binary\n")
        self.write("long.py", "x = '" + "a" * 20000 + "'\n")
        self.write("broken.py", "def ok():\n    return 1\n\ndef broken(:\n    pass\n")
        with open(os.path.join(self.repo, "huge.py"), "w") as f:
            f.write("# " + "x" * 100 + "\n" * 1)
            f.truncate(2 * 1024 * 1024)
        os.symlink("/etc/passwd", os.path.join(self.repo, "escape.py"))
        os.symlink("../../etc/hostname", os.path.join(self.repo, "dotdot.py"))
        p = self.cg("index", self.repo, "--project", "demo", "--json",
                    "--set", "parsing.max_file_size=1MB")
        done = json.loads(p.stdout.splitlines()[-1])
        self.assertEqual(done["event"], "done")
        self.assertEqual(done["files_failed"], 0)
        # main, util, app, broken indexed; bin + long refused by content checks
        self.assertEqual(done["files_indexed"], 4)
        self.assertEqual(done["files_skipped"], 2)
        self.assertNotIn("root:x:0:0", p.stdout + p.stderr)

    def test_memory_budget_back_pressure_still_finishes(self):
        for i in range(20):
            self.write(f"gen/m{i}.py", f"def f{i}():\n    return {i}\n")
        # 16MB x 0.01 is far below any RSS: every job runs one file at a time, and finishes.
        p = self.cg("index", self.repo, "--project", "demo", "--json",
                    "--set", "performance.max_memory_usage=16MB",
                    "--set", "performance.memory_pressure_threshold=0.01")
        done = json.loads(p.stdout.splitlines()[-1])
        self.assertEqual(done["event"], "done")
        self.assertEqual(done["files_indexed"], 23)
        self.assertEqual(done["files_failed"], 0)

    def test_outside_allowed_roots_refused(self):
        other = tempfile.mkdtemp(prefix="cg-outside-")
        try:
            p = self.cg("index", other, "--project", "x", check=False)
            self.assertEqual(p.returncode, 64)
            self.assertIn("allowed", p.stderr)
        finally:
            shutil.rmtree(other, ignore_errors=True)

    def test_restart_keeps_everything(self):
        self.index()
        first = self.project()
        stats = json.loads(self.cg("stats", "--json").stdout)
        self.assertGreater(stats["database"]["size_bytes"], 0)
        self.assertEqual(stats["projects"]["projects"][0]["entities"], first["entities"])
        self.assertEqual(self.project(), first)


if __name__ == "__main__":
    unittest.main()


class GrammarsCli(unittest.TestCase):
    """`codegraph grammars list|test`: every language is compiled in; errors are located."""

    LANGS = ["rust", "python", "javascript", "typescript", "go", "java", "cpp", "c",
             "csharp", "kotlin", "php", "ruby", "swift", "scala", "dart"]

    def run_cg(self, *args):
        return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)

    def test_list_has_all_15_languages(self):
        p = self.run_cg("grammars", "list")
        self.assertEqual(p.returncode, 0)
        names = {line.split()[0] for line in p.stdout.splitlines()[1:]}
        self.assertEqual(names, set(self.LANGS))
        self.assertIn("tsx", p.stdout)

    def test_parse_clean_and_broken(self):
        with tempfile.TemporaryDirectory() as d:
            good = os.path.join(d, "good.py")
            bad = os.path.join(d, "bad.py")
            with open(good, "w") as f:
                f.write("def ok():\n    return 1\n")
            with open(bad, "w") as f:
                f.write("x = 1\ndef broken(:\n    pass\n")
            p = self.run_cg("grammars", "test", "python", good)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("syntax errors: 0", p.stdout)
            self.assertIn("function   ok", p.stdout)
            p = self.run_cg("grammars", "test", "python", bad)
            self.assertEqual(p.returncode, 1)
            self.assertIn("line 2", p.stdout)
            p = self.run_cg("grammars", "test", "cobol", good)
            self.assertEqual(p.returncode, 64)
