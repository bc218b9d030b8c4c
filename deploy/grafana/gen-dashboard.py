#!/usr/bin/env python3
"""gen-dashboard.py — write deploy/grafana/codegraph-dashboard.json (Grafana 10+ schema).

Rows: traffic (request rate, latency percentiles, errors), resources (memory, CPU, file
descriptors, disk), indexing (queue, files, jobs, parse time), search and vector index
(the search, similar and vector admin endpoints), MCP. Every query names only series the
server exports (tools/check_artifacts.sh and tests/integration/test_deploy.py check them
against a live scrape and parse each with promtool). Edit this script, not the JSON.

Usage: deploy/grafana/gen-dashboard.py [OUT]
"""

import json
import os
import sys

SEL = 'job=~"$job", instance=~"$instance"'
SEARCH_EP = "/api/v1/search|/api/v1/similar"
VECTOR_EP = "/api/v1/similar|/api/v1/admin/vector/.*"


def q(expr, legend):
    return {"expr": expr, "legendFormat": legend, "refId": None}


def panel(title, targets, unit="short", kind="timeseries", w=8, desc=""):
    return {"type": kind, "title": title, "description": desc, "unit": unit,
            "targets": targets, "w": w}


ROWS = [
    ("Traffic", [
        panel("Request rate by endpoint", [
            q('sum by (endpoint) (rate(codegraph_requests_total{%s}[$__rate_interval]))' % SEL,
              "{{endpoint}}")], "reqps"),
        panel("Latency percentiles", [
            q('histogram_quantile(%s, sum by (le) (rate(codegraph_request_duration_seconds_bucket'
              '{%s}[$__rate_interval])))' % (p, SEL), "p%s" % l)
            for p, l in (("0.5", "50"), ("0.95", "95"), ("0.99", "99"))], "s"),
        panel("Errors", [
            q('sum by (status) (rate(codegraph_requests_total{%s, status=~"[45].."}'
              '[$__rate_interval]))' % SEL, "{{status}}"),
            q('sum by (kind) (rate(codegraph_http_errors_total{%s}[$__rate_interval]))' % SEL,
              "rejected: {{kind}}"),
            q('sum by (reason) (rate(codegraph_security_rejections_total{%s}[$__rate_interval]))'
              % SEL, "security: {{reason}}"),
            q('rate(codegraph_connections_refused_total{%s}[$__rate_interval])' % SEL,
              "refused connections")], "reqps"),
        panel("Error ratio (5xx)", [
            q('sum(rate(codegraph_requests_total{%s, status=~"5.."}[$__rate_interval])) / '
              'sum(rate(codegraph_requests_total{%s}[$__rate_interval]))' % (SEL, SEL), "5xx")],
            "percentunit", "stat"),
        panel("Open connections", [
            q('codegraph_connections_open{%s}' % SEL, "{{instance}}")]),
        panel("Ready", [q('codegraph_ready{%s}' % SEL, "{{instance}}")], "short", "stat"),
    ]),
    ("Resources", [
        panel("Memory", [
            q('process_resident_memory_bytes{%s}' % SEL, "RSS {{instance}}"),
            q('process_virtual_memory_bytes{%s}' % SEL, "virtual {{instance}}")], "bytes"),
        panel("CPU", [
            q('rate(process_cpu_seconds_total{%s}[$__rate_interval])' % SEL, "cores used"),
            q('codegraph_host_cpus{%s}' % SEL, "cores online"),
            q('codegraph_host_load5{%s}' % SEL, "load 5m")]),
        panel("File descriptors and threads", [
            q('process_open_fds{%s}' % SEL, "open fds"),
            q('process_max_fds{%s}' % SEL, "max fds"),
            q('process_threads{%s}' % SEL, "threads")]),
        panel("Database and disk", [
            q('codegraph_database_size_bytes{%s}' % SEL, "database"),
            q('codegraph_data_filesystem_avail_bytes{%s}' % SEL, "disk free")], "bytes"),
        panel("Uptime", [
            q('time() - process_start_time_seconds{%s}' % SEL, "{{instance}}")], "s", "stat"),
        panel("Build", [
            q('codegraph_build_info{%s}' % SEL, "{{version}} {{commit}} {{io_backend}}")],
            "short", "stat"),
    ]),
    ("Indexing", [
        panel("Queue depth", [q('codegraph_indexing_queue_depth{%s}' % SEL, "queued")]),
        panel("Files indexed per second", [
            q('sum by (outcome) (rate(codegraph_index_files_total{%s}[$__rate_interval]))' % SEL,
              "{{outcome}}")], "ops"),
        panel("Jobs finished", [
            q('sum by (state) (increase(codegraph_index_jobs_total{%s}[$__rate_interval]))'
              % SEL, "{{state}}")]),
        panel("Parse time p95 by language", [
            q('histogram_quantile(0.95, sum by (le, language) (rate('
              'codegraph_parse_duration_seconds_bucket{%s}[$__rate_interval])))' % SEL,
              "{{language}}")], "s"),
        panel("Source parsed", [
            q('rate(codegraph_index_bytes_total{%s}[$__rate_interval])' % SEL, "bytes/s"),
            q('rate(codegraph_index_entities_total{%s}[$__rate_interval])' % SEL,
              "entities/s")]),
        panel("Files by language", [
            q('sum by (language) (increase(codegraph_index_files_by_language_total{%s}'
              '[$__rate_interval]))' % SEL, "{{language}}")]),
    ]),
    ("Search and vector index", [
        panel("Search rate", [
            q('sum by (endpoint) (rate(codegraph_requests_total{%s, endpoint=~"%s"}'
              '[$__rate_interval]))' % (SEL, SEARCH_EP), "{{endpoint}}")], "reqps"),
        panel("Search latency p95", [
            q('histogram_quantile(0.95, sum by (le, endpoint) (rate('
              'codegraph_request_duration_seconds_bucket{%s, endpoint=~"%s"}'
              '[$__rate_interval])))' % (SEL, SEARCH_EP), "{{endpoint}}")], "s"),
        panel("Vector index size", [
            q('codegraph_vector_index_vectors{%s}' % SEL, "vectors"),
            q('codegraph_vector_index_delta_vectors{%s}' % SEL, "in the delta")]),
        panel("Vector index file and rebuilds", [
            q('codegraph_vector_index_file_bytes{%s}' % SEL, "file bytes"),
            q('codegraph_vector_index_last_build_seconds{%s}' % SEL, "last build (s)"),
            q('codegraph_vector_index_rebuilding{%s}' % SEL, "rebuilding"),
            q('codegraph_vector_index_needs_rebuild{%s}' % SEL, "needs rebuild")]),
        panel("Vector index requests", [
            q('sum by (endpoint, status) (rate(codegraph_requests_total{%s, endpoint=~"%s"}'
              '[$__rate_interval]))' % (SEL, VECTOR_EP), "{{endpoint}} {{status}}")],
            "reqps", desc="Similarity queries and vector index administration "
                          "(stats, rebuild)"),
    ]),
    ("MCP", [
        panel("Tool calls", [
            q('sum by (tool) (rate(codegraph_mcp_tool_calls_total{%s}[$__rate_interval]))'
              % SEL, "{{tool}}")], "ops"),
        panel("Tool errors", [
            q('sum by (tool) (rate(codegraph_mcp_tool_errors_total{%s}[$__rate_interval]))'
              % SEL, "{{tool}}")], "ops"),
        panel("Tool latency p95", [
            q('histogram_quantile(0.95, sum by (le, tool) (rate('
              'codegraph_mcp_tool_duration_seconds_bucket{%s}[$__rate_interval])))' % SEL,
              "{{tool}}")], "s"),
    ]),
]


