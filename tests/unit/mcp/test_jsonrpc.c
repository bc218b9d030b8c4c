/*
 * test_jsonrpc.c — the MCP JSON-RPC core without a transport and without an index.
 *
 * Proves: every tool's inputSchema and outputSchema is a JSON object schema whose
 * `required` names exist in its `properties` (the SDK clients validate against them);
 * envelope handling (parse error, batch, bad version, bad id, notification, client response,
 * unknown method, params not an object) gives the right outcome and code; initialize echoes
 * a supported version and answers the latest otherwise; argument checking against the
 * schemas names the unknown, missing, mistyped and out-of-range argument (the call fails
 * before any index access, which this host does not have); the answer budget accounting
 * counts each byte twice plus escapes and stops a list before the bound.
 */
#include <jansson.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/mcp.h"
#include "mcp/mcp_int.h"

static cg_config cfg;

static json_t *handle(const char *msg, int *outcome)
{
    cfg.mcp.enable_tools = cfg.mcp.enable_resources = cfg.mcp.enable_prompts = 1;
    cfg.mcp.request_timeout_ms = 60000;
    cg_mcp_host h = {.cfg = &cfg, .transport = "test"};
    cg_buf out;
    cg_buf_init(&out);
    *outcome = cg_mcp_handle(&h, msg, strlen(msg), 0, &out);
    json_error_t err;
    json_t *j = out.len ? json_loadb(out.data, out.len, 0, &err) : NULL;
    cg_buf_release(&out);
    return j;
}

static int error_code(json_t *j)
{
    return (int)json_integer_value(json_object_get(json_object_get(j, "error"), "code"));
}

/* The isError text of a tools/call answer, or "" when it is not an isError result. */
static const char *call_error(json_t *j)
{
    json_t *r = json_object_get(j, "result");
    if (!json_is_true(json_object_get(r, "isError"))) return "";
    return json_string_value(
        json_object_get(json_array_get(json_object_get(r, "content"), 0), "text"));
}

CG_TEST(schemas_are_object_schemas)
{
    int n;
    const cg_mcp_tool *const *t = cg_mcp_tools(&n);
    CG_CHECK_EQ_INT(n, 14);
    for (int i = 0; i < n; i++) {
        const char *texts[2] = {t[i]->input_schema, t[i]->output_schema};
        for (int k = 0; k < 2; k++) {
            json_error_t err;
            json_t *s = json_loads(texts[k], 0, &err);
            CG_CHECK(json_is_object(s));
            CG_CHECK_STR(json_string_value(json_object_get(s, "type")), "object");
            json_t *props = json_object_get(s, "properties"), *req = json_object_get(s, "required");
            CG_CHECK(json_is_object(props));
            size_t j;
            json_t *r;
            json_array_foreach(req, j, r) CG_CHECK(json_object_get(props, json_string_value(r)));
            json_decref(s);
        }
        CG_CHECK(cg_mcp_tool_find(t[i]->name) == t[i]);
    }
    CG_CHECK(cg_mcp_tool_find("nope") == NULL);
}

