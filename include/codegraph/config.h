/*
 * config.h — the CodeGraph configuration: every section and key of the operations
 * manual's "Complete Configuration File", plus the keys CONTRACT.md adds.
 *
 * Sources, lowest to highest precedence: built-in defaults < TOML file <
 * environment (CODEGRAPH_<SECTION>_<KEY> and the short docker-compose forms) <
 * command line (cg_config_set). Units are normalised on load: durations are
 * milliseconds (`_ms`), sizes are bytes (`_bytes`); keys the manual gives in MB
 * stay MB and say so (`_mb`). Lists are cg_strlist. Every string is owned by the
 * cg_config and freed by cg_config_release.
 *
 * A key whose feature is not built yet is accepted, but reported by
 * cg_config_report_unimplemented() at start and by --check-config, never
 * silently ignored.
 */
#ifndef CODEGRAPH_CONFIG_H
#define CODEGRAPH_CONFIG_H

#include <stdint.h>
#include <stdio.h>

typedef struct cg_strlist {
    char **items;
    int n;
} cg_strlist;

typedef struct cg_histbuckets {
    double v[32];
    int n;
} cg_histbuckets;

typedef enum { CG_IO_AUTO = 0, CG_IO_URING = 1, CG_IO_EPOLL = 2 } cg_io_backend;

typedef struct cg_config_server {
    char *host;            /**< "127.0.0.1" */
    int port;              /**< 8000; 0 = ephemeral (tests) */
    int workers;           /**< 0 = number of cores */
    int max_connections;   /**< 1000 */
    int64_t timeout_ms;    /**< request timeout, 30s; also header/body read timeout */
    int64_t keep_alive_ms; /**< idle keep-alive timeout, 75s */
    int cors_enabled;
    cg_strlist cors_origins, cors_methods, cors_headers;
    int cors_max_age;         /**< seconds */
    cg_io_backend io_backend; /**< auto|io_uring|epoll */
    int64_t drain_timeout_ms; /**< SIGTERM drain bound, 20s */
} cg_config_server;

typedef struct cg_config_database {
    char *path; /**< "./data/rocks.db" */
    int cache_size_mb, write_buffer_size_mb, max_write_buffer_number, max_open_files;
    int enable_statistics, max_background_jobs;
    int level0_file_num_compaction_trigger, level0_slowdown_writes_trigger;
    int level0_stop_writes_trigger;
    uint64_t target_file_size_base, max_bytes_for_level_base;
    char *compression_type; /**< none|snappy|lz4|zstd */
    int compression_level;
    char *bottommost_compression_type;
    int backup_enabled;
    int64_t backup_interval_ms, backup_retention_ms;
    char *backup_path;
} cg_config_database;

typedef struct cg_config_vector {
    int enabled;
    char *index_type; /**< hnsw|ivf|flat */
    int dimension;
    char *metric; /**< cosine|l2|inner_product */
    int hnsw_m, hnsw_ef_construction, hnsw_ef_search;
    int64_t hnsw_max_elements;
    int ivf_nlist, ivf_nprobe;
    char *embedding_model, *model_cache_dir;
    int embedding_batch_size;
    char *embedding_provider;     /**< builtin|openai|ollama|tei (embed_provider.h) */
    char *embedding_url;          /**< provider base URL, http:// only; "" = provider default */
    char *embedding_api_key;      /**< secret: sent as "Authorization: Bearer"; "" = none */
    int64_t embedding_timeout_ms; /**< one HTTP attempt: connect + send + receive */
    int embedding_retries;        /**< retries after the first attempt (429/5xx/connection) */
    int embedding_normalize;      /**< L2-normalise provider vectors */
} cg_config_vector;

typedef struct cg_config_parsing {
    cg_strlist languages;
    uint64_t max_file_size_bytes;
    int max_files_per_project, max_line_length, encoding_detection;
    cg_strlist ignore_patterns;
    cg_strlist allowed_roots; /**< default: the working directory */
    struct {
        int parse_tests, parse_benchmarks, parse_examples, extract_docs;
    } rust;
    struct {
        int parse_notebooks, parse_stubs, extract_docstrings;
    } python;
    struct {
        int parse_jsx, parse_vue, parse_typescript;
    } javascript;
} cg_config_parsing;

typedef struct cg_config_mcp {
    int enabled;
    char *endpoint;                   /**< "/mcp" */
    uint64_t max_request_size_bytes;  /**< 10MB; also the server's request-body max */
    uint64_t max_response_size_bytes; /**< 64KB: no MCP answer is larger (lists page) */
    int max_concurrent_requests;
    int64_t request_timeout_ms;
    int rate_limit; /**< requests per minute per client */
    int enable_streaming, enable_tools, enable_resources, enable_prompts;
} cg_config_mcp;

typedef struct cg_config_security {
    int api_key_required;
    char *api_key_header, *api_key_prefix;
    int admin_api_key_required;
    cg_strlist api_keys, admin_api_keys; /**< secrets: never logged */
    int jwt_enabled;
    char *jwt_secret, *jwt_algorithm; /**< jwt_secret is a secret */
    int64_t jwt_expiration_ms;
    int jwt_refresh_enabled;
    int rate_limiting, rate_limit_global, rate_limit_per_client, rate_limit_burst;
    int64_t rate_limit_window_ms;
    cg_strlist ip_allowlist, ip_blocklist;
    cg_strlist trusted_proxies;       /**< peers whose X-Forwarded-For / X-Real-IP count */
    int allow_unauthenticated_remote; /**< serve a non-loopback host without credentials */
    int public_metrics;               /**< /metrics open (true) or needs a user credential */
} cg_config_security;

