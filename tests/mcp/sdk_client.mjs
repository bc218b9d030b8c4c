// sdk_client.mjs — drive CodeGraph's MCP server with the official TypeScript SDK client.
//
// Usage:
//   node sdk_client.mjs --http URL   --repo DIR [--transcript FILE]
//   node sdk_client.mjs --stdio BIN --config TOML --repo DIR [--transcript FILE]
//
// It connects (StreamableHTTPClientTransport or StdioClientTransport), lists the tools,
// indexes DIR with index_repository and polls index_status until the job is done, then
// calls every tool and a set of error cases, and prints ONE JSON report on stdout:
//   {"tools": [...tools/list entries...], "calls": {label: CallToolResult or {"rpc_error"}},
//    "pages": {...}, "resources": {...}, "prompts": {...}}
// The SDK validates every structuredContent against the tool's outputSchema, so a schema
// mismatch fails the call (reported as rpc_error). The Python test asserts on the report.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const sdk = path.join(here, "..", "..", "vendor", "npm", "node_modules", "@modelcontextprotocol",
  "sdk", "dist", "esm", "client");
const { Client } = await import(pathToFileURL(path.join(sdk, "index.js")).href);

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].slice(2)] = process.argv[i + 1];
}

const transcript = [];
function note(kind, req, res) {
  transcript.push({ kind, request: req, response: res });
}

async function connect() {
  const client = new Client({ name: "codegraph-tests", version: "1.0.0" });
  let transport;
  if (args.http) {
    const m = await import(pathToFileURL(path.join(sdk, "streamableHttp.js")).href);
    transport = new m.StreamableHTTPClientTransport(new URL(args.http));
  } else {
    const m = await import(pathToFileURL(path.join(sdk, "stdio.js")).href);
    transport = new m.StdioClientTransport({
      command: args.stdio,
      args: ["mcp", "--stdio", "-c", args.config],
      stderr: "pipe",
    });
  }
  await client.connect(transport);
  return client;
}

async function call(client, label, name, a) {
  try {
    const res = await client.callTool({ name, arguments: a });
    note("tools/call", { name, arguments: a }, res);
    return res;
  } catch (e) {
    const res = { rpc_error: { code: e.code ?? null, message: String(e.message || e) } };
    note("tools/call", { name, arguments: a }, res);
    return res;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function indexRepo(client, report) {
  const started = await call(client, "index_repository", "index_repository",
    { path: args.repo, name: "sample" });
  report.calls.index_repository = started;
  const job = started.structuredContent?.job_id;
  let status = null;
  for (let i = 0; job && i < 300; i++) {
    status = await call(client, "index_status", "index_status", { job_id: job });
    if (status.structuredContent?.job?.state === "done" || status.isError) break;
    await sleep(100);
  }
  report.calls.index_status_job = status;
}

async function pageAll(client, name, a) {
  const pages = [];
  let cursor;
  for (let i = 0; i < 50; i++) {
    const res = await call(client, name, name, cursor ? { ...a, cursor } : a);
    pages.push(res);
    cursor = res.structuredContent?.cursor;
    if (!cursor || res.isError) break;
  }
  return pages;
}

async function main() {
  const client = await connect();
  const report = { server: client.getServerVersion(), calls: {}, pages: {} };
  const tools = await client.listTools();
  note("tools/list", {}, tools);
  report.tools = tools.tools;
  await indexRepo(client, report);
  const c = (label, name, a) => call(client, label, name, a).then((r) => (report.calls[label] = r));
  await c("list_projects", "list_projects", {});
  await c("index_status", "index_status", { project: "sample" });
  await c("search_symbols", "search_symbols", { query: "comput", project: "sample" });
  await c("search_symbols_exact", "search_symbols", { query: "helper", match: "exact" });
  await c("go_to_definition", "go_to_definition", { symbol: "helper", project: "sample" });
  await c("go_to_definition_imported", "go_to_definition",
    { symbol: "log", from_path: "app/use.py" });
  await c("go_to_definition_local", "go_to_definition",
    { symbol: "log", from_path: "app/other.py" });
  await c("get_code_snippet", "get_code_snippet", { symbol: "compute", context_lines: 0 });
  await c("get_code_snippet_range", "get_code_snippet",
    { path: "app/main.py", line: 1, end_line: 3 });
  await c("get_file_outline", "get_file_outline", { path: "app/main.py" });
  await c("find_references", "find_references", { symbol: "compute" });
  await c("trace_path", "trace_path", { symbol: "compute", direction: "callers", depth: 2 });
  await c("trace_path_callees", "trace_path", { symbol: "main", direction: "callees" });
  await c("find_path", "find_path", { from_symbol: "main", to_symbol: "compute" });
  await c("impact_analysis", "impact_analysis", { symbol: "compute" });
  await c("impact_analysis_files", "impact_analysis", { paths: ["app/util.py"] });
  await c("search_code", "search_code", { query: "compute", project: "sample" });
  await c("semantic_search", "semantic_search", { query: "double a number" });
  await c("find_similar", "find_similar", { code: "def compute(x):\n    return x * 2\n" });
  // error cases
  await c("err_unknown_tool", "no_such_tool", {});
  await c("err_unknown_arg", "search_symbols", { query: "x", bogus: 1 });
  await c("err_missing_arg", "search_symbols", {});
  await c("err_bad_type", "trace_path", { symbol: "compute", depth: "deep" });
  await c("err_range", "trace_path", { symbol: "compute", depth: 99 });
  await c("err_project", "search_symbols", { query: "x", project: "no-such-project" });
  await c("err_entity", "get_code_snippet", { entity_id: 987654321 });
  await c("err_ambiguous", "get_code_snippet", { symbol: "run" });
  await c("err_cursor", "get_file_outline", { path: "app/main.py", cursor: "garbage" });
  await c("err_path", "get_file_outline", { path: "../etc/passwd" });
  await c("err_ignored_file", "get_code_snippet", { path: "app/secret.log", line: 1 });
  await c("err_escape", "get_code_snippet", { path: "/etc/passwd", line: 1 });
  await c("err_index_outside", "index_repository", { path: "/" });
  const outline = (path, limit) => pageAll(client, "get_file_outline", { path, limit });
  report.pages.outline = await outline("app/main.py", 2);
  report.pages.big = await outline("app/big.py", 200);
  report.resources = await client.listResources();
  report.resource_templates = await client.listResourceTemplates();
  const uri = "codegraph://projects/sample/outline/app%2Futil.py";
  report.resource_read = await client.readResource({ uri });
  report.prompts = await client.listPrompts();
  const promptArgs = { symbol: "compute" };
  report.prompt = await client.getPrompt({ name: "explore_symbol", arguments: promptArgs });
  report.ping = await client.ping();
  note("resources/list", {}, report.resources);
  note("prompts/get", { name: "explore_symbol" }, report.prompt);
  await client.close();
  if (args.transcript) fs.writeFileSync(args.transcript, JSON.stringify(transcript, null, 1));
  process.stdout.write(JSON.stringify(report));
}

main().catch((e) => {
  process.stderr.write(String(e.stack || e) + "\n");
  process.exit(1);
});
