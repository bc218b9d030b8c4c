/*
 * limits.h — every fixed bound in CodeGraph, in one place (SQLite sqliteLimit.h style).
 *
 * Bounds that operators tune live in config (see config.h); these are the ones
 * that are part of the code's contract. Relations between them are checked with
 * _Static_assert at the bottom so an edit here cannot silently break another.
 */
#ifndef CODEGRAPH_LIMITS_H
#define CODEGRAPH_LIMITS_H

/* ---- HTTP framing (exact statuses in http.h) ---- */
#define CG_HTTP_REQUEST_LINE_MAX (8 * 1024)            /**< longer request line → 414 */
#define CG_HTTP_HEADER_LINE_MAX (8 * 1024)             /**< one longer header line → 431 */
#define CG_HTTP_HEADERS_TOTAL_MAX (32 * 1024)          /**< all header bytes → 431 */
#define CG_HTTP_HEADERS_COUNT_MAX 100                  /**< more header fields → 431 */
#define CG_HTTP_BODY_MAX_DEFAULT (10ull * 1024 * 1024) /**< server body max when unset */
#define CG_HTTP_CHUNK_EXT_MAX 1024                     /**< bytes of chunk extensions per chunk */
#define CG_HTTP_PIPELINE_MAX 64                        /**< parsed-but-unanswered requests/conn */
#define CG_HTTP_OUT_HIGH_WATER (1024 * 1024) /**< stop reading while this much is unsent */

/* ---- reactor ---- */
#define CG_REACTOR_WORKERS_MAX 256     /**< [server] workers upper bound */
#define CG_REACTOR_RECV_BUF_SIZE 16384 /**< bytes per provided recv buffer */
#define CG_REACTOR_RECV_BUF_COUNT 1024 /**< provided buffers per reactor (power of 2) */
#define CG_REACTOR_RING_ENTRIES 4096   /**< SQ entries per io_uring */
#define CG_REACTOR_TIMER_RES_MS 50     /**< connection timer resolution */
#define CG_REACTOR_LISTEN_BACKLOG 4096
#define CG_CONN_MAX_DEFAULT 10000

/* ---- thread pool ---- */
#define CG_POOL_THREADS_MAX 256
#define CG_POOL_QUEUE_MAX_DEFAULT 4096

/* ---- config ---- */
#define CG_CONFIG_FILE_MAX (1024 * 1024) /**< larger config file → error */
#define CG_CONFIG_LIST_MAX 4096          /**< items in one list value */
#define CG_CONFIG_STR_MAX 4096           /**< bytes in one string value */
#define CG_CONFIG_NEST_MAX 16            /**< array/table nesting depth */

/* ---- misc ---- */
#define CG_REQUEST_ID_LEN 16              /**< hex chars in a request id */
#define CG_DRAIN_TIMEOUT_MS_DEFAULT 20000 /**< SIGTERM drain bound (below k8s' 30 s) */
#define CG_LOG_LINE_MAX 8192

_Static_assert(CG_HTTP_HEADER_LINE_MAX <= CG_HTTP_HEADERS_TOTAL_MAX, "header line fits total");
_Static_assert(CG_HTTP_REQUEST_LINE_MAX <= CG_REACTOR_RECV_BUF_SIZE * 8, "request line bound");
_Static_assert((CG_REACTOR_RECV_BUF_COUNT & (CG_REACTOR_RECV_BUF_COUNT - 1)) == 0,
               "buffer ring size must be a power of two");

#endif
