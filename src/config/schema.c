/*
 * schema.c — every configuration key: section, name, type, place in cg_config,
 * default, range, allowed values, and whether its feature exists yet.
 *
 * Defaults are safe local ones (a server on 127.0.0.1:8000 with its data under
 * ./data, no authentication required), not the operations manual's production
 * example; where this table is silent the manual's value is used. Ranges are
 * inclusive, in milliseconds for durations and bytes for sizes; for strings they
 * bound the length and for string lists the number of items.
 *
 * `implemented` is set for the keys the foundation reads today. Every other key
 * is accepted and validated, and cg_config_report_unimplemented() names it when
 * it is set away from its default, with `feature` saying what is missing.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "codegraph/config.h"
#include "codegraph/limits.h"
#include "config/schema.h"

#define O(f) offsetof(cg_config, f)
#define SEC 1000LL
#define MINUTE (60 * SEC)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define KB 1024LL
#define MB (1024 * KB)
#define GB (1024 * MB)
#define TB (1024 * GB)
#define STR_LEN 1, CG_CONFIG_STR_MAX    /* a non-empty string */
#define ANY_LEN 0, CG_CONFIG_STR_MAX    /* a possibly empty string */
#define ANY_COUNT 0, CG_CONFIG_LIST_MAX /* a possibly empty list */

/* Row prefixes: ranged value, bool, list/enum without range. */
/* R(section, key, type, field, default, min, max): the range may be a macro such as STR_LEN. */
#define R(sec, key, type, field, def, ...) sec, key, type, O(field), def, __VA_ARGS__, NULL, 1
#define B(sec, key, field, def) sec, key, CG_CT_BOOL, O(field), def, 0, 1, NULL, 1
#define E(sec, key, type, field, def, enums) sec, key, type, O(field), def, 0, 0, enums, 0
/* Row suffixes: implemented, secret, abs_paths, feature. */
#define IMPL 1, 0, 0, NULL
#define TODO(what) 0, 0, 0, what
#define SECRET(what) 0, 1, 0, what

static const char *const io_backends[] = {"auto", "io_uring", "epoll", NULL};
static const char *const compressions[] = {"none", "snappy", "lz4", "zstd", NULL};
static const char *const index_types[] = {"hnsw", "ivf", "flat", NULL};
static const char *const metrics_kinds[] = {"cosine", "l2", "inner_product", NULL};
static const char *const embed_providers[] = {"builtin", "openai", "ollama", "tei", NULL};
static const char *const languages[] = {
    "rust",   "python", "javascript", "typescript", "go",    "java",  "cpp",  "c",
    "csharp", "kotlin", "php",        "ruby",       "swift", "scala", "dart", NULL};
static const char *const jwt_algorithms[] = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                                             "ES256", "ES384", "ES512", "EdDSA", NULL};
static const char *const log_levels[] = {"trace", "debug", "info", "warn", "error", "off", NULL};
static const char *const log_formats[] = {"json", "pretty", "compact", NULL};
static const char *const facilities[] = {
    "kern",   "user",   "mail",   "daemon",   "auth",   "syslog", "lpr",
    "news",   "uucp",   "cron",   "authpriv", "ftp",    "local0", "local1",
    "local2", "local3", "local4", "local5",   "local6", "local7", NULL};

#define LANGS                                                                                      \
    "rust,python,javascript,typescript,go,java,cpp,c,csharp,kotlin,php,ruby,swift,"                \
    "scala,dart"
#define IGNORES                                                                                    \
    "target/,build/,dist/,out/,.output/,bin/,obj/,node_modules/,vendor/,.cargo/,venv/,env/,"       \
    "__pycache__/,.cache/,.tmp/,tmp/,temp/,*.pyc,*.pyo,*.pyd,*.so,*.dll,*.dylib,.git/,"            \
    ".svn/,.hg/,.bzr/,.vscode/,.idea/,.vs/,*.swp,*.swo,*~,.DS_Store,Thumbs.db,desktop.ini,"        \
    "*.log,logs/,log/"
#define BUCKETS "0.005,0.01,0.025,0.05,0.1,0.25,0.5,1.0,2.5,5.0,10.0"

