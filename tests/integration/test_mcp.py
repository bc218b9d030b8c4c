"""test_mcp.py — the MCP server through the official TypeScript SDK client, over Streamable
HTTP (POST /mcp) and over stdio (`codegraph mcp --stdio`), on a small repository written here.

Proves, for both transports (tests/mcp/sdk_client.mjs drives the SDK; it validates every
structuredContent against the tool's outputSchema, so a schema mismatch is a failed call):
  * tools/list has the 14 tools, each with an object inputSchema, an outputSchema and
    annotations.readOnlyHint (false only for index_repository);
  * index_repository returns a job id and index_status with that job_id reaches "done";
  * every graph tool answers with the exact expected entities (definitions, ranked for the
    use site: its own file first, then the modules it imports; outline in source order,
    references, callers at depth 1 and 2 with their depth, callees, the call path
    main → helper → compute, impact of an entity and of a changed file), code snippets hold the
    source lines, and the search tools either answer with entities or say honestly (isError)
    that the capability is unavailable;
  * error cases: unknown tool → JSON-RPC -32602; unknown/missing/mistyped/out-of-range
    arguments, unknown project or entity, an ambiguous symbol, a forged cursor, a path with
    "..", a directory outside allowed_roots, source of an ignored file or of a path outside
    the root → isError results with a sentence (and no file content);
  * paging: limit 2 + cursor walks a file's outline exactly once; a 400-function file comes
    back in pages of which none exceeds the 64 KiB answer bound (measured on the raw HTTP
    answer), together exactly the 400 functions;
  * resources (list, templates, read of a file outline) and prompts (list, get), ping;
  * /metrics counts calls and errors per tool and has the latency histogram per tool.
Transcripts of both runs are written to $CG_MCP_TRANSCRIPTS (when set) for the notes.
"""

import json
import os
import shutil
import subprocess
import unittest

from harness import BIN, REPO, Server, toml_dump, merge, base_config
import tempfile

NODE = shutil.which("node")
SDK_CLIENT = os.path.join(REPO, "tests", "mcp", "sdk_client.mjs")
SDK_DIR = os.path.join(REPO, "vendor", "npm", "node_modules", "@modelcontextprotocol", "sdk")

MAIN_PY = '''"""Entry points."""
from app import util


def main():
    """Run everything."""
    helper()
    util.log("start")


def helper():
    return compute(1)


def compute(x):
    return x * 2


class Base:
    def run(self):
        return compute(3)


class Child(Base):
    def run(self):
        return helper()
'''

UTIL_PY = '''def log(msg):
    print(msg)
'''

USE_PY = '''from app.util import log


def shout(msg):
    return log(msg)
'''

OTHER_PY = '''def log(msg):
    pass
'''

BIG_FUNCS = 400
TOOLS = {"search_code", "search_symbols", "semantic_search", "find_similar", "get_code_snippet",
         "get_file_outline", "go_to_definition", "find_references", "trace_path", "find_path",
         "impact_analysis", "list_projects", "index_status", "index_repository"}
RESPONSE_MAX = 64 * 1024


def big_py():
    doc = "Documentation line that is long enough to matter. " * 8
    return "".join('def function_number_%d(argument_one, argument_two):\n    """%s"""\n'
                   '    return argument_one + %d\n\n' % (i, doc, i) for i in range(BIG_FUNCS))


def write_repo(root):
    files = {"app/main.py": MAIN_PY, "app/util.py": UTIL_PY, "app/big.py": big_py(),
             "app/use.py": USE_PY, "app/other.py": OTHER_PY,
             "app/secret.log": "TOKEN=hunter2\n"}   # ignored by default (*.log)
    for rel, text in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)


def require_node():
    if not NODE or not os.path.isdir(SDK_DIR):
        raise unittest.SkipTest("node or @modelcontextprotocol/sdk missing (tools/setup.sh)")


