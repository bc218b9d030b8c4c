#!/usr/bin/env python3
"""dockerfile.py — static checks of the Dockerfile, .dockerignore and the seccomp profile
(no Docker daemon needed; hadolint is not packaged for Debian 12).

    deploy/check/dockerfile.py [--binary zig-out/bin/codegraph] [--strace]

Dockerfile: multi-stage; every FROM is debian:bookworm or debian:bookworm-slim (optionally
pinned by digest), also through ARG defaults; the build stage runs tools/setup.sh and a
ReleaseFast zig build; the final stage installs with --no-install-recommends and cleans
the apt lists, copies the binary from the build stage, runs as a numeric non-root USER,
has an exec-form (JSON) ENTRYPOINT and CMD, a HEALTHCHECK in exec form that runs
`codegraph healthcheck`, a VOLUME holding the configured database path, and EXPOSEs the
configured port; every COPY source exists and is not excluded by .dockerignore; with
--binary, every shared library the binary needs (ELF NEEDED) comes from a package the
runtime stage installs or one they depend on (apt-cache depends --recurse).
Seccomp profile: parses; default action refuses; io_uring_setup/enter/register are
allowed; the calls Docker's default profile refuses stay refused; with --strace, every
system call the binary makes while serving on io_uring is allowed (or is one the server
is known to survive being refused: clone3 → libc falls back to clone; mbind → NUMA hint).
Prints each problem; exit 1 when there is one.
"""

import argparse
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGE_RE = re.compile(r"^debian:bookworm(-slim)?(@sha256:[0-9a-f]{64})?$")
MUST_STAY_REFUSED = ["mount", "umount2", "ptrace", "kexec_load", "init_module", "bpf",
                     "unshare", "setns", "keyctl", "add_key", "reboot", "swapon",
                     "perf_event_open", "process_vm_readv", "open_by_handle_at", "pivot_root"]
TOLERATED_REFUSALS = {"clone3": "libc falls back to clone()",
                      "mbind": "a NUMA placement hint; failure is ignored"}


def instructions(text):
    """[(KEYWORD, args)] with continuations joined and comments dropped."""
    out, cur = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if s.startswith("#"):
            continue
        cur += (" " if cur else "") + s.rstrip("\\").strip()
        if not s.endswith("\\"):
            kw, _, args = cur.partition(" ")
            out.append((kw.upper(), args.strip()))
            cur = ""
    return out


def stages(ins):
    args, res = {}, []
    for kw, a in ins:
        if kw == "ARG" and not res:
            k, _, v = a.partition("=")
            args[k] = v
        elif kw == "FROM":
            parts = a.split()
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)",
                           lambda m: args.get(m.group(1) or m.group(2), ""), parts[0])
            name = parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else None
            res.append({"image": image, "name": name, "ins": []})
        elif res:
            res[-1]["ins"].append((kw, a))
    return res


def exec_form(a):
    try:
        v = json.loads(a)
        return isinstance(v, list) and v and all(isinstance(x, str) for x in v)
    except ValueError:
        return False


def toml_value(path, key):
    m = re.search(r"^\s*%s\s*=\s*\"?([^\"\n#]+)\"?" % key, open(path).read(), re.M)
    return m.group(1).strip() if m else None


def dockerignore_excludes(rel, patterns):
    for p in patterns:
        p = p.rstrip("/")
        if fnmatch.fnmatch(rel, p) or rel.startswith(p + "/") or \
                fnmatch.fnmatch(rel, p.replace("**/", "*/")):
            return True
    return False


