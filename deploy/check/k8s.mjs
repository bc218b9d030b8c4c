// k8s.mjs — offline validation of deploy/kubernetes (run by tools/check_artifacts.sh).
//
//   node deploy/check/k8s.mjs DIR NODE_MODULES [CONFIG_OUT]
//
// 1. Every document of every file listed in kustomization.yaml (and no other YAML file in
//    DIR) is validated against the Kubernetes API schema with npm kubernetes-models, and
//    walked against the package's type declarations so an unknown (misspelt) field fails.
// 2. The objects are checked against each other and against the server's contract:
//    the kinds a deployment needs exist; names, namespaces, selectors, ports, volumes,
//    secrets and keys refer to things that exist; probes hit /health (liveness, startup)
//    and /ready (readiness); the pod is non-root with a read-only root filesystem;
//    preStop sleep + [server] drain_timeout < terminationGracePeriodSeconds <= 30 s;
//    [server] keep_alive > the ingress' upstream keep-alive timeout; max_memory_usage <
//    the memory limit; a ReadWriteOnce data volume means one replica, Recreate, HPA max 1.
// 3. The ConfigMap's config.toml is written to CONFIG_OUT for `codegraph --check-config`.
// Prints every problem and exits 1 when there is one.
import fs from "node:fs";
import path from "node:path";

const [dir, nm, configOut] = process.argv.slice(2);
const yaml = await import(path.resolve(nm, "js-yaml/dist/js-yaml.mjs"));
const problems = [];
const bad = (msg) => problems.push(msg);

// ----------------------------------------------------------------- unknown fields
// kubernetes-models' validators accept fields the API does not have (a typo such as
// "readinesProbe" would pass and be dropped by the API server). The package's TypeScript
// declarations list every field of every type, so walk the objects against them.
const ifaces = new Map();
function iface(file) {
  if (ifaces.has(file)) return ifaces.get(file);
  let text = null;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    ifaces.set(file, null);
    return null;
  }
  const imports = new Map();
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    const spec = m[2].replace(/\.js$/, "");
    const target = spec.startsWith(".") ? path.resolve(path.dirname(file), spec + ".d.ts")
      : path.resolve(nm, spec + ".d.ts");
    for (const name of m[1].split(",")) imports.set(name.trim(), target);
  }
  const m = /export interface I\w+( extends TypeMeta)? \{\n([\s\S]*?)\n\}/.exec(text);
  if (!m) {
    ifaces.set(file, null); // a type alias (IntOrString, Quantity): nothing to walk
    return null;
  }
  const def = { props: declaredProps(m[2].replace(/\/\*\*[\s\S]*?\*\//g, "")), imports };
  if (m[1]) def.props.set("apiVersion", "string").set("kind", "string");
  ifaces.set(file, def);
  return def;
}
// `"name"?: Type;` members at the top level of an interface body (Type may nest <> and {}).
function declaredProps(body) {
  const props = new Map();
  let i = 0;
  while ((i = body.indexOf('"', i)) >= 0) {
    const end = body.indexOf('"', i + 1);
    const name = body.slice(i + 1, end);
    let j = body.indexOf(":", end) + 1, depth = 0, type = "";
    for (; j < body.length && !(depth === 0 && body[j] === ";"); j++) {
      if ("<{".includes(body[j])) depth++;
      if (">}".includes(body[j])) depth--;
      type += body[j];
    }
    props.set(name, type.replace(/\s+/g, " ").trim());
    i = j + 1;
  }
  return props;
}
function walkType(value, type, def, at) {
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) return Array.isArray(value) && value.forEach((v, i) => walkType(v, arr[1], def,
    `${at}[${i}]`));
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return value && typeof value === "object" && Object.entries(value).forEach(
    ([k, v]) => walkType(v, map[1], def, `${at}.${k}`));
  if (def.imports.has(type) && value && typeof value === "object")
    walkObject(value, def.imports.get(type), at);
}
function walkObject(obj, file, at) {
  const def = iface(file);
  if (!def) return;
  for (const [k, v] of Object.entries(obj)) {
    if (!def.props.has(k)) bad(`${at}.${k}: no such field in ${path.basename(file, ".d.ts")}`);
    else walkType(v, def.props.get(k), def, `${at}.${k}`);
  }
}

// ----------------------------------------------------------------- load and validate
const kust = yaml.load(fs.readFileSync(path.join(dir, "kustomization.yaml"), "utf8"));
const listed = new Set(kust.resources);
for (const f of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)))
  if (f !== "kustomization.yaml" && !listed.has(f)) bad(`${f}: not listed in kustomization.yaml`);