def run_sdk(args, name):
    """Run sdk_client.mjs; the parsed report (and the transcript saved when asked)."""
    out_dir = os.environ.get("CG_MCP_TRANSCRIPTS")
    extra = ["--transcript", os.path.join(out_dir, name + ".json")] if out_dir else []
    p = subprocess.run([NODE, SDK_CLIENT] + args + extra, capture_output=True, timeout=180)
    if p.returncode != 0:
        raise AssertionError("sdk client failed:\n" + p.stderr.decode(errors="replace")[-3000:])
    return json.loads(p.stdout)


def names(res):
    return [i["qualified_name"] for i in res["structuredContent"]["items"]]


class McpChecks:
    """Assertions on one SDK report (shared by the HTTP and stdio runs)."""

    def check_tools(self, rep):
        tools = {t["name"]: t for t in rep["tools"]}
        self.assertEqual(set(tools), TOOLS)
        for name, t in tools.items():
            self.assertEqual(t["inputSchema"]["type"], "object", name)
            self.assertEqual(t["outputSchema"]["type"], "object", name)
            self.assertTrue(t["description"], name)
            self.assertIs(t["annotations"]["readOnlyHint"], name != "index_repository", name)

    def ok(self, rep, label):
        res = rep["calls"][label]
        self.assertNotIn("rpc_error", res, label)
        self.assertFalse(res.get("isError"), (label, res))
        sc = res["structuredContent"]
        # the text block is the same JSON (for clients that ignore structuredContent)
        self.assertEqual(json.loads(res["content"][0]["text"]), sc, label)
        return sc

    def error_text(self, rep, label):
        res = rep["calls"][label]
        self.assertNotIn("rpc_error", res, label)
        self.assertTrue(res.get("isError"), (label, res))
        self.assertNotIn("structuredContent", res, label)
        return res["content"][0]["text"]

    def check_graph(self, rep):
        job = rep["calls"]["index_status_job"]["structuredContent"]["job"]
        self.assertEqual(job["state"], "done")
        self.assertIs(job["walking"], False)  # the walk ends before the job does
        projects = self.ok(rep, "list_projects")["items"]
        self.assertEqual([p["name"] for p in projects], ["sample"])
        st = self.ok(rep, "index_status")
        self.assertGreaterEqual(st["generation"], 1)
        self.assertEqual(st["coverage"]["files"], 5)
        self.assertFalse(st["freshness"]["stale"])
        self.assertIn("compute", names(rep["calls"]["search_symbols"]))
        self.assertEqual(names(rep["calls"]["search_symbols_exact"]), ["helper"])
        d = self.ok(rep, "go_to_definition")["items"]
        self.assertEqual([(i["qualified_name"], i["path"], i["line"]) for i in d],
                         [("helper", "app/main.py", 11)])
        # two definitions of log: the use site's own file first, then what it imports
        for label, first in (("go_to_definition_imported", "app/util.py"),
                             ("go_to_definition_local", "app/other.py")):
            d = self.ok(rep, label)["items"]
            self.assertEqual(sorted(i["path"] for i in d), ["app/other.py", "app/util.py"])
            self.assertEqual(d[0]["path"], first, label)
        sn = self.ok(rep, "get_code_snippet")
        self.assertEqual(sn["code"], "def compute(x):\n    return x * 2\n")
        self.assertEqual((sn["start_line"], sn["end_line"], sn["stale"]), (15, 16, False))
        rg = self.ok(rep, "get_code_snippet_range")
        self.assertEqual(rg["code"], '"""Entry points."""\nfrom app import util\n\n')
        self.assertEqual(names(rep["calls"]["get_file_outline"]),
                         ["main", "helper", "compute", "Base", "Base.run", "Child", "Child.run"])
        self.assertEqual(sorted(names(rep["calls"]["find_references"])), ["Base.run", "helper"])
        tr = self.ok(rep, "trace_path")
        self.assertEqual(sorted((i["qualified_name"], i["depth"]) for i in tr["items"]),
                         [("Base.run", 1), ("Child.run", 2), ("helper", 1), ("main", 2)])
        ce = self.ok(rep, "trace_path_callees")
        self.assertEqual({(i["qualified_name"], i["depth"]) for i in ce["items"]},
                         {("helper", 1), ("log", 1), ("compute", 2)})
        fp = self.ok(rep, "find_path")
        self.assertTrue(fp["found"])
        self.assertEqual([i["qualified_name"] for i in fp["items"]], ["main", "helper", "compute"])
        im = self.ok(rep, "impact_analysis")
        self.assertEqual(sorted(names(rep["calls"]["impact_analysis"])),
                         ["Base.run", "Child.run", "helper", "main"])
        self.assertEqual(im["affected_files"], ["app/main.py"])
        imf = self.ok(rep, "impact_analysis_files")
        self.assertIn("main", names(rep["calls"]["impact_analysis_files"]))
        self.assertNotIn("log", names(rep["calls"]["impact_analysis_files"]))
        self.assertEqual(imf["paths"], ["app/util.py"])

    def check_search(self, rep):
        for label in ("search_code", "semantic_search", "find_similar"):
            res = rep["calls"][label]
            self.assertNotIn("rpc_error", res, label)
            if res.get("isError"):   # honest: says the capability is unavailable
                self.assertIn("unavailable", res["content"][0]["text"], label)
            else:
                items = res["structuredContent"]["items"]
                self.assertTrue(items, label)
                for i in items:
                    self.assertIn("score", i)
                    self.assertTrue(i["path"].startswith("app/"), i)
        res = rep["calls"]["search_code"]
        if not res.get("isError"):
            self.assertIn("compute", names(res))

    def check_errors(self, rep):
        self.assertEqual(rep["calls"]["err_unknown_tool"]["rpc_error"]["code"], -32602)
        self.assertIn('"bogus"', self.error_text(rep, "err_unknown_arg"))
        self.assertIn('"query"', self.error_text(rep, "err_missing_arg"))
        self.assertIn("integer", self.error_text(rep, "err_bad_type"))
        self.assertIn("from 1 to 10", self.error_text(rep, "err_range"))
        self.assertIn("sample", self.error_text(rep, "err_project"))
        self.assertIn("987654321", self.error_text(rep, "err_entity"))
        amb = self.error_text(rep, "err_ambiguous")
        self.assertIn("Base.run", amb)
        self.assertIn("Child.run", amb)
        self.assertIn("cursor", self.error_text(rep, "err_cursor"))
        self.assertIn("..", self.error_text(rep, "err_path"))
        for label in ("err_ignored_file", "err_escape"):   # never served, whatever the path
            self.assertNotIn("hunter2", self.error_text(rep, label))
            self.assertIn("No indexed file", self.error_text(rep, label))
        self.assertIn("allowed_roots", self.error_text(rep, "err_index_outside"))

    def check_pages(self, rep):
        pages = rep["pages"]["outline"]
        seen = [i["qualified_name"] for p in pages for i in p["structuredContent"]["items"]]
        self.assertEqual(seen, ["main", "helper", "compute", "Base", "Base.run", "Child",
                                "Child.run"])
        self.assertTrue(all(p["structuredContent"]["truncated"] for p in pages[:-1]))
        self.assertIsNone(pages[-1]["structuredContent"]["cursor"])
        big = [i["name"] for p in rep["pages"]["big"] for i in p["structuredContent"]["items"]]
        self.assertEqual(big, ["function_number_%d" % i for i in range(BIG_FUNCS)])
        self.assertGreater(len(rep["pages"]["big"]), 1)   # the byte bound cut pages short

    def check_rest(self, rep):
        uris = [r["uri"] for r in rep["resources"]["resources"]]
        self.assertIn("codegraph://projects", uris)
        self.assertEqual(len(uris), 2)
        tmpl = [t["uriTemplate"] for t in rep["resource_templates"]["resourceTemplates"]]
        self.assertIn("codegraph://projects/{project}/outline/{path}", tmpl)
        body = json.loads(rep["resource_read"]["contents"][0]["text"])
        self.assertEqual([i["name"] for i in body["items"]], ["log"])
        self.assertEqual({p["name"] for p in rep["prompts"]["prompts"]},
                         {"explore_symbol", "review_change_impact"})
        self.assertIn('"compute"', rep["prompt"]["messages"][0]["content"]["text"])
        self.assertEqual(rep["ping"], {})