const cg_config_key cg_config_keys[] = {
    /* [server] */
    {R("server", "host", CG_CT_STR, server.host, "127.0.0.1", 1, 255), IMPL},
    {R("server", "port", CG_CT_INT, server.port, "8000", 0, 65535), IMPL},
    {R("server", "workers", CG_CT_INT, server.workers, "0", 0, CG_REACTOR_WORKERS_MAX), IMPL},
    {R("server", "max_connections", CG_CT_INT, server.max_connections, "1000", 1, 1048576), IMPL},
    {R("server", "timeout", CG_CT_DURATION, server.timeout_ms, "30s", 1, DAY), IMPL},
    {R("server", "keep_alive", CG_CT_DURATION, server.keep_alive_ms, "75s", 1, DAY), IMPL},
    {B("server", "cors_enabled", server.cors_enabled, "false"), IMPL},
    {R("server", "cors_origins", CG_CT_STRLIST, server.cors_origins, "*", ANY_COUNT), IMPL},
    {R("server", "cors_methods", CG_CT_STRLIST, server.cors_methods, "GET,POST,PUT,DELETE",
       ANY_COUNT),
     IMPL},
    {R("server", "cors_headers", CG_CT_STRLIST, server.cors_headers, "Content-Type,Authorization",
       ANY_COUNT),
     IMPL},
    {R("server", "cors_max_age", CG_CT_INT, server.cors_max_age, "3600", 0, 31536000), IMPL},
    {E("server", "io_backend", CG_CT_ENUM_INT, server.io_backend, "auto", io_backends), IMPL},
    {R("server", "drain_timeout", CG_CT_DURATION, server.drain_timeout_ms, "20s", 1, HOUR), IMPL},

    /* [database] */
    {R("database", "path", CG_CT_STR, database.path, "./data/rocks.db", STR_LEN), IMPL},
    {R("database", "cache_size", CG_CT_INT, database.cache_size_mb, "2048", 0, 1048576), IMPL},
    {R("database", "write_buffer_size", CG_CT_INT, database.write_buffer_size_mb, "256", 1, 65536),
     IMPL},
    {R("database", "max_write_buffer_number", CG_CT_INT, database.max_write_buffer_number, "6", 1,
       64),
     IMPL},
    {R("database", "max_open_files", CG_CT_INT, database.max_open_files, "2000", -1, 10000000),
     IMPL},
    {B("database", "enable_statistics", database.enable_statistics, "true"), IMPL},
    {R("database", "max_background_jobs", CG_CT_INT, database.max_background_jobs, "8", 1, 256),
     IMPL},
    {R("database", "level0_file_num_compaction_trigger", CG_CT_INT,
       database.level0_file_num_compaction_trigger, "4", 1, 10000),
     IMPL},
    {R("database", "level0_slowdown_writes_trigger", CG_CT_INT,
       database.level0_slowdown_writes_trigger, "20", 1, 10000),
     IMPL},
    {R("database", "level0_stop_writes_trigger", CG_CT_INT, database.level0_stop_writes_trigger,
       "36", 1, 10000),
     IMPL},
    {R("database", "target_file_size_base", CG_CT_SIZE, database.target_file_size_base, "67108864",
       64 * KB, 64 * GB),
     IMPL},
    {R("database", "max_bytes_for_level_base", CG_CT_SIZE, database.max_bytes_for_level_base,
       "268435456", 1 * MB, 1 * TB),
     IMPL},
    {E("database", "compression_type", CG_CT_ENUM, database.compression_type, "zstd", compressions),
     IMPL},
    {R("database", "compression_level", CG_CT_INT, database.compression_level, "6", -131072, 22),
     IMPL},
    {E("database", "bottommost_compression_type", CG_CT_ENUM, database.bottommost_compression_type,
       "zstd", compressions),
     IMPL},
    {B("database", "backup_enabled", database.backup_enabled, "true"), IMPL},
    {R("database", "backup_interval", CG_CT_DURATION, database.backup_interval_ms, "24h", MINUTE,
       365 * DAY),
     IMPL},
    {R("database", "backup_retention", CG_CT_DURATION, database.backup_retention_ms, "30d", MINUTE,
       3650 * DAY),
     IMPL},
    {R("database", "backup_path", CG_CT_STR, database.backup_path, "./data/backups", STR_LEN),
     IMPL},

    /* [vector] */
    {B("vector", "enabled", vector.enabled, "true"), IMPL},
    {E("vector", "index_type", CG_CT_ENUM, vector.index_type, "hnsw", index_types), IMPL},
    {R("vector", "dimension", CG_CT_INT, vector.dimension, "768", 1, 16384), IMPL},
    {E("vector", "metric", CG_CT_ENUM, vector.metric, "cosine", metrics_kinds), IMPL},
    {R("vector", "hnsw_m", CG_CT_INT, vector.hnsw_m, "16", 2, 512), IMPL},
    {R("vector", "hnsw_ef_construction", CG_CT_INT, vector.hnsw_ef_construction, "200", 1, 100000),
     IMPL},
    {R("vector", "hnsw_ef_search", CG_CT_INT, vector.hnsw_ef_search, "64", 1, 100000), IMPL},
    {R("vector", "hnsw_max_elements", CG_CT_I64, vector.hnsw_max_elements, "10000000", 1,
       1LL << 40),
     IMPL},
    {R("vector", "ivf_nlist", CG_CT_INT, vector.ivf_nlist, "1024", 1, 1048576),
     TODO("vector search")},
    {R("vector", "ivf_nprobe", CG_CT_INT, vector.ivf_nprobe, "32", 1, 1048576),
     TODO("vector search")},
    {R("vector", "embedding_model", CG_CT_STR, vector.embedding_model, "sentence-transformers",
       STR_LEN),
     IMPL},
    {R("vector", "model_cache_dir", CG_CT_STR, vector.model_cache_dir, "./data/models", STR_LEN),
     TODO("embedding")},
    {R("vector", "embedding_batch_size", CG_CT_INT, vector.embedding_batch_size, "32", 1, 65536),
     IMPL},
    {E("vector", "embedding_provider", CG_CT_ENUM, vector.embedding_provider, "builtin",
       embed_providers),
     IMPL},
    {R("vector", "embedding_url", CG_CT_STR, vector.embedding_url, "", ANY_LEN), IMPL},
    {R("vector", "embedding_api_key", CG_CT_STR, vector.embedding_api_key, "", ANY_LEN), 1, 1, 0,
     NULL}, /* implemented, secret */
    {R("vector", "embedding_timeout", CG_CT_DURATION, vector.embedding_timeout_ms, "30s", 1,
       10 * MINUTE),
     IMPL},
    {R("vector", "embedding_retries", CG_CT_INT, vector.embedding_retries, "3", 0, 10), IMPL},
    {B("vector", "embedding_normalize", vector.embedding_normalize, "true"), IMPL},

    /* [parsing] */
    {"parsing", "languages", CG_CT_STRLIST, O(parsing.languages), LANGS, 1, 64, languages, 1, IMPL},
    {R("parsing", "max_file_size", CG_CT_SIZE, parsing.max_file_size_bytes, "50MB", 1, 1 * GB),
     IMPL},
    {R("parsing", "max_files_per_project", CG_CT_INT, parsing.max_files_per_project, "100000", 1,
       100000000),
     IMPL},
    {R("parsing", "max_line_length", CG_CT_INT, parsing.max_line_length, "10000", 1, 100000000),
     IMPL},
    {B("parsing", "encoding_detection", parsing.encoding_detection, "true"), IMPL},
    {R("parsing", "ignore_patterns", CG_CT_STRLIST, parsing.ignore_patterns, IGNORES, ANY_COUNT),
     IMPL},
    {"parsing", "allowed_roots", CG_CT_STRLIST, O(parsing.allowed_roots), ".", ANY_COUNT, NULL, 1,
     1, 0, 1, NULL},
    {B("parsing.rust", "parse_tests", parsing.rust.parse_tests, "true"), TODO("indexing")},
    {B("parsing.rust", "parse_benchmarks", parsing.rust.parse_benchmarks, "true"),
     TODO("indexing")},
    {B("parsing.rust", "parse_examples", parsing.rust.parse_examples, "true"), TODO("indexing")},
    {B("parsing.rust", "extract_docs", parsing.rust.extract_docs, "true"), TODO("indexing")},
    {B("parsing.python", "parse_notebooks", parsing.python.parse_notebooks, "true"),
     TODO("indexing")},
    {B("parsing.python", "parse_stubs", parsing.python.parse_stubs, "true"), TODO("indexing")},
    {B("parsing.python", "extract_docstrings", parsing.python.extract_docstrings, "true"),
     TODO("indexing")},
    {B("parsing.javascript", "parse_jsx", parsing.javascript.parse_jsx, "true"), TODO("indexing")},
    {B("parsing.javascript", "parse_vue", parsing.javascript.parse_vue, "true"), TODO("indexing")},
    {B("parsing.javascript", "parse_typescript", parsing.javascript.parse_typescript, "true"),
     TODO("indexing")},

    /* [mcp] */
    {B("mcp", "enabled", mcp.enabled, "true"), IMPL},
    {R("mcp", "endpoint", CG_CT_STR, mcp.endpoint, "/mcp", STR_LEN), IMPL},
    {R("mcp", "max_request_size", CG_CT_SIZE, mcp.max_request_size_bytes, "10MB", 1 * KB, 1 * GB),
     IMPL},
    {R("mcp", "max_response_size", CG_CT_SIZE, mcp.max_response_size_bytes, "64KB", 4 * KB,
       16 * MB),
     IMPL},
    {R("mcp", "max_concurrent_requests", CG_CT_INT, mcp.max_concurrent_requests, "100", 1, 1000000),
     IMPL},
    {R("mcp", "request_timeout", CG_CT_DURATION, mcp.request_timeout_ms, "60s", 1, DAY), IMPL},
    {R("mcp", "rate_limit", CG_CT_INT, mcp.rate_limit, "100", 0, 100000000), IMPL},
    {B("mcp", "enable_streaming", mcp.enable_streaming, "true"), IMPL},
    {B("mcp", "enable_tools", mcp.enable_tools, "true"), IMPL},
    {B("mcp", "enable_resources", mcp.enable_resources, "true"), IMPL},
    {B("mcp", "enable_prompts", mcp.enable_prompts, "true"), IMPL},

    /* [security] */
    {B("security", "api_key_required", security.api_key_required, "false"), IMPL},
    {R("security", "api_key_header", CG_CT_STR, security.api_key_header, "Authorization", 1, 256),
     IMPL},
    {R("security", "api_key_prefix", CG_CT_STR, security.api_key_prefix, "Bearer ", 0, 256), IMPL},
    {B("security", "admin_api_key_required", security.admin_api_key_required, "false"), IMPL},
    {R("security", "api_keys", CG_CT_STRLIST, security.api_keys, "", ANY_COUNT), 1, 1, 0,
     NULL}, /* implemented, secret */
    {R("security", "admin_api_keys", CG_CT_STRLIST, security.admin_api_keys, "", ANY_COUNT), 1, 1,
     0, NULL}, /* implemented, secret */
    {B("security", "jwt_enabled", security.jwt_enabled, "false"), IMPL},
    {R("security", "jwt_secret", CG_CT_STR, security.jwt_secret, "", ANY_LEN), 1, 1, 0,
     NULL}, /* implemented, secret */
    {E("security", "jwt_algorithm", CG_CT_ENUM, security.jwt_algorithm, "HS256", jwt_algorithms),
     IMPL},
    {R("security", "jwt_expiration", CG_CT_DURATION, security.jwt_expiration_ms, "24h", SEC,
       365 * DAY),
     IMPL},
    {B("security", "jwt_refresh_enabled", security.jwt_refresh_enabled, "true"),
     TODO("JWT authentication")},
    {B("security", "rate_limiting", security.rate_limiting, "false"), IMPL},
    {R("security", "rate_limit_global", CG_CT_INT, security.rate_limit_global, "1000", 1,
       1000000000),
     IMPL},
    {R("security", "rate_limit_per_client", CG_CT_INT, security.rate_limit_per_client, "100", 1,
       1000000000),
     IMPL},
    {R("security", "rate_limit_burst", CG_CT_INT, security.rate_limit_burst, "50", 0, 1000000000),
     IMPL},
    {R("security", "rate_limit_window", CG_CT_DURATION, security.rate_limit_window_ms, "1m", SEC,
       DAY),
     IMPL},
    {R("security", "ip_allowlist", CG_CT_STRLIST, security.ip_allowlist, "", ANY_COUNT), IMPL},
    {R("security", "ip_blocklist", CG_CT_STRLIST, security.ip_blocklist, "", ANY_COUNT), IMPL},
    {R("security", "trusted_proxies", CG_CT_STRLIST, security.trusted_proxies, "", ANY_COUNT),
     IMPL},
    {B("security", "allow_unauthenticated_remote", security.allow_unauthenticated_remote, "false"),
     IMPL},
    {B("security", "public_metrics", security.public_metrics, "true"), IMPL},

    /* [logging] */
    {E("logging", "level", CG_CT_ENUM, logging.level, "info", log_levels), IMPL},
    {E("logging", "format", CG_CT_ENUM, logging.format, "json", log_formats), IMPL},
    {R("logging", "output", CG_CT_STR, logging.output, "stdout", STR_LEN), IMPL},
    {B("logging", "include_timestamp", logging.include_timestamp, "true"),
     TODO("log field selection")},
    {B("logging", "include_level", logging.include_level, "true"), TODO("log field selection")},
    {B("logging", "include_target", logging.include_target, "true"), TODO("log field selection")},
    {B("logging", "include_thread_id", logging.include_thread_id, "false"),
     TODO("log field selection")},
    {B("logging", "include_request_id", logging.include_request_id, "true"),
     TODO("log field selection")},
    {B("logging", "include_user_agent", logging.include_user_agent, "true"),
     TODO("log field selection")},
    {B("logging", "include_response_time", logging.include_response_time, "true"),
     TODO("log field selection")},
    {R("logging", "log_file_path", CG_CT_STR, logging.log_file_path, "./data/logs/codegraph.log",
       STR_LEN),
     IMPL},
    {R("logging", "max_file_size", CG_CT_SIZE, logging.max_file_size_bytes, "100MB", 1 * KB,
       1 * TB),
     TODO("log rotation")},
    {R("logging", "max_files", CG_CT_INT, logging.max_files, "10", 0, 10000), TODO("log rotation")},
    {B("logging", "compress_rotated", logging.compress_rotated, "true"), TODO("log rotation")},
    {B("logging", "syslog_enabled", logging.syslog_enabled, "false"), TODO("syslog output")},
    {E("logging", "syslog_facility", CG_CT_ENUM, logging.syslog_facility, "daemon", facilities),
     TODO("syslog output")},
    {R("logging", "syslog_ident", CG_CT_STR, logging.syslog_ident, "codegraph-api", 1, 64),
     TODO("syslog output")},

    /* [metrics] */
    {B("metrics", "enabled", metrics.enabled, "true"), IMPL},
    {R("metrics", "endpoint", CG_CT_STR, metrics.endpoint, "/metrics", STR_LEN), IMPL},
    {B("metrics", "include_system_metrics", metrics.include_system_metrics, "true"),
     TODO("metric selection")},
    {B("metrics", "include_custom_metrics", metrics.include_custom_metrics, "true"),
     TODO("metric selection")},
    {R("metrics", "collection_interval", CG_CT_DURATION, metrics.collection_interval_ms, "15s", SEC,
       HOUR),
     TODO("periodic metric collection")},
    {R("metrics", "histogram_buckets", CG_CT_FLOATLIST, metrics.histogram_buckets, BUCKETS, 1, 32),
     IMPL},
    {B("metrics", "include_method_label", metrics.include_method_label, "true"),
     TODO("metric label selection")},
    {B("metrics", "include_endpoint_label", metrics.include_endpoint_label, "true"),
     TODO("metric label selection")},
    {B("metrics", "include_status_label", metrics.include_status_label, "true"),
     TODO("metric label selection")},

    /* [performance] */
    {R("performance", "query_timeout", CG_CT_DURATION, performance.query_timeout_ms, "30s", 1, DAY),
     TODO("query timeout enforcement")},
    {R("performance", "search_timeout", CG_CT_DURATION, performance.search_timeout_ms, "10s", 1,
       DAY),
     TODO("query timeout enforcement")},
    {R("performance", "index_timeout", CG_CT_DURATION, performance.index_timeout_ms, "5m", 1,
       7 * DAY),
     TODO("indexing")},
    {R("performance", "backup_timeout", CG_CT_DURATION, performance.backup_timeout_ms, "1h", 1,
       7 * DAY),
     TODO("backup support")},
    {R("performance", "max_concurrent_queries", CG_CT_INT, performance.max_concurrent_queries,
       "100", 1, 1000000),
     TODO("concurrency limiting")},
    {R("performance", "max_concurrent_searches", CG_CT_INT, performance.max_concurrent_searches,
       "50", 1, 1000000),
     TODO("concurrency limiting")},
    {R("performance", "max_concurrent_indexing", CG_CT_INT, performance.max_concurrent_indexing,
       "5", 1, 1024),
     IMPL},
    {R("performance", "max_concurrent_backups", CG_CT_INT, performance.max_concurrent_backups, "2",
       1, 64),
     TODO("concurrency limiting")},
    {R("performance", "max_memory_usage", CG_CT_SIZE, performance.max_memory_usage_bytes, "4GB",
       16 * MB, 64 * TB),
     IMPL},
    {R("performance", "memory_check_interval", CG_CT_DURATION, performance.memory_check_interval_ms,
       "30s", 1, DAY),
     TODO("memory limiting")},
    {R("performance", "gc_interval", CG_CT_DURATION, performance.gc_interval_ms, "5m", 1, DAY),
     TODO("memory limiting")},
    {R("performance", "memory_pressure_threshold", CG_CT_FLOAT,
       performance.memory_pressure_threshold, "0.85", 0, 1),
     IMPL},
    {B("performance", "enable_query_cache", performance.enable_query_cache, "true"),
     TODO("query caching")},
    {R("performance", "query_cache_size", CG_CT_INT, performance.query_cache_size, "1000", 0,
       10000000),
     TODO("query caching")},
    {R("performance", "query_cache_ttl", CG_CT_DURATION, performance.query_cache_ttl_ms, "1h", 1,
       30 * DAY),
     TODO("query caching")},
    {B("performance", "enable_result_cache", performance.enable_result_cache, "true"),
     TODO("result caching")},
    {R("performance", "result_cache_size", CG_CT_INT, performance.result_cache_size, "500", 0,
       10000000),
     TODO("result caching")},
    {R("performance", "result_cache_ttl", CG_CT_DURATION, performance.result_cache_ttl_ms, "15m", 1,
       30 * DAY),
     TODO("result caching")},
    {R("performance", "batch_size", CG_CT_INT, performance.batch_size, "1000", 1, 10000000),
     TODO("batching")},
    {R("performance", "max_batch_size", CG_CT_INT, performance.max_batch_size, "10000", 1,
       100000000),
     TODO("batching")},
    {R("performance", "batch_timeout", CG_CT_DURATION, performance.batch_timeout_ms, "30s", 1, DAY),
     TODO("batching")},
    {R("performance", "pool_threads", CG_CT_INT, performance.pool_threads, "0", 0,
       CG_POOL_THREADS_MAX),
     IMPL},
    {R("performance", "pool_queue_max", CG_CT_INT, performance.pool_queue_max, "4096", 1, 1 << 24),
     IMPL},

    /* [health] */
    {B("health", "enabled", health.enabled, "true"), IMPL},
    {R("health", "endpoint", CG_CT_STR, health.endpoint, "/health", STR_LEN), IMPL},
    {R("health", "detailed_endpoint", CG_CT_STR, health.detailed_endpoint, "/api/v1/health",
       STR_LEN),
     IMPL},
    {B("health", "check_database", health.check_database, "true"), IMPL},
    {B("health", "check_vector_search", health.check_vector_search, "true"), IMPL},
    {B("health", "check_file_system", health.check_file_system, "true"), IMPL},
    {B("health", "check_memory", health.check_memory, "true"), IMPL},
    {B("health", "check_external_services", health.check_external_services, "false"),
     TODO("external service checks")},
    {R("health", "memory_threshold", CG_CT_FLOAT, health.memory_threshold, "0.9", 0, 1), IMPL},
    {R("health", "disk_space_threshold", CG_CT_FLOAT, health.disk_space_threshold, "0.85", 0, 1),
     IMPL},
    {R("health", "response_time_threshold", CG_CT_DURATION, health.response_time_threshold_ms, "1s",
       1, HOUR),
     IMPL},

    /* [development] */
    {B("development", "debug_mode", development.debug_mode, "false"), TODO("development mode")},
    {B("development", "enable_playground", development.enable_playground, "false"),
     TODO("the playground")},
    {B("development", "enable_profiling", development.enable_profiling, "false"),
     TODO("profiling")},
    {B("development", "log_requests", development.log_requests, "false"), IMPL},
    {B("development", "log_responses", development.log_responses, "false"),
     TODO("response body logging")},
    {B("development", "cors_permissive", development.cors_permissive, "false"), IMPL},
};

const int cg_config_keys_n = (int)(sizeof cg_config_keys / sizeof cg_config_keys[0]);

const char *cg_config_key_name(const cg_config_key *k, char *buf, size_t n)
{
    snprintf(buf, n, "%s.%s", k->section, k->key);
    return buf;
}

const cg_config_key *cg_config_key_find(const char *dotted)
{
    for (int i = 0; i < cg_config_keys_n; i++) {
        const cg_config_key *k = &cg_config_keys[i];
        size_t sl = strlen(k->section);
        if (strncmp(dotted, k->section, sl) == 0 && dotted[sl] == '.' &&
            strcmp(dotted + sl + 1, k->key) == 0)
            return k;
    }
    return NULL;
}

int cg_config_section_exists(const char *name)
{
    for (int i = 0; i < cg_config_keys_n; i++)
        if (strcmp(cg_config_keys[i].section, name) == 0) return 1;
    return 0;
}
