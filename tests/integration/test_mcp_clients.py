"""test_mcp_clients.py — third-party MCP clients against the real server.

Proves:
  * @modelcontextprotocol/inspector-cli (HTTP, and stdio spawning `codegraph mcp --stdio`)
    lists the 14 tools, calls list_projects, search_symbols (with typed arguments) and
    get_file_outline on an indexed repository and gets the expected entities, lists resources
    and gets a prompt;
  * @modelcontextprotocol/conformance server scenarios pass against POST /mcp:
    server-initialize, ping, tools-list (required by the issue), and also
    dns-rebinding-protection, resources-list, prompts-list. Conformance 0.1.16 needs
    fs.globSync (Node 22); tests/mcp/node20_register.mjs supplies it on Node 20.
When $CG_MCP_TRANSCRIPTS is set, the inspector-cli exchanges are saved there for the notes.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN, REPO, Server, base_config, merge, toml_dump
from test_mcp import write_repo

NODE = shutil.which("node")
MCP_NODE = os.path.join(REPO, "vendor", "npm", "node_modules", "@modelcontextprotocol")
INSPECTOR_DIR = os.path.join(MCP_NODE, "inspector-cli", "build")
CONFORMANCE = os.path.join(MCP_NODE, "conformance", "dist", "index.js")
COMPAT = os.path.join(REPO, "tests", "mcp", "node20_register.mjs")
SCENARIOS = ("server-initialize", "ping", "tools-list", "dns-rebinding-protection",
             "resources-list", "prompts-list")


def index_sample(server, repo):
    """Index `repo` as project "sample" through the REST API and wait for the job."""
    with server.conn(timeout=10) as c:
        r = c.request("POST", "/api/v1/projects", {"Content-Type": "application/json"},
                      json.dumps({"path": repo, "name": "sample"}))
    assert r.status == 202, r
    job = r.json()["job_id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        st = server.get("/api/v1/jobs/%d" % job).json()["state"]
        if st == "done":
            return
        time.sleep(0.05)
    raise AssertionError("index job did not finish")


class TestInspectorAndConformance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not NODE or not os.path.isdir(INSPECTOR_DIR):
            raise unittest.SkipTest("node or inspector-cli missing (tools/setup.sh)")
        cls.server = Server({"mcp": {"rate_limit": 0}})
        cls.repo = os.path.join(cls.server.tmp, "repo")
        write_repo(cls.repo)
        index_sample(cls.server, cls.repo)
        cls.url = cls.server.url("/mcp")
        cls.transcript = []

    @classmethod
    def tearDownClass(cls):
        out = os.environ.get("CG_MCP_TRANSCRIPTS")
        if out and cls.transcript:
            with open(os.path.join(out, "inspector.json"), "w") as f:
                json.dump(cls.transcript, f, indent=1)
        cls.server.stop()

    def inspector(self, target, *args):
        cmd = [NODE, "index.js"] + list(target) + list(args)
        # inspector-cli finds its package.json relative to the working directory
        p = subprocess.run(cmd, cwd=INSPECTOR_DIR, capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace")[-2000:])
        res = json.loads(p.stdout)
        self.transcript.append({"command": ["mcp-inspector-cli"] + list(args), "result": res})
        return res

    def check_inspector(self, target):
        tools = self.inspector(target, "--method", "tools/list")["tools"]
        self.assertEqual(len(tools), 14)
        self.assertIn("impact_analysis", [t["name"] for t in tools])
        res = self.inspector(target, "--method", "tools/call", "--tool-name", "list_projects")
        self.assertEqual([p["name"] for p in res["structuredContent"]["items"]], ["sample"])
        res = self.inspector(target, "--method", "tools/call", "--tool-name", "search_symbols",
                             "--tool-arg", "query=compute", "match=exact", "limit=5")
        self.assertFalse(res["isError"])
        self.assertEqual([i["qualified_name"] for i in res["structuredContent"]["items"]],
                         ["compute"])
        res = self.inspector(target, "--method", "tools/call", "--tool-name", "get_file_outline",
                             "--tool-arg", "path=app/util.py")
        self.assertEqual([i["name"] for i in res["structuredContent"]["items"]], ["log"])
        res = self.inspector(target, "--method", "resources/list")
        self.assertIn("codegraph://projects", [r["uri"] for r in res["resources"]])
        res = self.inspector(target, "--method", "prompts/get", "--prompt-name",
                             "review_change_impact", "--prompt-args", "paths=app/util.py")
        self.assertIn("impact_analysis", res["messages"][0]["content"]["text"])

    def test_inspector_http(self):
        self.check_inspector([self.url])

    def test_inspector_stdio(self):
        # A second store for the spawned process (RocksDB allows one process per store).
        tmp = tempfile.mkdtemp(prefix="cg-mcp-insp-")
        try:
            cfg = merge(base_config(tmp), {"parsing": {"allowed_roots": [self.server.tmp]},
                                           "logging": {"level": "warn"}})
            path = os.path.join(tmp, "config.toml")
            with open(path, "w") as f:
                f.write(toml_dump(cfg))
            p = subprocess.run([BIN, "index", self.repo, "--project", "sample", "-c", path],
                               capture_output=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.check_inspector(["--transport", "stdio", BIN, "mcp", "--stdio", "-c", path])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_conformance(self):
        tmp = tempfile.mkdtemp(prefix="cg-conformance-")
        try:
            for s in SCENARIOS:
                p = subprocess.run([NODE, "--import", COMPAT, CONFORMANCE, "server", "--url",
                                    self.url, "--scenario", s], cwd=tmp, capture_output=True,
                                   timeout=120)
                out = p.stdout.decode(errors="replace")
                self.assertEqual(p.returncode, 0, (s, out[-3000:], p.stderr[-2000:]))
                self.assertIn("0 failed", out, (s, out[-2000:]))
                self.assertNotIn("FAILURE", out, s)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