class TestMcpHttpSdk(unittest.TestCase, McpChecks):
    @classmethod
    def setUpClass(cls):
        require_node()
        cls.server = Server({"mcp": {"rate_limit": 0}})
        cls.repo = os.path.join(cls.server.tmp, "repo")
        write_repo(cls.repo)
        cls.report = run_sdk(["--http", cls.server.url("/mcp"), "--repo", cls.repo], "http")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_tools_list(self):
        self.check_tools(self.report)
        self.assertEqual(self.report["server"]["name"], "codegraph")

    def test_graph_tools(self):
        self.check_graph(self.report)

    def test_search_tools(self):
        self.check_search(self.report)

    def test_errors(self):
        self.check_errors(self.report)

    def test_paging(self):
        self.check_pages(self.report)

    def test_resources_prompts(self):
        self.check_rest(self.report)

    def raw_call(self, name, args):
        body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                           "params": {"name": name, "arguments": args}})
        with self.server.conn(timeout=10) as c:
            return c.request("POST", "/mcp", {"Content-Type": "application/json",
                                              "Accept": "application/json, text/event-stream"},
                             body)

    def test_response_bound(self):
        cursor, seen, pages = None, 0, 0
        while True:
            args = {"path": "app/big.py", "limit": 200}
            if cursor:
                args["cursor"] = cursor
            r = self.raw_call("get_file_outline", args)
            self.assertEqual(r.status, 200)
            self.assertLessEqual(len(r.body), RESPONSE_MAX)
            sc = r.json()["result"]["structuredContent"]
            seen += len(sc["items"])
            pages += 1
            cursor = sc["cursor"]
            if not cursor:
                break
        self.assertEqual(seen, BIG_FUNCS)
        self.assertGreater(pages, 2)

    def test_metrics(self):
        self.raw_call("search_symbols", {"query": "compute"})
        self.raw_call("search_symbols", {"bogus": 1})
        r = self.server.get("/metrics")
        text = r.body.decode()
        def value(line_prefix):
            for ln in text.splitlines():
                if ln.startswith(line_prefix):
                    return float(ln.rsplit(" ", 1)[1])
            return None
        calls = value('codegraph_mcp_tool_calls_total{tool="search_symbols"}')
        errors = value('codegraph_mcp_tool_errors_total{tool="search_symbols"}')
        self.assertGreaterEqual(calls, 2)
        self.assertGreaterEqual(errors, 1)
        self.assertLess(errors, calls)
        count = value('codegraph_mcp_tool_duration_seconds_count{tool="search_symbols"}')
        self.assertEqual(count, calls)
        self.assertIn('codegraph_mcp_tool_duration_seconds_bucket{tool="get_file_outline",le=',
                      text)


class TestMcpStdioSdk(unittest.TestCase, McpChecks):
    @classmethod
    def setUpClass(cls):
        require_node()
        if not os.path.isfile(BIN):
            raise unittest.SkipTest("binary not built")
        cls.tmp = tempfile.mkdtemp(prefix="cg-mcp-stdio-")
        cls.repo = os.path.join(cls.tmp, "repo")
        write_repo(cls.repo)
        cfg = merge(base_config(cls.tmp), {"parsing": {"allowed_roots": [cls.tmp]},
                                           "logging": {"level": "warn"}})
        cls.cfg = os.path.join(cls.tmp, "config.toml")
        with open(cls.cfg, "w") as f:
            f.write(toml_dump(cfg))
        cls.report = run_sdk(["--stdio", BIN, "--config", cls.cfg, "--repo", cls.repo], "stdio")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_tools_list(self):
        self.check_tools(self.report)

    def test_graph_tools(self):
        self.check_graph(self.report)

    def test_search_tools(self):
        self.check_search(self.report)

    def test_errors(self):
        self.check_errors(self.report)

    def test_paging(self):
        self.check_pages(self.report)

    def test_resources_prompts(self):
        self.check_rest(self.report)


if __name__ == "__main__":
    unittest.main()