const objs = [];
for (const file of kust.resources) {
  let docs = [];
  try {
    docs = yaml.loadAll(fs.readFileSync(path.join(dir, file), "utf8")).filter(Boolean);
  } catch (e) {
    bad(`${file}: not valid YAML: ${e.reason} (line ${e.mark?.line + 1})`);
  }
  for (const doc of docs) {
    const group = doc.apiVersion.includes("/") ? doc.apiVersion : `v1`;
    const mod = await import(path.resolve(nm, "kubernetes-models", group, "index.js"));
    const Model = mod[doc.kind];
    if (!Model) {
      bad(`${file}: unknown kind ${doc.apiVersion} ${doc.kind}`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (e) {
      bad(`${file}: ${doc.kind}/${doc.metadata?.name}: ${e.message}`);
    }
    walkObject(doc, path.resolve(nm, "kubernetes-models", group, doc.kind + ".d.ts"),
      `${file}:${doc.kind}`);
    objs.push({ file, ...doc });
  }
}
const byKind = (k) => objs.filter((o) => o.kind === k);
const one = (k) => {
  const l = byKind(k);
  if (l.length === 0) bad(`no ${k}`);
  return l[0];
};
for (const k of ["Namespace", "ConfigMap", "Secret", "PersistentVolumeClaim", "Deployment",
  "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"]) one(k);

// ----------------------------------------------------------------- cross-references
const ns = one("Namespace")?.metadata.name;
for (const o of objs)
  if (o.kind !== "Namespace" && o.metadata.namespace !== ns)
    bad(`${o.file}: ${o.kind}/${o.metadata.name} is not in namespace ${ns}`);

const dep = one("Deployment");
const pod = dep?.spec.template;
const ctr = pod?.spec.containers[0];
const matches = (sel) => sel && Object.entries(sel).every(([k, v]) => pod.metadata.labels[k] === v);
if (dep && !matches(dep.spec.selector.matchLabels)) bad("Deployment selector misses its pods");
const svc = one("Service");
if (svc && !matches(svc.spec.selector)) bad("Service selector does not select the pods");
const portNames = new Set((ctr?.ports || []).map((p) => p.name));
for (const p of svc?.spec.ports || [])
  if (typeof p.targetPort === "string" && !portNames.has(p.targetPort))
    bad(`Service targetPort ${p.targetPort} is not a container port`);
for (const r of one("Ingress")?.spec.rules || [])
  for (const p of r.http.paths) {
    const b = p.backend.service;
    if (b.name !== svc?.metadata.name) bad(`Ingress backend ${b.name} is not the Service`);
    if (b.port.name && !(svc?.spec.ports || []).some((sp) => sp.name === b.port.name))
      bad(`Ingress backend port ${b.port.name} is not a Service port`);
  }
const pdb = one("PodDisruptionBudget");
if (pdb && !matches(pdb.spec.selector.matchLabels)) bad("PDB selector does not select the pods");
const hpa = one("HorizontalPodAutoscaler");
if (hpa && (hpa.spec.scaleTargetRef.kind !== "Deployment" ||
    hpa.spec.scaleTargetRef.name !== dep?.metadata.name))
  bad("HPA does not target the Deployment");

const pvcs = new Map(byKind("PersistentVolumeClaim").map((p) => [p.metadata.name, p]));
const cms = new Map(byKind("ConfigMap").map((c) => [c.metadata.name, c]));
const secrets = new Map(byKind("Secret").map((s) => [s.metadata.name, s]));
const vols = new Map((pod?.spec.volumes || []).map((v) => [v.name, v]));
for (const m of ctr?.volumeMounts || []) if (!vols.has(m.name)) bad(`mount ${m.name}: no volume`);
for (const v of vols.values()) {
  if (v.persistentVolumeClaim && !pvcs.has(v.persistentVolumeClaim.claimName))
    bad(`volume ${v.name}: no PVC ${v.persistentVolumeClaim.claimName}`);
  if (v.configMap && !cms.has(v.configMap.name)) bad(`volume ${v.name}: no ConfigMap`);
  if (v.secret && !secrets.has(v.secret.secretName)) bad(`volume ${v.name}: no Secret`);
}
// *_FILE variables name files of a mounted Secret that has that key.
for (const e of ctr?.env || []) {
  if (!e.name.endsWith("_FILE")) continue;
  const m = (ctr.volumeMounts || []).find((vm) => e.value.startsWith(vm.mountPath + "/"));
  const v = m && vols.get(m.name);
  const s = v?.secret && secrets.get(v.secret.secretName);
  const key = m && e.value.slice(m.mountPath.length + 1);
  if (!s || !({ ...s.stringData, ...s.data })[key]) bad(`${e.name}: ${e.value} is no secret key`);
}

// ----------------------------------------------------------------- pod hardening, probes
const psc = pod?.spec.securityContext || {};
const csc = ctr?.securityContext || {};
if (!psc.runAsNonRoot || !(psc.runAsUser > 0)) bad("pod must run as a numeric non-root user");
if (csc.readOnlyRootFilesystem !== true) bad("root filesystem must be read-only");
if (csc.allowPrivilegeEscalation !== false) bad("allowPrivilegeEscalation must be false");
if (!(csc.capabilities?.drop || []).includes("ALL")) bad("capabilities must drop ALL");
if (psc.seccompProfile?.type !== "RuntimeDefault") bad("seccompProfile must be RuntimeDefault");
if (ctr?.livenessProbe?.httpGet?.path !== "/health") bad("liveness probe must GET /health");
if (ctr?.startupProbe?.httpGet?.path !== "/health") bad("startup probe must GET /health");
if (ctr?.readinessProbe?.httpGet?.path !== "/ready") bad("readiness probe must GET /ready");

// ----------------------------------------------------------------- config vs manifests
const toml = cms.get("codegraph-config")?.data?.["config.toml"] || "";
if (!toml) bad("ConfigMap codegraph-config has no config.toml");
if (configOut) fs.writeFileSync(configOut, toml);
const tomlVal = (key) => (toml.match(new RegExp(`^\\s*${key}\\s*=\\s*"?([^"\\n#]+)"?`, "m")) ||
  [])[1];
const seconds = (d) => {
  const m = /^(\d+)(ms|s|m|h)?$/.exec((d || "").trim());
  if (!m) return NaN;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] || "s"];
};
const bytes = (s) => {
  const m = /^(\d+)\s*(Ki|Mi|Gi|KB|MB|GB)?$/.exec((s || "").trim());
  const u = { Ki: 1024, KB: 1024, Mi: 1048576, MB: 1048576, Gi: 1073741824, GB: 1073741824 };
  return m ? Number(m[1]) * (u[m[2]] || 1) : NaN;
};
const drain = seconds(tomlVal("drain_timeout"));
const keepAlive = seconds(tomlVal("keep_alive"));
const pre = ctr?.lifecycle?.preStop?.exec?.command || [];
const preStop = /sleep$/.test(pre[0] || "") ? Number(pre[1]) : 0;
const grace = pod?.spec.terminationGracePeriodSeconds ?? 30;
if (!(drain + preStop < grace)) bad(`preStop ${preStop}s + drain ${drain}s >= grace ${grace}s`);
if (grace > 30) bad(`terminationGracePeriodSeconds ${grace} above the 30 s the issue bounds`);
const ingKeep = Number(one("Ingress")?.metadata.annotations?.[
  "nginx.ingress.kubernetes.io/upstream-keepalive-timeout"]);
