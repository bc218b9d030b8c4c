// responses.mjs — validate real answers of the server against the OpenAPI document's
// response schemas (JSON Schema 2020-12, with Ajv), so the document cannot drift from
// what the handlers write.
//
//   node deploy/check/responses.mjs DOC.json SAMPLES.json NODE_MODULES
//
// SAMPLES.json: [{"method":"GET","template":"/api/v1/jobs/{id}","status":200,"body":{...}}]
// Each body is validated against the schema the document gives for that operation and
// status (or "default" for an undocumented status, which is itself reported). Prints one
// line per failure and exits 1; otherwise a summary line.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [docFile, samplesFile, nm] = process.argv.slice(2);
const require = createRequire(path.resolve(nm, "x.js"));
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats");
const doc = JSON.parse(fs.readFileSync(docFile, "utf8"));
const samples = JSON.parse(fs.readFileSync(samplesFile, "utf8"));

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// The components as one schema ("doc"), refs rewritten from "#/components/…" to "doc#/…".
const rewrite = (o) => {
  if (Array.isArray(o)) return o.map(rewrite);
  if (!o || typeof o !== "object") return o;
  const out = {};
  for (const [k, v] of Object.entries(o))
    out[k] = k === "$ref" ? v.replace("#/components/", "doc#/") : rewrite(v);
  return out;
};
ajv.addSchema({ $id: "doc", ...rewrite(doc.components) });
const resolveResponse = (r) => {
  while (r && r.$ref) r = r.$ref.split("/").slice(1).reduce((o, k) => o[k], doc);
  return r;
};

const failures = [];
let checked = 0;
for (const s of samples) {
  const where = `${s.method} ${s.template} ${s.status}`;
  const op = doc.paths[s.template]?.[s.method.toLowerCase()];
  if (!op) {
    failures.push(`${where}: no such operation in the document`);
    continue;
  }
  let resp = op.responses[String(s.status)];
  if (!resp) {
    failures.push(`${where}: status not documented for this operation`);
    resp = op.responses.default;
  }
  resp = resolveResponse(resp);
  const schema = resp?.content?.["application/json"]?.schema;
  if (!schema) {
    failures.push(`${where}: no JSON schema documented`);
    continue;
  }
  const validate = ajv.compile(rewrite(schema));
  checked++;
  if (!validate(s.body))
    failures.push(`${where}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(s.body)
      .slice(0, 300)}`);
}
if (failures.length) {
  for (const f of failures) console.log("responses: " + f);
  process.exit(1);
}
console.log(`responses: ${checked} live answers match their documented schemas`);
