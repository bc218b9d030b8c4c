/*
 * schemas.h — JSON Schema fragments shared by the tool definitions (string literals that
 * concatenate into each tool's inputSchema / outputSchema). Private to src/mcp.
 */
#ifndef CODEGRAPH_MCP_SCHEMAS_H
#define CODEGRAPH_MCP_SCHEMAS_H

/* ---- input properties ---- */
#define IN_PROJECT                                                                                 \
    "\"project\":{\"type\":[\"string\",\"integer\"],\"description\":\"Project name or id; "        \
    "optional when only one project is indexed\"}"
#define IN_ENTITY                                                                                  \
    "\"entity_id\":{\"type\":\"integer\",\"minimum\":1,\"description\":\"Entity id from another "  \
    "tool's answer\"},\"symbol\":{\"type\":\"string\",\"description\":\"Instead of entity_id: a "  \
    "name or qualified name such as parse or Parser.parse\"},\"kind\":{\"type\":\"string\","       \
    "\"description\":\"With symbol: only this kind (function, method, class, ...)\"},"             \
    "\"path\":{\"type\":\"string\",\"description\":\"With symbol: only definitions in this file "  \
    "(relative to the project root)\"}"
#define IN_PAGE(def)                                                                               \
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":200,\"default\":" #def              \
    ",\"description\":\"Items per page\"},\"cursor\":{\"type\":\"string\",\"description\":"        \
    "\"The cursor of the previous answer, to get the next page\"}"
#define IN_EDGES                                                                                   \
    "\"edges\":{\"type\":\"array\",\"maxItems\":6,\"items\":{\"type\":\"string\",\"enum\":["       \
    "\"contains\",\"calls\",\"imports\",\"inherits\",\"implements\",\"references\"]},"             \
    "\"description\":\"Edge kinds to follow (default: calls)\"}"
#define IN_OBJECT(props, req)                                                                      \
    "{\"type\":\"object\",\"properties\":{" props "},\"required\":[" req                           \
    "],\"additionalProperties\":false}"

/* ---- output pieces ---- */
#define T_STR "{\"type\":\"string\"}"
#define T_INT "{\"type\":\"integer\"}"
#define T_BOOL "{\"type\":\"boolean\"}"
#define T_NUM "{\"type\":\"number\"}"
#define T_STR_NULL "{\"type\":[\"string\",\"null\"]}"
#define T_INT_NULL "{\"type\":[\"integer\",\"null\"]}"
#define OUT_ENTITY                                                                                 \
    "{\"type\":\"object\",\"properties\":{\"id\":" T_INT ",\"name\":" T_STR                        \
    ",\"qualified_name\":" T_STR ",\"kind\":" T_STR ",\"language\":" T_STR_NULL                    \
    ",\"project\":" T_STR_NULL ",\"path\":" T_STR ",\"line\":" T_INT ",\"end_line\":" T_INT        \
    ",\"signature\":" T_STR_NULL ",\"doc\":" T_STR_NULL ",\"parent\":" T_INT_NULL                  \
    "},\"required\":[\"id\",\"name\",\"qualified_name\",\"kind\",\"path\",\"line\","               \
    "\"end_line\"]}"
#define OUT_PAGING                                                                                 \
    "\"total\":" T_INT ",\"limit\":" T_INT ",\"truncated\":" T_BOOL ",\"bounded\":" T_BOOL         \
    ",\"cursor\":" T_STR_NULL ",\"generation\":" T_INT
#define OUT_PAGING_REQ "\"items\",\"total\",\"limit\",\"truncated\",\"cursor\""
#define OUT_ITEMS "\"items\":{\"type\":\"array\",\"items\":" OUT_ENTITY "}"
#define OUT_OBJECT(props, req)                                                                     \
    "{\"type\":\"object\",\"properties\":{" props "},\"required\":[" req "]}"

#endif
