/*
 * fuzz_jsonrpc.c — libFuzzer target for the MCP JSON-RPC core (cg_mcp_handle): envelope
 * parsing and validation, method dispatch, tools/call argument checking against the input
 * schemas, cursors, prompts.
 *
 * The host has no graph (graph = NULL), so tool calls stop right after their arguments are
 * checked, and the resources methods answer an error: graph, store and search code is not linked
 * (unresolved symbols are allowed at link time; reaching one would crash, which is the
 * check that the NULL-graph guards hold). Checks (abort on failure): the outcome is one of
 * the three; a reply is non-empty valid JSON (parsed back with jansson) with "jsonrpc":"2.0"
 * and exactly one of result/error; an accepted message writes nothing; every answer stays
 * below CG_MCP_RESPONSE_BYTES_DEFAULT plus the input size (echoed ids and arguments).
 */
// fuzz-sources: src/mcp/*.c src/base/*.c
// fuzz-flags: -ljansson -lm -lpthread -no-pie -Wl,--unresolved-symbols=ignore-all
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/mcp.h"

#define CHECK(e) ((e) ? (void)0 : abort())

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cg_config cfg;
    cfg.mcp.enable_tools = cfg.mcp.enable_resources = cfg.mcp.enable_prompts = 1;
    cfg.mcp.request_timeout_ms = 60000;
    cg_mcp_host h = {.cfg = &cfg, .transport = "fuzz"};
    cg_buf out;
    cg_buf_init(&out);
    int rc = cg_mcp_handle(&h, (const char *)data, size, 0, &out);
    CHECK(rc == CG_MCP_REPLY || rc == CG_MCP_ACCEPTED || rc == CG_MCP_INVALID);
    CHECK(cg_buf_ok(&out));
    if (rc == CG_MCP_ACCEPTED) {
        CHECK(out.len == 0);
    } else {
        CHECK(out.len > 0 && out.len < CG_MCP_RESPONSE_BYTES_DEFAULT + 8 * size + 4096);
        json_error_t err;
        json_t *j = json_loadb(out.data, out.len, 0, &err);
        CHECK(j != NULL);
        json_t *v = json_object_get(j, "jsonrpc");
        CHECK(json_is_string(v) && strcmp(json_string_value(v), "2.0") == 0);
        CHECK(!json_object_get(j, "result") != !json_object_get(j, "error"));
        json_decref(j);
    }
    cg_buf_release(&out);
    return 0;
}
