/*
 * metrics.c — per-tool MCP metrics, the tool name being the only label:
 *   codegraph_mcp_tool_calls_total{tool}          every tools/call of a known tool
 *   codegraph_mcp_tool_errors_total{tool}         calls answered with isError: true
 *   codegraph_mcp_tool_duration_seconds{tool}     histogram of the call's run time
 * Registered once before serving (cg_mcp_metrics_register); the ids are process-wide,
 * like the index metrics. Hosts without a registry (stdio) pass metrics = NULL.
 */
#include "codegraph/metrics.h"
#include "mcp_int.h"

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                 0.05,   0.1,   0.25,   0.5,   1,    2.5};

static struct {
    struct cg_metrics *m;
    int calls[CG_MCP_TOOLS_MAX], errors[CG_MCP_TOOLS_MAX], seconds[CG_MCP_TOOLS_MAX];
} reg;

void cg_mcp_metrics_register(struct cg_metrics *m)
{
    int n;
    const cg_mcp_tool *const *t = cg_mcp_tools(&n);
    reg.m = m;
    for (int i = 0; m && i < n; i++) {
        reg.calls[i] = cg_metrics_counter(m, "codegraph_mcp_tool_calls_total",
                                          "MCP tools/call requests, by tool", "tool", t[i]->name);
        reg.errors[i] =
            cg_metrics_counter(m, "codegraph_mcp_tool_errors_total",
                               "MCP tool calls answered with isError, by tool", "tool", t[i]->name);
        reg.seconds[i] = cg_metrics_histogram(m, "codegraph_mcp_tool_duration_seconds",
                                              "Run time of MCP tool calls, by tool", "tool",
                                              t[i]->name, buckets, (int)CG_ARRAY_LEN(buckets));
    }
}

void cg_mcp_metrics_observe(const cg_mcp_host *h, int ti, int error, uint64_t dur_ns)
{
    int n;
    cg_mcp_tools(&n);
    if (!h->metrics || h->metrics != reg.m || ti < 0 || ti >= n) return;
    cg_metrics_add(reg.m, h->shard, reg.calls[ti], 1);
    if (error) cg_metrics_add(reg.m, h->shard, reg.errors[ti], 1);
    cg_metrics_observe(reg.m, h->shard, reg.seconds[ti], (double)dur_ns / 1e9);
}
