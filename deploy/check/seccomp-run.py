#!/usr/bin/python3
"""seccomp-run.py — run a command under a Docker-format seccomp profile, without Docker.

    deploy/check/seccomp-run.py PROFILE.json [--deny NAME ...] -- COMMAND [ARG ...]

Builds the profile's filter with libseccomp (Debian python3-seccomp) exactly as a container
runtime does — the default action, every allow rule, rules with argument conditions
(SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ) and errno rules — loads it into this process and execs
COMMAND, which inherits it. --deny NAME refuses one more call with EPERM, the way Docker's
own default profile refuses io_uring_setup. tests/integration/test_deploy.py uses it to run
the server under deploy/docker/seccomp-iouring.json (io_uring must work) and under the same
profile without io_uring (the server must fall back to epoll and serve).
"""

import errno
import json
import os
import sys

sys.path.append("/usr/lib/python3/dist-packages")  # Debian's python3-seccomp
import seccomp  # noqa: E402

OPS = {"SCMP_CMP_EQ": seccomp.EQ, "SCMP_CMP_MASKED_EQ": seccomp.MASKED_EQ,
       "SCMP_CMP_NE": seccomp.NE, "SCMP_CMP_LT": seccomp.LT, "SCMP_CMP_LE": seccomp.LE,
       "SCMP_CMP_GT": seccomp.GT, "SCMP_CMP_GE": seccomp.GE}


def action(name, errno_ret):
    if name == "SCMP_ACT_ALLOW":
        return seccomp.ALLOW
    if name == "SCMP_ACT_ERRNO":
        return seccomp.ERRNO(errno_ret)
    raise SystemExit("unsupported action " + name)


def build(profile, deny):
    default_errno = profile.get("defaultErrnoRet", errno.EPERM)
    f = seccomp.SyscallFilter(defaction=action(profile["defaultAction"], default_errno))
    for rule in profile["syscalls"]:
        act = action(rule["action"], rule.get("errnoRet", default_errno))
        args = []
        for a in rule.get("args", []):
            args.append(seccomp.Arg(a["index"], OPS[a["op"]], a["value"], a.get("valueTwo", 0)))
        for name in rule["names"]:
            if name in deny:
                continue
            try:
                f.add_rule(act, name, *args)
            except (RuntimeError, ValueError):
                pass  # a name this libseccomp does not know: it cannot be called anyway
    if not (profile["defaultAction"] == "SCMP_ACT_ERRNO" and default_errno == errno.EPERM):
        for name in deny:  # (otherwise leaving out the allow rule already refuses it)
            f.add_rule(seccomp.ERRNO(errno.EPERM), name)
    return f


def main():
    argv = sys.argv[1:]
    if "--" not in argv or not argv:
        raise SystemExit(__doc__)
    sep = argv.index("--")
    opts, cmd = argv[:sep], argv[sep + 1:]
    deny = [opts[i + 1] for i, o in enumerate(opts) if o == "--deny"]
    with open(opts[0]) as f:
        profile = json.load(f)
    build(profile, set(deny)).load()
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
