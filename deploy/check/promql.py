#!/usr/bin/env python3
"""promql.py — check the PromQL of the alert rules and the Grafana dashboard.

    deploy/check/promql.py --alerts A.yml --dashboard D.json [--scrape METRICS.txt]
                           [--routes ROUTES.json] [--promtool promtool]

1. Every dashboard query (Grafana variables replaced by concrete values) is written as a
   recording rule into a temporary rules file and parsed by `promtool check rules`, the
   same parser Prometheus uses (alerts.yml is checked by promtool directly).
2. With --scrape (the text of a live GET /metrics): every metric name used by an alert,
   a dashboard query or a dashboard variable must be in the scrape; the only exception
   is `up`, which Prometheus records itself for every target.
3. With --routes (`codegraph routes --json`): every endpoint="..." / endpoint=~"..."
   alternative in a query must match a route template, so panels do not silently
   select nothing after a route is renamed.
Prints each problem; exit 1 when there is one.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
            "or", "unless", "offset", "inf", "nan", "Inf", "NaN"}
PROMETHEUS_OWN = {"up"}


def grafana_to_promql(expr):
    expr = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m")
    return re.sub(r"\$\{?\w+\}?", ".*", expr)


def metric_names(expr):
    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    s = re.sub(r"\{[^}]*\}", "", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", s)
    s = re.sub(r"\[[^\]]*\]", "", s)
    out = set()
    for m in re.finditer(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*", s):
        if s[m.end():].lstrip().startswith("(") or m.group(0) in KEYWORDS:
            continue
        out.add(m.group(0))
    return out


def scrape_names(text):
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", line).group(0))
    return names


def alert_exprs(path):
    # Minimal reading of our own alerts.yml: "expr:" lines and their "|" blocks.
    exprs, cur, lines = [], None, open(path).read().splitlines()
    for ln in lines:
        m = re.match(r"^(\s*)expr:\s*(.*)$", ln)
        if m:
            if cur is not None:
                exprs.append(cur)
            body = m.group(2).strip()
            cur = "" if body == "|" else body
            ind = len(m.group(1))
            continue
        if cur is not None and ln.strip() and len(ln) - len(ln.lstrip()) > ind and \
                not re.match(r"^\s*\w+:", ln):
            cur += " " + ln.strip()
        elif cur is not None:
            exprs.append(cur)
            cur = None
    if cur is not None:
        exprs.append(cur)
    return [e for e in exprs if e]


def dashboard_queries(path):
    d = json.load(open(path))
    queries = []
    for p in d["panels"]:
        for t in p.get("targets", []):
            queries.append(("panel %d %s" % (p["id"], p["title"]), t["expr"]))
    variables = []
    for v in d.get("templating", {}).get("list", []):
        m = re.match(r"label_values\(([^,)]+)", v.get("query", "") if v["type"] == "query" else "")
        if m:
            variables.append(("variable " + v["name"], m.group(1)))
    return queries, variables


def endpoint_problems(where, expr, templates):
    out = []
    for m in re.finditer(r'endpoint\s*(=~|=)\s*"([^"]*)"', expr):
        for alt in m.group(2).split("|"):
            rx = re.compile("^" + (alt if m.group(1) == "=~" else re.escape(alt)) + "$")
            if not any(rx.match(t) for t in templates):
                out.append("%s: endpoint %r matches no route" % (where, alt))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--alerts", required=True)
    ap.add_argument("--dashboard", required=True)
    ap.add_argument("--scrape")
    ap.add_argument("--routes")
    ap.add_argument("--promtool", default="promtool")
    a = ap.parse_args()
    problems = []
    queries, variables = dashboard_queries(a.dashboard)
    rules = ["groups:", "  - name: dashboard-queries", "    rules:"]
    for i, (where, expr) in enumerate(queries):
        rules.append("      - record: dashboard:query_%d" % i)
        rules.append("        expr: %s" % json.dumps(grafana_to_promql(expr)))
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        f.write("\n".join(rules) + "\n")
    try:
        p = subprocess.run([a.promtool, "check", "rules", f.name], capture_output=True,
                           text=True)
        if p.returncode != 0:
            problems.append("promtool rejects dashboard queries:\n" + p.stdout + p.stderr)
    finally:
        os.unlink(f.name)
    alerts = alert_exprs(a.alerts)
    if not alerts:
        problems.append("no alert expressions found in " + a.alerts)
    if a.scrape:
        have = scrape_names(open(a.scrape).read())
        used = [("alert", e) for e in alerts] + queries + variables
        for where, expr in used:
            for name in sorted(metric_names(expr) - have - PROMETHEUS_OWN):
                problems.append("%s: metric %s is not in the live scrape" % (where, name))
    if a.routes:
        templates = [r["path"] for r in json.load(open(a.routes))["routes"]]
        for where, expr in queries:
            problems += endpoint_problems(where, expr, templates)
    for pr in problems:
        print("promql: " + pr)
    if problems:
        sys.exit(1)
    print("promql: %d dashboard queries parse, %d alert expressions%s" % (
        len(queries), len(alerts), ", every metric is in the scrape" if a.scrape else ""))


if __name__ == "__main__":
    main()