def build():
    panels, pid, y = [], 1, 0
    ds = {"type": "prometheus", "uid": "${datasource}"}
    for title, row in ROWS:
        panels.append({"id": pid, "type": "row", "title": title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        pid, y, x = pid + 1, y + 1, 0
        for p in row:
            if x + p["w"] > 24:
                x, y = 0, y + 8
            targets = []
            for i, t in enumerate(p["targets"]):
                targets.append(dict(t, refId=chr(ord("A") + i), datasource=ds))
            panels.append({
                "id": pid, "type": p["kind"] if "kind" in p else p["type"],
                "title": p["title"], "description": p["description"], "datasource": ds,
                "gridPos": {"h": 8, "w": p["w"], "x": x, "y": y},
                "fieldConfig": {"defaults": {"unit": p["unit"]}, "overrides": []},
                "options": {}, "targets": targets})
            pid, x = pid + 1, x + p["w"]
        y += 8
    var = lambda name, query: {  # noqa: E731
        "name": name, "type": "query", "datasource": ds, "query": query,
        "definition": query, "includeAll": True, "multi": True, "allValue": ".*",
        "current": {}, "refresh": 2, "sort": 1}
    return {
        "title": "CodeGraph", "uid": "codegraph-overview", "tags": ["codegraph"],
        "timezone": "browser", "schemaVersion": 39, "version": 1, "editable": True,
        "refresh": "30s", "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus",
             "current": {}, "hide": 0},
            var("job", "label_values(codegraph_build_info, job)"),
            var("instance", 'label_values(codegraph_build_info{job=~"$job"}, instance)'),
        ]},
        "annotations": {"list": []},
        "panels": panels,
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "codegraph-dashboard.json")
    with open(out, "w") as f:
        json.dump(build(), f, indent=2)
        f.write("\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
