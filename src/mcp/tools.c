/*
 * tools.c — the MCP tool table, in tools/list order: navigation first (what agents use
 * most), then search, then the project/index tools. Each tool lives with its kind
 * (tools_graph.c, tools_code.c, tools_impact.c, tools_search.c, tools_project.c).
 */
#include <string.h>

#include "mcp_int.h"

extern const cg_mcp_tool cg_mcp_tool_search_code, cg_mcp_tool_symbols, cg_mcp_tool_semantic,
    cg_mcp_tool_similar, cg_mcp_tool_snippet, cg_mcp_tool_outline, cg_mcp_tool_definition,
    cg_mcp_tool_references, cg_mcp_tool_trace, cg_mcp_tool_find_path, cg_mcp_tool_impact,
    cg_mcp_tool_projects, cg_mcp_tool_status, cg_mcp_tool_index;

static const cg_mcp_tool *const table[] = {
    &cg_mcp_tool_search_code, &cg_mcp_tool_symbols,    &cg_mcp_tool_semantic,
    &cg_mcp_tool_similar,     &cg_mcp_tool_snippet,    &cg_mcp_tool_outline,
    &cg_mcp_tool_definition,  &cg_mcp_tool_references, &cg_mcp_tool_trace,
    &cg_mcp_tool_find_path,   &cg_mcp_tool_impact,     &cg_mcp_tool_projects,
    &cg_mcp_tool_status,      &cg_mcp_tool_index,
};

_Static_assert(CG_ARRAY_LEN(table) <= CG_MCP_TOOLS_MAX, "tool table within its bound");

const cg_mcp_tool *const *cg_mcp_tools(int *n)
{
    *n = (int)CG_ARRAY_LEN(table);
    return table;
}

const cg_mcp_tool *cg_mcp_tool_find(const char *name)
{
    for (size_t i = 0; i < CG_ARRAY_LEN(table); i++)
        if (strcmp(table[i]->name, name) == 0) return table[i];
    return NULL;
}