def check_dockerfile(problems, binary):
    ins = instructions(open(os.path.join(ROOT, "Dockerfile")).read())
    st = stages(ins)
    if len(st) < 2:
        problems.append("Dockerfile: not multi-stage")
    for s in st:
        if not IMAGE_RE.match(s["image"]):
            problems.append("Dockerfile: FROM %s is not debian:bookworm[-slim]" % s["image"])
    build, final = st[0], st[-1]
    runs = " ".join(a for k, a in build["ins"] if k == "RUN")
    if "tools/setup.sh" not in runs or "-Doptimize=ReleaseFast" not in runs:
        problems.append("Dockerfile: build stage must run tools/setup.sh and a ReleaseFast build")
    fin = final["ins"]
    kws = [k for k, _ in fin]
    users = [a for k, a in fin if k == "USER"]
    if not users or not re.match(r"^[1-9]\d*(:\d+)?$", users[-1]):
        problems.append("Dockerfile: final stage needs a numeric non-root USER")
    elif "RUN" in kws and kws.index("USER") < max(i for i, k in enumerate(kws) if k == "RUN"):
        problems.append("Dockerfile: RUN after USER in the final stage")
    for kw in ("ENTRYPOINT", "CMD"):
        v = [a for k, a in fin if k == kw]
        if kw == "ENTRYPOINT" and not v:
            problems.append("Dockerfile: no ENTRYPOINT")
        if v and not exec_form(v[-1]):
            problems.append("Dockerfile: %s is not in exec (JSON) form" % kw)
    hc = [a for k, a in fin if k == "HEALTHCHECK"]
    m = re.search(r"\bCMD\s+(\[.*\])\s*$", hc[-1]) if hc else None
    if not m or not exec_form(m.group(1)) or "healthcheck" not in json.loads(m.group(1)):
        problems.append("Dockerfile: HEALTHCHECK must run `codegraph healthcheck` in exec form")
    if not any(k == "COPY" and "--from=%s" % build["name"] in a for k, a in fin):
        problems.append("Dockerfile: the final stage does not copy from the build stage")
    apt = " ".join(a for k, a in fin if k == "RUN" and "apt-get install" in a)
    if "--no-install-recommends" not in apt or "rm -rf /var/lib/apt/lists" not in apt:
        problems.append("Dockerfile: runtime apt-get needs --no-install-recommends and cleanup")
    cfg = os.path.join(ROOT, "deploy", "docker", "codegraph.toml")
    dbpath, port = toml_value(cfg, "path"), toml_value(cfg, "port")
    vols = " ".join(a for k, a in fin if k == "VOLUME")
    vol_list = json.loads(vols) if exec_form(vols) else vols.split()
    if not dbpath or not any(dbpath.startswith(v.rstrip("/") + "/") for v in vol_list):
        problems.append("Dockerfile: no VOLUME holds the database path %s" % dbpath)
    if not any(k == "EXPOSE" and port in a.split() for k, a in fin):
        problems.append("Dockerfile: EXPOSE does not match the configured port %s" % port)
    ignore = [ln.strip() for ln in open(os.path.join(ROOT, ".dockerignore"))
              if ln.strip() and not ln.startswith("#")]
    for need in ("vendor", "zig-out", "zig-cache", ".git", "data"):
        if not any(p.rstrip("/") == need for p in ignore):
            problems.append(".dockerignore: %s/ is not excluded" % need)
    for s in st:
        for k, a in s["ins"]:
            if k != "COPY" or "--from=" in a:
                continue
            srcs = [x for x in a.split() if not x.startswith("--")][:-1]
            for src in srcs:
                if not os.path.exists(os.path.join(ROOT, src)) and src != ".":
                    problems.append("Dockerfile: COPY source %s does not exist" % src)
                elif src != "." and dockerignore_excludes(src, ignore):
                    problems.append("Dockerfile: COPY source %s is in .dockerignore" % src)
    if binary:
        check_runtime_libs(problems, binary, apt)


