#!/usr/bin/env python3
"""gen_expected.py — derive the expected results of the TOML corpus from Python's tomllib.

For every tests/config/corpus/valid/NAME.toml, parse it with tomllib (Python >= 3.11,
standard library) and write NAME.json beside it in the canonical typed JSON form that
src/config/toml.c writes (cg_toml_dump_json; the format is specified in src/config/toml.h).
For every tests/config/corpus/invalid/NAME.toml, check that tomllib rejects it.
tests/unit/config/test_tomllib_corpus.c then checks our parser against these files.

Exit status: 0 when every valid file parsed and every invalid file was rejected by
tomllib; 1 otherwise (the corpus itself is wrong). Stale .json files are removed.

Usage: tests/config/gen_expected.py [CORPUS_DIR]   (default: the corpus beside this script)
"""
import datetime
import math
import os
import sys
import tomllib


def jstr(s):
    """A JSON string: only '"', '\\', U+0000-U+001F and U+007F escaped (as toml.c does)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif o < 0x20 or o == 0x7F:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def fmt_time(t):
    s = "%02d:%02d:%02d" % (t.hour, t.minute, t.second)
    if t.microsecond:
        s += ".%06d" % t.microsecond
    return s


def fmt_date(d):
    return "%04d-%02d-%02d" % (d.year, d.month, d.day)


def fmt_offset(dt):
    total = int(dt.utcoffset().total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return "%s%02d:%02d" % (sign, total // 3600, total % 3600 // 60)


def scalar(kind, text):
    return '{"%s":%s}' % (kind, jstr(text))


def canon(v):
    """The canonical typed JSON of a tomllib value."""
    if isinstance(v, bool):
        return scalar("bool", "true" if v else "false")
    if isinstance(v, int):
        return scalar("integer", str(v))
    if isinstance(v, float):
        return scalar("float", "nan" if math.isnan(v) else repr(v))
    if isinstance(v, str):
        return scalar("string", v)
    if isinstance(v, datetime.datetime):
        text = fmt_date(v) + "T" + fmt_time(v)
        if v.tzinfo is None:
            return scalar("datetime-local", text)
        return scalar("datetime", text + fmt_offset(v))
    if isinstance(v, datetime.date):
        return scalar("date-local", fmt_date(v))
    if isinstance(v, datetime.time):
        return scalar("time-local", fmt_time(v))
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode("utf-8"))
        return "{" + ",".join(jstr(k) + ":" + canon(v[k]) for k in keys) + "}"
    raise TypeError("unexpected value %r" % (v,))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    bad = 0
    vdir, idir = os.path.join(corpus, "valid"), os.path.join(corpus, "invalid")
    valid = sorted(f for f in os.listdir(vdir) if f.endswith(".toml"))
    invalid = sorted(f for f in os.listdir(idir) if f.endswith(".toml"))
    for name in valid:
        path = os.path.join(vdir, name)
        try:
            with open(path, "rb") as f:
                doc = tomllib.load(f)
        except Exception as e:  # noqa: BLE001 — any failure means the corpus is wrong
            print("valid/%s: tomllib rejects it: %s" % (name, e), file=sys.stderr)
            bad += 1
            continue
        with open(path[:-5] + ".json", "w", encoding="utf-8", newline="\n") as f:
            f.write(canon(doc) + "\n")
    for name in os.listdir(vdir):
        if name.endswith(".json") and name[:-5] + ".toml" not in valid:
            os.remove(os.path.join(vdir, name))
    for name in invalid:
        try:
            with open(os.path.join(idir, name), "rb") as f:
                tomllib.load(f)
        except Exception:  # noqa: BLE001 — tomllib.TOMLDecodeError or UnicodeDecodeError
            continue
        print("invalid/%s: tomllib accepts it" % name, file=sys.stderr)
        bad += 1
    print("gen_expected: %d valid, %d invalid, %d problems" % (len(valid), len(invalid), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