CG_TEST(envelope)
{
    int o;
    json_t *j = handle("{\"jsonrpc\":\"2.0\",", &o);
    CG_CHECK_EQ_INT(o, CG_MCP_INVALID);
    CG_CHECK_EQ_INT(error_code(j), -32700);
    json_decref(j);
    j = handle("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", &o);
    CG_CHECK_EQ_INT(o, CG_MCP_INVALID);
    CG_CHECK_EQ_INT(error_code(j), -32600);
    json_decref(j);
    j = handle("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", &o);
    CG_CHECK_EQ_INT(error_code(j), -32600);
    json_decref(j);
    j = handle("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", &o);
    CG_CHECK_EQ_INT(o, CG_MCP_INVALID);
    json_decref(j);
    j = handle("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &o);
    CG_CHECK_EQ_INT(o, CG_MCP_ACCEPTED);
    CG_CHECK(j == NULL);
    j = handle("{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{}}", &o);
    CG_CHECK_EQ_INT(o, CG_MCP_ACCEPTED);
    j = handle("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"nope\"}", &o);
    CG_CHECK_EQ_INT(o, CG_MCP_REPLY);
    CG_CHECK_EQ_INT(error_code(j), -32601);
    CG_CHECK_STR(json_string_value(json_object_get(j, "id")), "x");
    json_decref(j);
    j = handle("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\",\"params\":3}", &o);
    CG_CHECK_EQ_INT(error_code(j), -32602);
    json_decref(j);
    j = handle("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"ping\"}", &o);
    CG_CHECK(json_is_object(json_object_get(j, "result")));
    json_decref(j);
}

CG_TEST(initialize_versions)
{
    static const char *const asked[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
    static const char *const got[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2025-11-25"};
    for (int i = 0; i < 4; i++) {
        char msg[256];
        int o;
        snprintf(msg, sizeof msg,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"%s\"}}",
                 asked[i]);
        json_t *j = handle(msg, &o);
        json_t *r = json_object_get(j, "result");
        CG_CHECK_STR(json_string_value(json_object_get(r, "protocolVersion")), got[i]);
        CG_CHECK(json_object_get(json_object_get(r, "capabilities"), "tools") != NULL);
        json_decref(j);
    }
    CG_CHECK(cg_mcp_protocol_supported("2025-06-18", 10));
    CG_CHECK(!cg_mcp_protocol_supported("2025-06-1", 9));
}

static const char *call(const char *tool, const char *args, json_t **keep)
{
    char msg[1024];
    int o;
    snprintf(msg, sizeof msg,
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
             "\"arguments\":%s}}",
             tool, args);
    *keep = handle(msg, &o);
    return call_error(*keep);
}

CG_TEST(arguments_checked_against_schema)
{
    json_t *j;
    CG_CHECK(strstr(call("trace_path", "{\"bogus\":1}", &j), "Unknown argument \"bogus\""));
    json_decref(j);
    CG_CHECK(strstr(call("search_symbols", "{}", &j), "Missing argument \"query\""));
    json_decref(j);
    CG_CHECK(strstr(call("trace_path", "{\"depth\":\"x\"}", &j), "\"depth\" must be an integer"));
    json_decref(j);
    CG_CHECK(strstr(call("trace_path", "{\"depth\":11}", &j), "from 1 to 10"));
    json_decref(j);
    CG_CHECK(strstr(call("trace_path", "{\"direction\":\"up\"}", &j), "must be one of"));
    json_decref(j);
    CG_CHECK(strstr(call("trace_path", "{\"edges\":[\"calls\",3]}", &j), "array of strings"));
    json_decref(j);
    CG_CHECK(strstr(call("trace_path", "{\"edges\":[\"calls\",\"x\"]}", &j), "must be one of"));
    json_decref(j);
    CG_CHECK(strstr(call("search_symbols", "{\"query\":\"\"}", &j), "must not be empty"));
    json_decref(j);
    /* valid arguments (5.0 is the integer 5, null is absent) pass the check: the call then
     * stops at the missing index, not at the arguments */
    CG_CHECK(strstr(call("trace_path", "{\"depth\":5.0,\"symbol\":\"f\",\"kind\":null}", &j),
                    "index is not open"));
    json_decref(j);
    int o;
    j = handle("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
               "\"nope\"}}",
               &o);
    CG_CHECK_EQ_INT(error_code(j), -32602);
    json_decref(j);
}

CG_TEST(budget_accounting)
{
    cg_buf sc;
    cg_buf_init(&sc);
    cg_mcp_call c = {.sc = &sc, .budget = 100};
    CG_CHECK_EQ_INT((int)cg_mcp_cost("ab", 2), 4);
    CG_CHECK_EQ_INT((int)cg_mcp_cost("\"\\", 2), 6);
    CG_CHECK_EQ_INT((int)cg_mcp_cost("\x01", 1), 7);
    cg_buf_puts(&sc, "{\"items\":[");             /* 10 bytes, 2 of them quotes: cost 22 */
    cg_buf_puts(&sc, "\"aaaaaaaaaaaaaaaaaaaa\""); /* 22 bytes, 2 quotes: cost 46 → 68 */
    CG_CHECK(cg_mcp_item_fits(&c, 22));
    size_t before = c.acc_cost;
    cg_buf_puts(&sc, ",\"aaaaaaaaaaaaaaaaaaaa\"");
    CG_CHECK_EQ_INT((int)before, 68);
    CG_CHECK(!cg_mcp_item_fits(&c, 23)); /* 68 + 48 > 100 */
    CG_CHECK_EQ_INT((int)c.acc_cost, 68);
    sc.len -= 23; /* the caller drops the item that did not fit */
    CG_CHECK_EQ_INT((int)cg_mcp_budget_left(&c), 32);
    cg_buf_release(&sc);
}

CG_TEST_MAIN()