def check_runtime_libs(problems, binary, apt):
    pkgs = [w for w in apt.split() if re.match(r"^[a-z0-9][a-z0-9.+-]+$", w) and
            w not in ("apt-get", "install", "update", "rm", "-rf", "&&", "-y", "-qq")]
    dep = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends",
                          "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces",
                          "--no-enhances"] + pkgs, capture_output=True, text=True)
    have = set(pkgs) | {"libc6"}
    for ln in dep.stdout.splitlines():
        m = re.match(r"^\s*(?:\|?Depends|PreDepends):\s*<?([^\s>:]+)", ln)
        if m:
            have.add(m.group(1))
        elif ln and not ln.startswith(" "):
            have.add(ln.strip())
    out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True).stdout
    for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out):
        path = next((os.path.join(d, lib) for d in ("/lib/x86_64-linux-gnu",
                     "/usr/lib/x86_64-linux-gnu", "/lib64") if os.path.exists(
                         os.path.join(d, lib))), None)
        owner = ""
        real = os.path.realpath(path) if path else ""
        for cand in (path, real, re.sub(r"^/usr", "", real)):
            if cand and not owner:
                owner = subprocess.run(["dpkg", "-S", cand], capture_output=True,
                                       text=True).stdout.split(":")[0]
        if owner not in have:
            problems.append("Dockerfile: runtime stage lacks %s (package %s)" % (lib, owner))


def seccomp_allowed(profile):
    allowed = set()
    for r in profile["syscalls"]:
        if r["action"] == "SCMP_ACT_ALLOW":
            allowed.update(r["names"])
    return allowed


def check_seccomp(problems, binary, use_strace):
    path = os.path.join(ROOT, "deploy", "docker", "seccomp-iouring.json")
    try:
        prof = json.load(open(path))
    except ValueError as e:
        problems.append("seccomp: does not parse: %s" % e)
        return
    if prof.get("defaultAction") != "SCMP_ACT_ERRNO":
        problems.append("seccomp: defaultAction must refuse (SCMP_ACT_ERRNO)")
    allowed = seccomp_allowed(prof)
    for n in ("io_uring_setup", "io_uring_enter", "io_uring_register"):
        if n not in allowed:
            problems.append("seccomp: %s is not allowed" % n)
    for n in MUST_STAY_REFUSED:
        if n in allowed:
            problems.append("seccomp: %s must stay refused (Docker's default refuses it)" % n)
    if binary and use_strace and shutil.which("strace"):
        for n in sorted(traced_syscalls(binary) - allowed):
            if n not in TOLERATED_REFUSALS:
                problems.append("seccomp: the server calls %s, which the profile refuses" % n)


def traced_syscalls(binary):
    """System calls of the server while it starts on io_uring, answers, and drains."""
    tmp = tempfile.mkdtemp(prefix="cg-strace-")
    cfg = os.path.join(tmp, "c.toml")
    with open(cfg, "w") as f:
        f.write('[server]\nhost = "127.0.0.1"\nport = 0\nio_backend = "io_uring"\n'
                '[database]\npath = "%s/data/rocks.db"\n' % tmp)
    trace = os.path.join(tmp, "trace")
    p = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, binary, "serve", "-c", cfg],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and port is None:
        line = p.stdout.readline()
        m = re.search(r'"message":"listening".*"port":"?(\d+)', line or "")
        port = int(m.group(1)) if m else None
        if not line and p.poll() is not None:
            break
    if port:
        subprocess.run([binary, "healthcheck", "--url", "http://127.0.0.1:%d/health" % port],
                       capture_output=True)
    # SIGTERM to strace alone would detach it and leave the server running: signal the
    # server (strace's only child), then wait for strace to see it exit.
    kids = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True)
    for pid in kids.stdout.split():
        os.kill(int(pid), signal.SIGTERM)
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        for pid in kids.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        p.kill()
        p.wait()
    names = set(re.findall(r"^\d+\s+([a-z_0-9]+)\(", open(trace).read(), re.M))
    shutil.rmtree(tmp, ignore_errors=True)
    if "io_uring_setup" not in names:
        names.add("<io_uring not used: is the kernel refusing it?>")
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary")
    ap.add_argument("--strace", action="store_true")
    a = ap.parse_args()
    problems = []
    check_dockerfile(problems, a.binary)
    check_seccomp(problems, a.binary, a.strace)
    for pr in problems:
        print("docker: " + pr)
    if problems:
        sys.exit(1)
    print("docker: Dockerfile, .dockerignore and seccomp profile pass%s" %
          (" (runtime libraries and strace checked)" if a.binary and a.strace else ""))


if __name__ == "__main__":
    main()
