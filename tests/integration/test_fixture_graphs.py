"""The exact resolved graph of a fixture repository in each of the 15 languages.

Proves: for every language, indexing tests/fixtures/<lang>/ with the real binary
(`codegraph index`) and dumping it (`codegraph graph dump`) yields exactly the lines of
tests/fixtures/<lang>/expected.graph — every entity (kind, qualified name, path:line),
every non-contains edge (kind, source, target, resolution exact|import|name) and every
unresolved reference, nothing missing and nothing extra; and every fixture file parses
without a syntax error (`codegraph grammars test`), so the graph is not built on error
recovery. The expected files were written
by hand from the languages' rules; places where the indexer knowingly differs from a
perfect answer are kept in them and explained by `# known gap:` comments (comment and
blank lines are ignored here). A second dump of the same index must be identical
(the dump is deterministic).
"""
import difflib
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, REPO, clean_env, require_binary

FIXTURES = os.path.join(REPO, "tests", "fixtures")
CLI_TIMEOUT_S = 120


def expected_lines(lang):
    with open(os.path.join(FIXTURES, lang, "expected.graph"), encoding="utf-8") as f:
        return [ln.rstrip("\n") for ln in f
                if ln.strip() and not ln.lstrip().startswith("#")]


class FixtureGraphs(unittest.TestCase):
    def setUp(self):
        require_binary()
        self.tmp = tempfile.mkdtemp(prefix="cg-fixture-")
        self.data = os.path.join(self.tmp, "data", "rocks.db")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cg(self, *args, store=True):
        cmd = [BIN, *args]
        if store:
            cmd += ["--set", "database.path=" + self.data,
                    "--set", "parsing.allowed_roots=" + self.tmp]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT_S,
                           env=clean_env())
        if p.returncode != 0:
            self.fail(f"{cmd} -> {p.returncode}\nstdout:{p.stdout}\nstderr:{p.stderr}")
        return p.stdout

    def check(self, lang):
        for dirpath, _, names in os.walk(os.path.join(FIXTURES, lang)):
            for n in names:
                if n != "expected.graph":
                    self.cg("grammars", "test", lang, os.path.join(dirpath, n), store=False)
        repo = os.path.join(self.tmp, lang)
        shutil.copytree(os.path.join(FIXTURES, lang), repo,
                        ignore=shutil.ignore_patterns("expected.graph"))
        self.cg("index", repo, "--project", lang)
        got = self.cg("graph", "dump", lang).splitlines()
        want = expected_lines(lang)
        if got != want:
            diff = "\n".join(difflib.unified_diff(want, got, "expected.graph", "dump",
                                                  lineterm=""))
            self.fail(f"{lang}: the graph differs from expected.graph\n{diff}")
        self.assertEqual(self.cg("graph", "dump", lang).splitlines(), got,
                         "a second dump differs")

    def test_c(self):
        self.check("c")

    def test_cpp(self):
        self.check("cpp")

    def test_csharp(self):
        self.check("csharp")

    def test_dart(self):
        self.check("dart")

    def test_go(self):
        self.check("go")

    def test_java(self):
        self.check("java")

    def test_javascript(self):
        self.check("javascript")

    def test_kotlin(self):
        self.check("kotlin")

    def test_php(self):
        self.check("php")

    def test_python(self):
        self.check("python")

    def test_ruby(self):
        self.check("ruby")

    def test_rust(self):
        self.check("rust")

    def test_scala(self):
        self.check("scala")

    def test_swift(self):
        self.check("swift")

    def test_typescript(self):
        self.check("typescript")


class DumpJson(unittest.TestCase):
    """--json carries the same entities, edges and unresolved references as the text."""

    def test_json_matches_text(self):
        import json
        require_binary()
        tmp = tempfile.mkdtemp(prefix="cg-fixture-")
        self.addCleanup(shutil.rmtree, tmp, True)
        repo = os.path.join(tmp, "python")
        shutil.copytree(os.path.join(FIXTURES, "python"), repo)
        sets = ["--set", "database.path=" + os.path.join(tmp, "db"),
                "--set", "parsing.allowed_roots=" + tmp]
        run = lambda *a: subprocess.run([BIN, *a, *sets], capture_output=True, text=True,
                                        timeout=CLI_TIMEOUT_S, env=clean_env())
        self.assertEqual(run("index", repo).returncode, 0)
        text = run("graph", "dump", "python").stdout.splitlines()
        j = json.loads(run("graph", "dump", "python", "--json").stdout)
        self.assertEqual(j["generation"], 1)
        ents = [l for l in text if l.startswith("entity ")]
        self.assertEqual(len(j["entities"]), len(ents))
        self.assertIn({"kind": "class", "qualified_name": "Ring", "path": "main.py",
                       "line": 6}, j["entities"])
        self.assertIn({"kind": "inherits", "source": "main.py:Ring",
                       "target": "shapes.py:Circle", "resolution": "import"}, j["edges"])
        self.assertEqual(len(j["edges"]), len([l for l in text if l.startswith("edge ")]))
        self.assertEqual(len(j["unresolved"]),
                         len([l for l in text if l.startswith("unresolved ")]))
        self.assertIn({"kind": "import", "source": "main.py", "name": "json"},
                      j["unresolved"])
        p = run("graph", "dump", "nope")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no project", p.stderr)


if __name__ == "__main__":
    unittest.main()
