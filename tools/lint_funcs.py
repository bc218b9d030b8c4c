#!/usr/bin/env python3
"""lint_funcs.py — report C/C++ function bodies longer than the house limit (70 lines).

Usage: tools/lint_funcs.py [--max N] FILE...
Prints one line per violation, "file:line: function NAME is N lines (max M)", where line is
the line of the function's opening brace, and exits 1 if there was any; 0 otherwise.

A body is counted from the line of its opening brace to the line of its closing brace,
both included. Only top-level functions are measured (a function inside `extern "C" { }`
or a C++ namespace counts as top-level). Comments, string and character literals and
preprocessor lines are blanked before braces are matched, so braces inside them never
count. Python 3 standard library only.
"""
import re
import sys

MAX_LINES_DEFAULT = 70

# After the closing parenthesis of a parameter list, C++ may add these before the body.
TRAILERS = re.compile(r"\)\s*((const|noexcept|override|final|volatile|&|&&)\s*)*$")
# A `{` opening one of these is transparent: what is inside is still top level.
TRANSPARENT = re.compile(r'(extern\s*"[^"]*"|namespace(\s+[A-Za-z_][\w:]*)?)\s*$')
IDENT_BEFORE_PAREN = re.compile(r"([A-Za-z_~][\w:~]*)\s*$")


def blank(text):
    """Return text with comments, literals and preprocessor lines replaced by spaces.

    Newlines are kept, so line numbers stay right. Quotes stay (`extern "C"` reads
    `extern " "`), so the text keeps its shape.
    """
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if line_start and c == "#":
            # Preprocessor line, with backslash continuations.
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out.append(" \n")
                    i += 2
                    continue
                out.append(" ")
                i += 1
            continue
        line_start = False
        if c == "\n":
            out.append(c)
            line_start = True
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                out.append(" ")
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1 : j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def function_name(head):
    """The name of the function whose head (text before `{`) this is, or None."""
    head = head.rstrip()
    flat = head
    while True:  # drop parenthesised groups, innermost first: '=' there is a default arg
        nxt = re.sub(r"\([^()]*\)", "", flat)
        if nxt == flat:
            break
        flat = nxt
    if not TRAILERS.search(head) or "=" in flat:
        return None
    # Walk back from the last ')' to its matching '('.
    close = head.rfind(")")
    depth = 0
    for k in range(close, -1, -1):
        if head[k] == ")":
            depth += 1
        elif head[k] == "(":
            depth -= 1
            if depth == 0:
                m = IDENT_BEFORE_PAREN.search(head[:k])
                if not m or m.group(1) in ("if", "while", "for", "switch", "return"):
                    return None
                return m.group(1)
    return None


def check(path, text, max_lines):
    """Yield (line, name, length) for every top-level function longer than max_lines."""
    src = blank(text)
    depth = 0          # brace depth, not counting transparent blocks
    transparent = []   # stack: for each open brace, whether it was transparent
    head_start = 0     # offset where the current top-level declaration began
    current = None     # (name, line of '{') of the function being measured
    line = 1
    for i, c in enumerate(src):
        if c == "\n":
            line += 1
        elif c == "{":
            head = src[head_start:i]
            if depth == 0 and TRANSPARENT.search(head.strip()):
                transparent.append(True)
                head_start = i + 1
                continue
            if depth == 0:
                name = function_name(head)
                current = (name, line) if name else None
            transparent.append(False)
            depth += 1
        elif c == "}":
            if transparent and transparent.pop():
                head_start = i + 1
                continue
            depth = max(depth - 1, 0)
            if depth == 0:
                if current:
                    length = line - current[1] + 1
                    if length > max_lines:
                        yield current[1], current[0], length
                current = None
                head_start = i + 1
        elif c == ";" and depth == 0:
            head_start = i + 1


def main(argv):
    max_lines = MAX_LINES_DEFAULT
    files = []
    args = iter(argv)
    for a in args:
        if a == "--max":
            max_lines = int(next(args))
        else:
            files.append(a)
    bad = 0
    for path in files:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError as e:
            print(f"{path}:0: cannot read: {e.strerror}")
            bad += 1
            continue
        for line, name, length in check(path, text, max_lines):
            print(f"{path}:{line}: function {name} is {length} lines (max {max_lines})")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