typedef struct cg_config_logging {
    char *level, *format, *output;
    int include_timestamp, include_level, include_target, include_thread_id;
    int include_request_id, include_user_agent, include_response_time;
    char *log_file_path;
    uint64_t max_file_size_bytes;
    int max_files, compress_rotated;
    int syslog_enabled;
    char *syslog_facility, *syslog_ident;
} cg_config_logging;

typedef struct cg_config_metrics {
    int enabled;
    char *endpoint; /**< "/metrics" */
    int include_system_metrics, include_custom_metrics;
    int64_t collection_interval_ms;
    cg_histbuckets histogram_buckets;
    int include_method_label, include_endpoint_label, include_status_label;
} cg_config_metrics;

typedef struct cg_config_performance {
    int64_t query_timeout_ms, search_timeout_ms, index_timeout_ms, backup_timeout_ms;
    int max_concurrent_queries, max_concurrent_searches;
    int max_concurrent_indexing, max_concurrent_backups;
    uint64_t max_memory_usage_bytes;
    int64_t memory_check_interval_ms, gc_interval_ms;
    double memory_pressure_threshold;
    int enable_query_cache, query_cache_size;
    int64_t query_cache_ttl_ms;
    int enable_result_cache, result_cache_size;
    int64_t result_cache_ttl_ms;
    int batch_size, max_batch_size;
    int64_t batch_timeout_ms;
    int pool_threads;   /**< thread-pool size; 0 = number of cores */
    int pool_queue_max; /**< bounded job queue */
} cg_config_performance;

typedef struct cg_config_health {
    int enabled;
    char *endpoint, *detailed_endpoint;
    int check_database, check_vector_search, check_file_system, check_memory;
    int check_external_services;
    double memory_threshold, disk_space_threshold;
    int64_t response_time_threshold_ms;
} cg_config_health;

typedef struct cg_config_development {
    int debug_mode, enable_playground, enable_profiling, log_requests, log_responses;
    int cors_permissive;
} cg_config_development;

typedef struct cg_config {
    cg_config_server server;
    cg_config_database database;
    cg_config_vector vector;
    cg_config_parsing parsing;
    cg_config_mcp mcp;
    cg_config_security security;
    cg_config_logging logging;
    cg_config_metrics metrics;
    cg_config_performance performance;
    cg_config_health health;
    cg_config_development development;
    char *source_path; /**< file it was loaded from, or NULL (defaults only) */
} cg_config;

/** One problem found while loading: key ("server.port"), reason, line (0 if none). */
typedef struct cg_config_diag {
    int is_error; /**< 1 error (load fails), 0 warning */
    char key[128];
    char msg[384];
    int line;
} cg_config_diag;

typedef struct cg_config_diags {
    cg_config_diag items[64];
    int n, n_errors;
} cg_config_diags;

/** Fill `c` with the built-in defaults (a server on 127.0.0.1:8000, data in ./data). */
int cg_config_init_defaults(cg_config *c);
/** Free every owned string/list; `c` must be re-initialised before reuse. */
void cg_config_release(cg_config *c);

/**
 * Full load: defaults, then `path` (NULL = none), then `envp` (NULL = none).
 * On any error returns CG_ECONFIG with diags filled and `c` left released;
 * warnings (unknown keys with a did-you-mean) do not fail the load.
 */
int cg_config_load(cg_config *c, const char *path, char *const *envp, cg_config_diags *d);
/** Apply TOML text (already in memory) on top of `c`. `name` labels diagnostics. */
int cg_config_apply_toml(cg_config *c, const char *text, size_t len, const char *name,
                         cg_config_diags *d);
/** Apply CODEGRAPH_* variables from `envp` on top of `c`. */
int cg_config_apply_env(cg_config *c, char *const *envp, cg_config_diags *d);
/** Set one key ("server.port") from its string form, as the CLI does. */
int cg_config_set(cg_config *c, const char *key, const char *value, cg_config_diags *d);
/** Cross-key checks after all sources (ranges, port, workers, paths…). */
int cg_config_validate(const cg_config *c, cg_config_diags *d);
/** Print every diagnostic as "error|warning: <key>: <reason>" lines. */
void cg_config_diags_print(const cg_config_diags *d, FILE *f);
/** Report (to `f` and the log) keys that are set away from default but whose feature does
 *  not exist yet. Returns how many were reported. */
int cg_config_report_unimplemented(const cg_config *c, FILE *f);

/** Parse "30s", "5m", "24h", "30d", "250ms" (bare integer = seconds). 0 ok, CG_EINVAL. */
int cg_parse_duration_ms(const char *s, int64_t *out);
/** Parse "50MB", "4GB", "512KB", "100B" (bare integer = bytes; powers of 1024). */
int cg_parse_size_bytes(const char *s, uint64_t *out);

#endif
