/*
 * mcp.h — the Model Context Protocol server core: JSON-RPC 2.0 over any transport.
 *
 * One function, cg_mcp_handle, takes one JSON-RPC message (the body of a POST /mcp, or one
 * line of `codegraph mcp --stdio`) and writes the answer. The core is stateless: every
 * request carries what it needs, there is no session, so any reactor (or process) can
 * answer any request. Transports add only their framing and checks (HTTP: Origin, Host,
 * MCP-Protocol-Version, Accept, limits; stdio: newline framing).
 *
 * Methods: initialize, notifications/initialized (and any other notification: accepted),
 * ping, tools/list, tools/call, resources/list, resources/templates/list, resources/read,
 * prompts/list, prompts/get. Errors: -32700 parse error, -32600 invalid request (also
 * every JSON-RPC batch), -32601 unknown method, -32602 bad params (an unknown tool, a
 * missing tool name, an unknown resource or prompt). Problems with a tool's arguments or
 * with what it looked at (no such project, entity, file; a capability not available) are
 * tool results with isError: true and a sentence saying what to do instead, so the model
 * can correct itself.
 *
 * Bounds: every list a tool returns has a limit (small default, hard maximum), total,
 * truncated and an opaque cursor for the next page, and the whole answer stays below
 * host->response_bytes_max (CG_MCP_RESPONSE_BYTES_DEFAULT): items that would pass it are
 * left for the next page. Text from the indexed code is returned only inside data fields.
 */
#ifndef CODEGRAPH_MCP_H
#define CODEGRAPH_MCP_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/buf.h"
#include "codegraph/config.h"
#include "codegraph/graph.h"
#include "codegraph/index.h"

/** The protocol revision we speak; initialize echoes a supported client version. */
#define CG_MCP_PROTOCOL_LATEST "2025-11-25"
/** Answer size bound when the host gives 0: agents' clients refuse much more than 25k
 *  tokens, and 64 KiB of JSON (structured + text copy) stays well below that. */
#define CG_MCP_RESPONSE_BYTES_DEFAULT (64 * 1024)
/** Smallest answer bound a host may set (room for one item and the envelope). */
#define CG_MCP_RESPONSE_BYTES_MIN (8 * 1024)
/** Largest JSON-RPC message the core parses (transports bound it lower by config). */
#define CG_MCP_MESSAGE_BYTES_MAX (64u * 1024 * 1024)
/** Bytes of a JSON-RPC id we echo (longer string ids are an invalid request). */
#define CG_MCP_ID_MAX 256

struct cg_search;
struct cg_metrics;

/** What cg_mcp_handle produced. */
typedef enum cg_mcp_outcome {
    CG_MCP_REPLY = 0,    /**< `out` holds a JSON-RPC response (HTTP 200) */
    CG_MCP_ACCEPTED = 1, /**< a notification or a client response: nothing to send (202) */
    CG_MCP_INVALID = 2,  /**< `out` holds an error for an unparsable/invalid message (400) */
} cg_mcp_outcome;

/**
 * What the core needs from its host (the HTTP server or the stdio command). The graph and
 * config are read-only for the core; index_repository goes through index_start so the
 * host keeps its job table (conflicts, live progress).
 */
typedef struct cg_mcp_host {
    cg_graph *graph;
    const cg_config *cfg;
    const char *transport;     /**< "http" or "stdio" (reported by index_status) */
    size_t response_bytes_max; /**< 0 = CG_MCP_RESPONSE_BYTES_DEFAULT */
    /**
     * Create the project `name` at the resolved directory `real` (or reuse the project of
     * that name when its root is `real`) and start an index job. 0 with *project and
     * *job_id, else a CG_E* code with a sentence in msg. NULL: indexing not offered.
     */
    int (*index_start)(void *ud, const char *real, const char *name, uint32_t *project,
                       uint64_t *job_id, char *msg, size_t cap);
    /** Live progress of a job the host runs: 0, or CG_ENOTFOUND. May be NULL. */
    int (*job_progress)(void *ud, uint64_t job_id, cg_index_progress *out);
    void *ud;
    struct cg_search *search;   /**< search service (search.h); NULL: search unavailable */
    struct cg_metrics *metrics; /**< NULL: no metrics (stdio) */
    int shard;                  /**< metrics shard of the calling thread */
} cg_mcp_host;

/**
 * Handle one JSON-RPC message `body[0..len)`. `deadline_ns` (cg_time_mono_ns clock, 0 =
 * none) is the [mcp] request_timeout: tools check it between steps and answer a timeout
 * error rather than run past it. `out` is appended to (reset it first). Returns a
 * cg_mcp_outcome.
 */
int cg_mcp_handle(const cg_mcp_host *h, const char *body, size_t len, uint64_t deadline_ns,
                  cg_buf *out);

/** 1 when `v[0..n)` is a protocol version we accept (2025-11-25, 2025-06-18, 2025-03-26). */
int cg_mcp_protocol_supported(const char *v, size_t n);

/** Append a JSON-RPC error response with a null id (transport-level refusals). */
void cg_mcp_error_write(cg_buf *out, int code, const char *message);

/**
 * Register the per-tool metrics (before serving): codegraph_mcp_tool_calls_total{tool},
 * codegraph_mcp_tool_errors_total{tool}, codegraph_mcp_tool_duration_seconds{tool}.
 * Process-wide; NULL uninstalls. Hosts then pass the same registry in cg_mcp_host.
 */
void cg_mcp_metrics_register(struct cg_metrics *m);

#endif
