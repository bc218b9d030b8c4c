// openapi.mjs — validate an OpenAPI document with a real validator
// (npm @seriousme/openapi-schema-validator, the OpenAPI 3.1 JSON schema), then check what
// the schema cannot: every $ref points at something that exists, every operation has a
// unique operationId, a success response and the error shape, and no operation is
// marked x-codegraph-undocumented.
//
//   node deploy/check/openapi.mjs DOC.json NODE_MODULES [--allow-undocumented]
//
// Prints the problems and exits 1 when there is one; prints a one-line summary otherwise.
import fs from "node:fs";
import path from "node:path";

const [file, nm, flag] = process.argv.slice(2);
const { Validator } = await import(
  path.resolve(nm, "@seriousme/openapi-schema-validator/index.js"));
const doc = JSON.parse(fs.readFileSync(file, "utf8"));
const problems = [];

const validator = new Validator();
const res = await validator.validate(structuredClone(doc));
if (!res.valid) problems.push("validator: " + JSON.stringify(res.errors).slice(0, 4000));
if (validator.version !== "3.1") problems.push(`validator saw OpenAPI ${validator.version}`);

// Every local $ref resolves.
const pointer = (ref) => ref.slice(2).split("/").reduce(
  (o, k) => (o === undefined ? o : o[k.replace(/~1/g, "/").replace(/~0/g, "~")]), doc);
const walk = (o, at) => {
  if (Array.isArray(o)) return o.forEach((v, i) => walk(v, `${at}/${i}`));
  if (!o || typeof o !== "object") return;
  for (const [k, v] of Object.entries(o)) {
    if (k === "$ref" && (typeof v !== "string" || !v.startsWith("#/") || !pointer(v)))
      problems.push(`${at}: unresolved $ref ${v}`);
    walk(v, `${at}/${k}`);
  }
};
walk(doc, "#");

const ids = new Set();
let ops = 0, undocumented = [];
for (const [p, item] of Object.entries(doc.paths || {}))
  for (const [m, op] of Object.entries(item)) {
    ops++;
    const where = `${m.toUpperCase()} ${p}`;
    if (ids.has(op.operationId)) problems.push(`${where}: duplicate operationId`);
    ids.add(op.operationId);
    const codes = Object.keys(op.responses || {});
    if (!codes.some((c) => /^2\d\d$/.test(c))) problems.push(`${where}: no success response`);
    if (!op.responses?.default) problems.push(`${where}: no default (error) response`);
    const params = (p.match(/\{[^}]+\}/g) || []).map((s) => s.slice(1, -1));
    for (const name of params)
      if (!(op.parameters || []).some((x) => x.in === "path" && x.name === name))
        problems.push(`${where}: path parameter {${name}} not declared`);
    if (op["x-codegraph-undocumented"]) undocumented.push(where);
  }
if (undocumented.length && flag !== "--allow-undocumented")
  problems.push("routes without an annotation in src/api/openapi_spec.c: " +
    undocumented.join(", "));

if (problems.length) {
  for (const p of problems) console.log("openapi: " + p);
  process.exit(1);
}
console.log(`openapi: valid OpenAPI ${doc.openapi}, ${Object.keys(doc.paths).length} paths, ` +
  `${ops} operations, ${Object.keys(doc.components?.schemas || {}).length} schemas`);
