#!/usr/bin/env python3
"""run.py — run the integration tests against the real binary.

    tests/integration/run.py                    every tests/integration/test_*.py
    tests/integration/run.py -k pipelin         only tests whose id contains the pattern
    tests/integration/run.py test_lifecycle.py  only these files (paths or bare names)

Prints one line per test ("ok   <name>", "FAIL <name>", "skip <name>: <why>"), the
tracebacks of failures, and as its last line exactly "N passed, N failed" (plus
", N skipped" when some were skipped). Exit status 1 when anything failed.
The binary is $CG_BIN, default zig-out/bin/codegraph.
"""

import argparse
import glob
import importlib.util
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class LineResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.passed = 0
        self.lines = []
        self.t0 = {}

    @staticmethod
    def name(test):
        return test.id().replace("__main__.", "")

    def startTest(self, test):
        super().startTest(test)
        self.t0[test.id()] = time.monotonic()
        sys.stdout.flush()

    def _dt(self, test):
        return time.monotonic() - self.t0.get(test.id(), time.monotonic())

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        print("ok   %s (%.1fs)" % (self.name(test), self._dt(test)), flush=True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        print("FAIL %s (%.1fs)" % (self.name(test), self._dt(test)), flush=True)

    def addError(self, test, err):
        super().addError(test, err)
        name = self.name(test) if isinstance(test, unittest.TestCase) else str(test)
        print("FAIL %s (error)" % name, flush=True)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        print("skip %s: %s" % (self.name(test), reason), flush=True)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.passed += 1
        print("ok   %s (expected failure)" % self.name(test), flush=True)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        print("FAIL %s (unexpected success)" % self.name(test), flush=True)


def load_file(loader, path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return loader.loadTestsFromModule(mod)


def resolve(files):
    if not files:
        return sorted(glob.glob(os.path.join(HERE, "test_*.py")))
    out = []
    for f in files:
        for cand in (f, os.path.join(HERE, f), os.path.join(HERE, f + ".py")):
            if os.path.isfile(cand):
                out.append(os.path.abspath(cand))
                break
        else:
            sys.exit("run.py: no such test file: %s" % f)
    return out


def main():
    ap = argparse.ArgumentParser(description="CodeGraph integration tests")
    ap.add_argument("-k", dest="patterns", action="append", default=[],
                    help="only tests whose id contains this substring (repeatable)")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    import harness
    if not (os.path.isfile(harness.BIN) and os.access(harness.BIN, os.X_OK)):
        print("FAIL no binary at %s (build it: vendor/bin/zig build -Doptimize=ReleaseFast, "
              "or set CG_BIN)" % harness.BIN)
        print("0 passed, 1 failed")
        sys.exit(1)
    loader = unittest.TestLoader()
    if a.patterns:
        loader.testNamePatterns = ["*%s*" % p if "*" not in p else p for p in a.patterns]
    suite = unittest.TestSuite()
    for path in resolve(a.files):
        suite.addTests(load_file(loader, path))
    res = LineResult()
    t0 = time.monotonic()
    suite.run(res)
    for test, tb in res.failures + res.errors:
        name = LineResult.name(test) if isinstance(test, unittest.TestCase) else str(test)
        print("\n==== FAIL %s\n%s" % (name, tb.rstrip()))
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    print("(%.1fs)" % (time.monotonic() - t0))
    line = "%d passed, %d failed" % (res.passed, failed)
    if res.skipped:
        line += ", %d skipped" % len(res.skipped)
    print(line)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
