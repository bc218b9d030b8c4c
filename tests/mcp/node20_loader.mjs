// node20_loader.mjs — module load hook for node20_register.mjs (see there). Rewrites the
// conformance bundle's `globSync as o` import into a local function that handles the only
// pattern the bundle uses ("**/<name>": every file of that name below cwd).
const SHIM = `import * as __fs from "fs";
const o = (pattern, opts) => {
  const name = pattern.replace(/^\\*\\*\\//, ""), root = (opts && opts.cwd) || ".", out = [];
  const walk = (rel) => {
    for (const e of __fs.readdirSync(root + "/" + rel, { withFileTypes: true })) {
      const p = rel ? rel + "/" + e.name : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.name === name) out.push(p);
    }
  };
  walk("");
  return out;
};
`;

export async function load(url, context, nextLoad) {
  const r = await nextLoad(url, context);
  if (!url.includes("@modelcontextprotocol/conformance/dist/index.js")) return r;
  const src = String(r.source).replace(/^#![^\n]*\n/, "");
  if (!src.includes("globSync as o,")) return r;
  return { ...r, source: SHIM + src.replace("globSync as o,", ""), shortCircuit: true };
}
