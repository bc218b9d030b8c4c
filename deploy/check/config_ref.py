#!/usr/bin/env python3
"""config_ref.py — keep config/codegraph.toml (the reference configuration) true to the
schema (src/config/schema.c, the table the server validates with).

    deploy/check/config_ref.py [--fix]

Checks, in both directions: every schema key is in the reference and every reference key
is in the schema; each key is set to the schema's default; each key has a description and
an "Accepts:" line; the description says "Not implemented yet." exactly when the schema
marks the key unimplemented. --fix rewrites only those markers (re-wrapping the comment).
Prints each problem; exit 1 when there is one (after --fix: when one is left).
"""

import argparse
import os
import re
import sys
import textwrap
import tomllib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMA = os.path.join(ROOT, "src", "config", "schema.c")
REFERENCE = os.path.join(ROOT, "config", "codegraph.toml")
MARK = "Not implemented yet."
WIDTH = 92


def schema_rows():
    text = open(SCHEMA).read()
    body = text[text.index("cg_config_keys[] = {") + 20:]
    rows, depth, start = [], 0, None
    for i, ch in enumerate(body):
        if ch == "{":
            depth += 1
            if depth == 1:
                start = i
        elif ch == "}":
            depth -= 1
            if depth == 0:
                rows.append(body[start:i + 1])
            if depth < 0:
                break
    out = {}
    for r in rows:
        lits = re.findall(r'"((?:[^"\\]|\\.)*)"', r)
        if len(lits) < 2:
            continue
        impl = "IMPL" in r or bool(re.search(r",\s*1,\s*[01],\s*[01],\s*NULL\s*\}", r))
        if "TODO(" in r or "SECRET(" in r:
            impl = False
        default = lits[2] if len(lits) > 2 else None
        out["%s.%s" % (lits[0], lits[1])] = {"impl": impl, "default": default, "row": r}
    return out


def default_of(row):
    """The default literal: 5th argument of R/B/E, or of the raw row."""
    m = re.search(r'\w+\(\s*"[^"]*",\s*"[^"]*",\s*(?:[\w.]+,\s*)?(?:[\w.]+,\s*)?'
                  r'("(?:[^"\\]|\\.)*"|[A-Z_]+)', row)
    return m.group(1) if m else None


def blocks(lines):
    """[(section, key, first_comment_line, value_line)] of the reference."""
    out, section, start = [], None, None
    for i, ln in enumerate(lines):
        m = re.match(r"^\[([\w.]+)\]\s*$", ln)
        if m:
            section, start = m.group(1), None
            continue
        if ln.startswith("#"):
            if start is None:
                start = i
            continue
        m = re.match(r"^(\w+)\s*=", ln)
        if m and section:
            out.append((section, m.group(1), start if start is not None else i, i))
        start = None
    return out


def same_default(schema_def, value):
    d = schema_def.strip('"') if schema_def else ""
    if isinstance(value, bool):
        return d == ("true" if value else "false")
    if isinstance(value, (int, float)):
        try:
            return float(d) == float(value)
        except ValueError:
            return False
    if isinstance(value, list):
        return ",".join(str(x) for x in value) == d
    return str(value) == d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fix", action="store_true")
    a = ap.parse_args()
    schema = schema_rows()
    text = open(REFERENCE).read()
    lines = text.split("\n")
    parsed = tomllib.loads(text)
    problems, fixed = [], 0
    seen = set()
    for section, key, c0, v in reversed(blocks(lines)):
        name = "%s.%s" % (section, key)
        seen.add(name)
        row = schema.get(name)
        if not row:
            problems.append("%s: in the reference but not in the schema" % name)
            continue
        node = parsed
        for part in section.split("."):
            node = node[part]
        lit = default_of(row["row"])
        macros = {"LANGS": None, "IGNORES": None, "BUCKETS": None}
        if lit and lit not in macros and not same_default(lit, node[key]):
            problems.append("%s: set to %r, the schema default is %s" % (name, node[key], lit))
        comment = lines[c0:v]
        accepts = [ln for ln in comment if ln.startswith("# Accepts:")]
        desc = " ".join(ln[1:].strip() for ln in comment if not ln.startswith("# Accepts:"))
        if not accepts or not desc:
            problems.append("%s: needs a description and an Accepts: line" % name)
            continue
        has = MARK in desc
        if has == row["impl"]:
            if not a.fix:
                problems.append("%s: %s" % (name, "says not implemented, but it is"
                                            if has else "not implemented: say so"))
                continue
            desc = desc.replace(" " + MARK, "").replace(MARK, "").strip()
            if not row["impl"]:
                desc += " " + MARK
            new = ["# " + t for t in textwrap.wrap(desc, WIDTH - 2)] + accepts
            lines[c0:v] = new
            fixed += 1
    for name in sorted(set(schema) - seen):
        problems.append("%s: in the schema but missing from the reference" % name)
    if a.fix and fixed:
        open(REFERENCE, "w").write("\n".join(lines))
        print("config_ref: rewrote %d markers" % fixed)
    for p in problems:
        print("config_ref: " + p)
    if problems:
        sys.exit(1)
    print("config_ref: %d keys, reference and schema agree" % len(schema))


if __name__ == "__main__":
    main()