if (!(keepAlive > ingKeep)) bad(`keep_alive ${keepAlive}s must exceed the ingress' ${ingKeep}s`);
const memMax = bytes(tomlVal("max_memory_usage"));
const memLimit = bytes(ctr?.resources?.limits?.memory);
if (!(memMax < memLimit)) bad(`max_memory_usage ${memMax} not below the limit ${memLimit}`);
const dataVol = [...vols.values()].find((v) =>
  (ctr?.volumeMounts || []).some((m) => m.name === v.name && m.mountPath === "/app/data"));
const dataPvc = dataVol && pvcs.get(dataVol.persistentVolumeClaim?.claimName);
if (!dataPvc) bad("no PVC mounted at /app/data (the database path of the ConfigMap)");
if (dataPvc?.spec.accessModes.includes("ReadWriteOnce")) {
  if (dep.spec.replicas !== 1) bad("a ReadWriteOnce data volume needs replicas: 1");
  if (dep.spec.strategy?.type !== "Recreate") bad("a ReadWriteOnce data volume needs Recreate");
  if (hpa && hpa.spec.maxReplicas !== 1) bad("a ReadWriteOnce data volume needs HPA max 1");
}
if (!/path\s*=\s*"\/app\/data\//.test(toml)) bad("config database.path is not under /app/data");

if (problems.length) {
  for (const p of problems) console.log("k8s: " + p);
  process.exit(1);
}
console.log(`k8s: ${objs.length} objects valid (kubernetes-models, no unknown fields), ` +
  "cross-checks ok");
