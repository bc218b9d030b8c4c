"""corpus.py — the CodeSearchNet protocol rebuilt on this machine's Python standard library.

Every function and method (ast.FunctionDef / AsyncFunctionDef, at any depth) of the stdlib
(sysconfig "stdlib", without site-packages and test directories, or --tree) whose docstring's
first paragraph has at least MIN_QUERY_WORDS words becomes one example:
  * code  = the function's source with its docstring statement removed, dedented, written as
            its own file <out>/<n>.py (so one file holds exactly one target, a top-level def);
  * query = the docstring's first paragraph, whitespace collapsed.
Functions whose code without the docstring is shorter than MIN_BODY_LINES are left out (a bare
`pass` tells nothing), and so are duplicates (same code text). The examples are listed in
<out>/examples.json: [{"file", "name", "query", "origin"}], in a stable order.
"""
import ast
import json
import os
import re
import sys
import sysconfig
import textwrap

MIN_QUERY_WORDS = 3
MIN_BODY_LINES = 2
SKIP_DIRS = {"site-packages", "test", "tests", "idle_test", "__pycache__", "dist-packages"}


def first_paragraph(doc):
    para = re.split(r"\n\s*\n", doc.strip(), maxsplit=1)[0]
    return " ".join(para.split())


def strip_docstring(src_lines, fn):
    """The function's lines without its docstring statement."""
    start = fn.lineno - 1
    if fn.decorator_list:
        start = min(d.lineno for d in fn.decorator_list) - 1
    end = fn.end_lineno
    ds = fn.body[0]
    keep = []
    for i in range(start, end):
        if ds.lineno - 1 <= i <= ds.end_lineno - 1:
            continue
        keep.append(src_lines[i])
    return textwrap.dedent("\n".join(keep)) + "\n"


def examples_of(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        tree = ast.parse(text)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return
    lines = text.split("\n")
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        doc = ast.get_docstring(node)
        if not doc or not node.body or len(node.body) < 2:
            continue
        query = first_paragraph(doc)
        if len(re.findall(r"\w+", query)) < MIN_QUERY_WORDS:
            continue
        code = strip_docstring(lines, node)
        if sum(1 for l in code.splitlines() if l.strip()) < MIN_BODY_LINES + 1:
            continue
        yield node.name, query, code, node.lineno


def build(tree, out):
    os.makedirs(out, exist_ok=True)
    seen, examples = set(), []
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for fn in sorted(filenames):
            if not fn.endswith(".py"):
                continue
            src = os.path.join(dirpath, fn)
            for name, query, code, line in examples_of(src):
                if code in seen:
                    continue
                seen.add(code)
                rel = "%d.py" % len(examples)
                with open(os.path.join(out, rel), "w") as f:
                    f.write(code)
                examples.append({"file": rel, "name": name, "query": query,
                                 "origin": "%s:%d" % (os.path.relpath(src, tree), line)})
    with open(os.path.join(out, "examples.json"), "w") as f:
        json.dump(examples, f)
    return examples


def main():
    tree = sys.argv[2] if len(sys.argv) > 2 else sysconfig.get_paths()["stdlib"]
    ex = build(tree, sys.argv[1])
    print("corpus: %d functions from %s" % (len(ex), tree))


if __name__ == "__main__":
    main()
