/*
 * test_config.c — proves the configuration subsystem: the built-in defaults; TOML,
 * environment (long and short forms, lists, _FILE secrets) and command-line
 * layering with the documented precedence; did-you-mean warnings for unknown
 * keys and variables; errors naming key and reason for bad values and wrong
 * types; durations and sizes; cross-key validation; the unimplemented-key
 * report; and that the reference config/codegraph.toml lists every key at its
 * default and loads with zero diagnostics.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/config.h"
#include "codegraph/limits.h"
#include "codegraph/log.h"
#include "config/schema.h"
#include "config/toml.h"

/* 1 when some diagnostic has this severity, key and a message containing `part`. */
static int has_diag(const cg_config_diags *d, int is_error, const char *key, const char *part)
{
    for (int i = 0; i < d->n; i++)
        if (d->items[i].is_error == is_error && strcmp(d->items[i].key, key) == 0 &&
            strstr(d->items[i].msg, part))
            return 1;
    fprintf(stderr, "  no %s for %s containing '%s'; have:\n", is_error ? "error" : "warning", key,
            part);
    cg_config_diags_print(d, stderr);
    return 0;
}

static int apply(cg_config *c, const char *toml, cg_config_diags *d)
{
    memset(d, 0, sizeof *d);
    return cg_config_apply_toml(c, toml, strlen(toml), "test.toml", d);
}

CG_TEST(defaults_are_safe_local_ones)
{
    cg_config c;
    cg_config_diags d = {0};
    char cwd[4096];
    CG_CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CG_CHECK_EQ_INT(cg_config_init_defaults(&c), 0);
    CG_CHECK_STR(c.server.host, "127.0.0.1");
    CG_CHECK_EQ_INT(c.server.port, 8000);
    CG_CHECK_EQ_INT(c.server.workers, 0);
    CG_CHECK_EQ_INT(c.server.max_connections, 1000);
    CG_CHECK_EQ_INT(c.server.timeout_ms, 30000);
    CG_CHECK_EQ_INT(c.server.keep_alive_ms, 75000);
    CG_CHECK_EQ_INT(c.server.io_backend, CG_IO_AUTO);
    CG_CHECK_EQ_INT(c.server.drain_timeout_ms, CG_DRAIN_TIMEOUT_MS_DEFAULT);
    CG_CHECK_EQ_INT(c.server.cors_enabled, 0);
    CG_CHECK_STR(c.database.path, "./data/rocks.db");
    CG_CHECK_STR(c.database.backup_path, "./data/backups");
    CG_CHECK_STR(c.database.compression_type, "zstd");
    CG_CHECK_EQ_INT(c.database.cache_size_mb, 2048);
    CG_CHECK(c.database.target_file_size_base == 67108864);
    CG_CHECK_STR(c.vector.model_cache_dir, "./data/models");
    CG_CHECK_EQ_INT(c.security.api_key_required, 0);
    CG_CHECK_EQ_INT(c.security.admin_api_key_required, 0);
    CG_CHECK_EQ_INT(c.security.api_keys.n, 0);
    CG_CHECK_STR(c.security.api_key_prefix, "Bearer ");
    CG_CHECK_STR(c.logging.output, "stdout");
    CG_CHECK_STR(c.logging.level, "info");
    CG_CHECK_STR(c.logging.log_file_path, "./data/logs/codegraph.log");
    CG_CHECK_EQ_INT(c.parsing.allowed_roots.n, 1);
    CG_CHECK_STR(c.parsing.allowed_roots.items[0], cwd);
    CG_CHECK_EQ_INT(c.parsing.languages.n, 15);
    CG_CHECK_EQ_INT(c.parsing.ignore_patterns.n, 39);
    CG_CHECK(c.parsing.max_file_size_bytes == 50ull << 20);
    CG_CHECK(c.mcp.max_request_size_bytes == CG_HTTP_BODY_MAX_DEFAULT);
    CG_CHECK_EQ_INT(c.performance.pool_threads, 0);
    CG_CHECK_EQ_INT(c.performance.pool_queue_max, CG_POOL_QUEUE_MAX_DEFAULT);
    CG_CHECK(c.performance.memory_pressure_threshold == 0.85);
    CG_CHECK_EQ_INT(c.metrics.histogram_buckets.n, 11);
    CG_CHECK(c.metrics.histogram_buckets.v[0] == 0.005 && c.metrics.histogram_buckets.v[10] == 10);
    CG_CHECK_STR(c.health.detailed_endpoint, "/api/v1/health");
    CG_CHECK(c.source_path == NULL);
    CG_CHECK_EQ_INT(cg_config_validate(&c, &d), 0);
    CG_CHECK_EQ_INT(d.n, 0);
    CG_CHECK_EQ_INT(cg_config_report_unimplemented(&c, NULL), 0);
    cg_config_release(&c);
    CG_CHECK(c.server.host == NULL && c.parsing.languages.items == NULL);
}

CG_TEST(durations_and_sizes)
{
    const struct {
        const char *s;
        int64_t ms;
    } durs[] = {
        {"250ms", 250},        {"30s", 30000}, {"5m", 300000}, {"24h", 86400000},
        {"30d", 2592000000LL}, {"45", 45000},  {"0", 0},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(durs); i++) {
        int64_t v = -1;
        CG_CHECK_EQ_INT(cg_parse_duration_ms(durs[i].s, &v), 0);
        CG_CHECK_EQ_INT(v, durs[i].ms);
    }
    const char *bad_durs[] = {"",
                              "s",
                              "-5s",
                              "5 s",
                              "1.5h",
                              "5x",
                              "5S",
                              "30sec",
                              "99999999999999999999",
                              "9223372036854775807d",
                              NULL};
    int64_t ms;
    for (int i = 0; bad_durs[i]; i++)
        CG_CHECK_EQ_INT(cg_parse_duration_ms(bad_durs[i], &ms), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_parse_duration_ms(NULL, &ms), CG_EINVAL);
    const struct {
        const char *s;
        uint64_t b;
    } sizes[] = {
        {"100B", 100},       {"512KB", 512 << 10},   {"50MB", 50ull << 20}, {"4GB", 4ull << 30},
        {"1TB", 1ull << 40}, {"50mb", 50ull << 20},  {"4g", 4ull << 30},    {"8KiB", 8192},
        {"1234", 1234},      {"10 MB", 10ull << 20},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(sizes); i++) {
        uint64_t v = 0;
        CG_CHECK_EQ_INT(cg_parse_size_bytes(sizes[i].s, &v), 0);
        CG_CHECK(v == sizes[i].b);
    }
    const char *bad_sizes[] = {"", "MB", "-1MB", "1.5GB", "5XB", "1PB", "9999999999999TB", NULL};
    uint64_t b;
    for (int i = 0; bad_sizes[i]; i++)
        CG_CHECK_EQ_INT(cg_parse_size_bytes(bad_sizes[i], &b), CG_EINVAL);
}

CG_TEST(toml_sets_every_kind_of_value)
{
    cg_config c;
    cg_config_diags d;
    cg_config_init_defaults(&c);
    const char *t =
        "[server]\nport = 9000\ntimeout = \"5m\"\nkeep_alive = 10\n"
        "io_backend = \"epoll\"\ncors_origins = [\"https://a.example\"]\n"
        "[database]\ntarget_file_size_base = \"32MB\"\n"
        "[parsing]\nlanguages = [\"Rust\", \"python\"]\nallowed_roots = [\"/srv/x/../y/.\"]\n"
        "[parsing.rust]\nparse_tests = false\n"
        "[logging]\nlevel = \"DEBUG\"\n"
        "[metrics]\nhistogram_buckets = [1, 2.5, 10]\n"
        "[performance]\nmemory_pressure_threshold = 1\n"
        "[vector]\nhnsw_max_elements = 20000000000\n";
    CG_CHECK_EQ_INT(apply(&c, t, &d), 0);
    CG_CHECK_EQ_INT(d.n, 0);
    CG_CHECK_EQ_INT(c.server.port, 9000);
    CG_CHECK_EQ_INT(c.server.timeout_ms, 300000);
    CG_CHECK_EQ_INT(c.server.keep_alive_ms, 10000);
    CG_CHECK_EQ_INT(c.server.io_backend, CG_IO_EPOLL);
    CG_CHECK_EQ_INT(c.server.cors_origins.n, 1);
    CG_CHECK_STR(c.server.cors_origins.items[0], "https://a.example");
    CG_CHECK(c.database.target_file_size_base == 32ull << 20);
    CG_CHECK_EQ_INT(c.parsing.languages.n, 2);
    CG_CHECK_STR(c.parsing.languages.items[0], "rust"); /* canonical spelling */
    CG_CHECK_STR(c.parsing.allowed_roots.items[0], "/srv/y");
    CG_CHECK_EQ_INT(c.parsing.rust.parse_tests, 0);
    CG_CHECK_EQ_INT(c.parsing.rust.parse_benchmarks, 1);
    CG_CHECK_STR(c.logging.level, "debug");
    CG_CHECK_EQ_INT(c.metrics.histogram_buckets.n, 3);
    CG_CHECK(c.metrics.histogram_buckets.v[1] == 2.5);
    CG_CHECK(c.performance.memory_pressure_threshold == 1.0);
    CG_CHECK(c.vector.hnsw_max_elements == 20000000000LL);
    cg_config_release(&c);
}

CG_TEST(bad_values_are_errors_naming_key_and_reason)
{
    cg_config c;
    cg_config_diags d;
    cg_config_init_defaults(&c);
    const char *t = "[server]\n"
                    "port = 70000\n"              /* line 2 */
                    "workers = \"4\"\n"           /* line 3 */
                    "timeout = \"0s\"\n"          /* line 4 */
                    "io_backend = \"kqueue\"\n"   /* line 5 */
                    "cors_origins = [\"a\", 1]\n" /* line 6 */
                    "[database]\nmax_bytes_for_level_base = 1024\ncompression_type = 5\n"
                    "[metrics]\nhistogram_buckets = [1, 0.5]\n"
                    "[parsing]\nlanguages = [\"klingon\"]\nmax_file_size = \"50XB\"\n"
                    "[health]\nmemory_threshold = 1.5\n"
                    "[performance]\ngc_interval = 1.5\n";
    CG_CHECK_EQ_INT(apply(&c, t, &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "server.port", "70000 is out of range 0..65535"));
    CG_CHECK_EQ_INT(d.items[0].line, 2);
    CG_CHECK(has_diag(&d, 1, "server.workers", "expected an integer, found a string"));
    CG_CHECK(has_diag(&d, 1, "server.timeout", "0ms is out of range 1ms..1d"));
    CG_CHECK(has_diag(&d, 1, "server.io_backend", "'kqueue' is not one of auto, io_uring, epoll"));
    CG_CHECK(has_diag(&d, 1, "server.cors_origins", "expected a string, found an integer"));
    CG_CHECK(has_diag(&d, 1, "database.max_bytes_for_level_base", "1KB is out of range 1MB..1TB"));
    CG_CHECK(has_diag(&d, 1, "database.compression_type", "expected a string"));
    CG_CHECK(has_diag(&d, 1, "metrics.histogram_buckets", "strictly increasing"));
    CG_CHECK(has_diag(&d, 1, "parsing.languages", "'klingon' is not one of rust"));
    CG_CHECK(has_diag(&d, 1, "parsing.max_file_size", "'50XB' is not a size"));
    CG_CHECK(has_diag(&d, 1, "health.memory_threshold", "1.5 is out of range 0..1"));
    CG_CHECK(has_diag(&d, 1, "performance.gc_interval", "expected a duration"));
    CG_CHECK_EQ_INT(d.n_errors, 12);
    /* a rejected value leaves the previous one in place */
    CG_CHECK_EQ_INT(c.server.port, 8000);
    CG_CHECK_EQ_INT(c.server.timeout_ms, 30000);
    CG_CHECK_EQ_INT(c.parsing.languages.n, 15);
    /* a section that is not a table */
    CG_CHECK_EQ_INT(apply(&c, "server = 1\n[[parsing]]\n", &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "server", "expected a table [server], found an integer"));
    CG_CHECK(has_diag(&d, 1, "parsing", "expected a table [parsing], found an array"));
    /* a TOML syntax error names the source and the line */
    CG_CHECK_EQ_INT(apply(&c, "[server]\nport = 80 80\n", &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "test.toml", "expected a newline"));
    CG_CHECK_EQ_INT(d.items[0].line, 2);
    cg_config_release(&c);
}

CG_TEST(unknown_keys_warn_with_nearest_known_key)
{
    cg_config c;
    cg_config_diags d;
    cg_config_init_defaults(&c);
    const char *t = "port = 1\n[server]\nprot = 1\nlevel = \"debug\"\n[sever]\nx = 1\n"
                    "[parsing.rust]\nparse_test = true\n[database]\n\"odd.key\" = 1\n";
    CG_CHECK_EQ_INT(apply(&c, t, &d), 0); /* warnings do not fail */
    CG_CHECK_EQ_INT(d.n_errors, 0);
    CG_CHECK(has_diag(&d, 0, "port", "did you mean server.port?"));
    CG_CHECK(has_diag(&d, 0, "server.prot", "did you mean server.port?"));
    CG_CHECK(has_diag(&d, 0, "server.level", "did you mean logging.level?"));
    CG_CHECK(has_diag(&d, 0, "sever", "did you mean [server]?"));
    CG_CHECK(has_diag(&d, 0, "parsing.rust.parse_test", "did you mean parsing.rust.parse_tests?"));
    CG_CHECK(has_diag(&d, 0, "database", "unusual characters"));
    CG_CHECK_EQ_INT(d.items[1].line, 3);
    CG_CHECK_EQ_INT(c.server.port, 8000);
    cg_config_release(&c);
}

CG_TEST(environment_long_and_short_forms)
{
    cg_config c;
    cg_config_diags d = {0};
    cg_config_init_defaults(&c);
    char *env[] = {
        "PATH=/usr/bin",
        "CODEGRAPH_SERVER_PORT=9002", /* the long form wins over CODEGRAPH_PORT … */
        "CODEGRAPH_PORT=9001",        /* … whatever the order */
        "CODEGRAPH_HOST=0.0.0.0",
        "CODEGRAPH_WORKERS=4",
        "CODEGRAPH_DB_PATH=/var/lib/cg/rocks.db",
        "CODEGRAPH_LOG_LEVEL=warn",
        "CODEGRAPH_LOG_FORMAT=pretty",
        "CODEGRAPH_DATABASE_CACHE_SIZE=1024",
        "CODEGRAPH_PERFORMANCE_MAX_MEMORY_USAGE=8GB",
        "CODEGRAPH_PARSING_RUST_PARSE_TESTS=false",
        "CODEGRAPH_PARSING_LANGUAGES= rust, python ,",
        "CODEGRAPH_METRICS_HISTOGRAM_BUCKETS=0.1,1,10",
        "CODEGRAPH_SECURITY_API_KEY_PREFIX=Token ",
        "CODEGRAPH_SERVER_IO_BACKEND=io_uring",
        "CODEGRAPH_CONFIG=/etc/codegraph.toml",
        NULL,
    };
    CG_CHECK_EQ_INT(cg_config_apply_env(&c, env, &d), 0);
    CG_CHECK_EQ_INT(d.n, 0);
    CG_CHECK_EQ_INT(c.server.port, 9002);
    CG_CHECK_STR(c.server.host, "0.0.0.0");
    CG_CHECK_EQ_INT(c.server.workers, 4);
    CG_CHECK_STR(c.database.path, "/var/lib/cg/rocks.db");
    CG_CHECK_STR(c.logging.level, "warn");
    CG_CHECK_STR(c.logging.format, "pretty");
    CG_CHECK_EQ_INT(c.database.cache_size_mb, 1024);
    CG_CHECK(c.performance.max_memory_usage_bytes == 8ull << 30);
    CG_CHECK_EQ_INT(c.parsing.rust.parse_tests, 0);
    CG_CHECK_EQ_INT(c.parsing.languages.n, 2);
    CG_CHECK_STR(c.parsing.languages.items[1], "python");
    CG_CHECK_EQ_INT(c.metrics.histogram_buckets.n, 3);
    CG_CHECK_STR(c.security.api_key_prefix, "Token "); /* strings are taken verbatim */
    CG_CHECK_EQ_INT(c.server.io_backend, CG_IO_URING);
    cg_config_release(&c);
}

CG_TEST(environment_errors_and_unknown_variables)
{
    cg_config c;
    cg_config_diags d = {0};
    cg_config_init_defaults(&c);
    char *env[] = {"CODEGRAPH_PORT=abc",
                   "CODEGRAPH_SERVER_PROT=1",
                   "CODEGRAPH_LOGLEVEL=debug",
                   "CODEGRAPH_SERVER_WORKERS=9999",
                   "CODEGRAPH_SERVER_CORS_ENABLED=maybe",
                   NULL};
    CG_CHECK_EQ_INT(cg_config_apply_env(&c, env, &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "server.port", "'abc' is not an integer (from CODEGRAPH_PORT)"));
    CG_CHECK(has_diag(&d, 1, "server.workers",
                      "9999 is out of range 0..256 (from "
                      "CODEGRAPH_SERVER_WORKERS)"));
    CG_CHECK(has_diag(&d, 1, "server.cors_enabled", "'maybe' is not a boolean"));
    CG_CHECK(has_diag(&d, 0, "CODEGRAPH_SERVER_PROT",
                      "did you mean CODEGRAPH_SERVER_PORT (server.port)?"));
    CG_CHECK(has_diag(&d, 0, "CODEGRAPH_LOGLEVEL", "did you mean CODEGRAPH_LOG_LEVEL"));
    CG_CHECK_EQ_INT(d.n_errors, 3);
    CG_CHECK_EQ_INT(c.server.port, 8000);
    CG_CHECK_EQ_INT(cg_config_apply_env(&c, NULL, &d), 0);
    cg_config_release(&c);
}

CG_TEST(api_keys_from_environment_and_files_stay_secret)
{
    cg_config c;
    cg_config_diags d = {0};
    char path[] = "/tmp/cg-test-key-XXXXXX";
    int fd = mkstemp(path);
    CG_CHECK(fd >= 0);
    CG_CHECK(write(fd, "  s3cret-from-file\n\n", 20) == 20);
    close(fd);
    char file_var[128], *env[6];
    snprintf(file_var, sizeof file_var, "CODEGRAPH_ADMIN_API_KEY_FILE=%s", path);
    env[0] = "CODEGRAPH_API_KEY=k-one";
    env[1] = "CODEGRAPH_SECURITY_API_KEYS=k-zero";
    env[2] = file_var;
    env[3] = "CODEGRAPH_API_KEY_FILE=/nonexistent/cg-key";
    env[4] = "CODEGRAPH_ADMIN_API_KEY=  ";
    env[5] = NULL;
    cg_config_init_defaults(&c);
    CG_CHECK_EQ_INT(cg_config_apply_env(&c, env, &d), CG_ECONFIG);
    CG_CHECK_EQ_INT(c.security.api_keys.n, 2); /* the list, then the appended key */
    CG_CHECK_STR(c.security.api_keys.items[0], "k-zero");
    CG_CHECK_STR(c.security.api_keys.items[1], "k-one");
    CG_CHECK_EQ_INT(c.security.admin_api_keys.n, 1);
    CG_CHECK_STR(c.security.admin_api_keys.items[0], "s3cret-from-file");
    CG_CHECK(has_diag(&d, 1, "security.api_keys", "cannot open /nonexistent/cg-key"));
    CG_CHECK(has_diag(&d, 1, "security.admin_api_keys", "is set but the key is empty"));
    for (int i = 0; i < d.n; i++)
        CG_CHECK(!strstr(d.items[i].msg, "k-one") && !strstr(d.items[i].msg, "s3cret"));
    /* keys are not appended twice */
    char *again[] = {"CODEGRAPH_API_KEY=k-one", NULL};
    CG_CHECK_EQ_INT(cg_config_apply_env(&c, again, &d), 0);
    CG_CHECK_EQ_INT(c.security.api_keys.n, 2);
    unlink(path);
    cg_config_release(&c);
}

CG_TEST(precedence_defaults_file_env_cli)
{
    char path[] = "/tmp/cg-test-conf-XXXXXX";
    int fd = mkstemp(path);
    CG_CHECK(fd >= 0);
    const char *text = "[server]\nport = 9000\nhost = \"10.0.0.1\"\nworkers = 2\n";
    CG_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    cg_config c;
    cg_config_diags d;
    char *env[] = {"CODEGRAPH_PORT=9001", "CODEGRAPH_SERVER_WORKERS=3", NULL};
    CG_CHECK_EQ_INT(cg_config_load(&c, path, env, &d), 0);
    CG_CHECK_STR(c.source_path, path);
    CG_CHECK_EQ_INT(c.server.port, 9001);    /* env over file */
    CG_CHECK_STR(c.server.host, "10.0.0.1"); /* file over default */
    CG_CHECK_EQ_INT(c.server.workers, 3);
    CG_CHECK_EQ_INT(c.server.max_connections, 1000);                  /* default */
    CG_CHECK_EQ_INT(cg_config_set(&c, "server.port", "9100", &d), 0); /* CLI over env */
    CG_CHECK_EQ_INT(c.server.port, 9100);
    CG_CHECK_EQ_INT(cg_config_set(&c, "server.timeout", "250ms", &d), 0);
    CG_CHECK_EQ_INT(c.server.timeout_ms, 250);
    CG_CHECK_EQ_INT(cg_config_set(&c, "parsing.allowed_roots", "/a,/b/", &d), 0);
    CG_CHECK_EQ_INT(c.parsing.allowed_roots.n, 2);
    CG_CHECK_STR(c.parsing.allowed_roots.items[1], "/b");
    memset(&d, 0, sizeof d);
    CG_CHECK_EQ_INT(cg_config_set(&c, "server.prot", "1", &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "server.prot", "did you mean server.port?"));
    CG_CHECK_EQ_INT(cg_config_set(&c, "server.port", "-1", &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "server.port", "-1 is out of range 0..65535"));
    CG_CHECK_EQ_INT(c.server.port, 9100);
    cg_config_release(&c);
    unlink(path);
}

CG_TEST(failed_load_releases_everything)
{
    cg_config c;
    cg_config_diags d;
    CG_CHECK_EQ_INT(cg_config_load(&c, "/nonexistent/codegraph.toml", NULL, &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "config", "cannot open /nonexistent/codegraph.toml"));
    CG_CHECK(c.server.host == NULL && c.database.path == NULL && c.source_path == NULL);
    CG_CHECK_EQ_INT(cg_config_load(&c, "/tmp", NULL, &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "config", "not a regular file"));
    char *env[] = {"CODEGRAPH_SERVER_PORT=65536", NULL};
    CG_CHECK_EQ_INT(cg_config_load(&c, NULL, env, &d), CG_ECONFIG);
    CG_CHECK_EQ_INT(d.n_errors, 1);
    CG_CHECK(c.server.host == NULL);
    CG_CHECK_EQ_INT(cg_config_load(&c, NULL, NULL, &d), 0); /* defaults alone are valid */
    CG_CHECK_EQ_INT(d.n, 0);
    cg_config_release(&c);
}

CG_TEST(cross_key_validation)
{
    cg_config c;
    cg_config_diags d;
    cg_config_init_defaults(&c);
    const char *t = "[security]\napi_key_required = true\nadmin_api_key_required = true\n"
                    "api_key_header = \"X Key\"\nip_allowlist = [\"10.0.0.0/8\", \"::1\", "
                    "\"10.0.0.0/33\", \"host\"]\njwt_secret = \"tiny-s3cret\"\n"
                    "[database]\nlevel0_slowdown_writes_trigger = 2\n"
                    "[metrics]\nendpoint = \"/health\"\n[mcp]\nendpoint = \"mcp\"\n"
                    "[performance]\nbatch_size = 20000\n";
    CG_CHECK_EQ_INT(apply(&c, t, &d), 0);
    CG_CHECK_EQ_INT(cg_config_validate(&c, &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "security.api_key_required", "no key is configured"));
    CG_CHECK(has_diag(&d, 1, "security.admin_api_key_required", "no admin key"));
    CG_CHECK(has_diag(&d, 1, "security.api_key_header", "not a valid HTTP header name"));
    CG_CHECK(has_diag(&d, 1, "security.ip_allowlist", "'10.0.0.0/33' is not an IP address"));
    CG_CHECK(has_diag(&d, 1, "security.ip_allowlist", "'host' is not an IP address"));
    CG_CHECK(has_diag(&d, 1, "database.level0_slowdown_writes_trigger", "must be >="));
    CG_CHECK(has_diag(&d, 1, "health.endpoint", "is also metrics.endpoint"));
    CG_CHECK(has_diag(&d, 1, "mcp.endpoint", "starting with '/'"));
    CG_CHECK(has_diag(&d, 1, "performance.batch_size", "must be <= max_batch_size"));
    CG_CHECK_EQ_INT(d.n_errors, 9); /* jwt_secret is only checked when JWT is enabled */
    /* with JWT on, a short secret is an error, and JWT alone satisfies the key requirement */
    cg_config_set(&c, "security.jwt_enabled", "true", &d);
    memset(&d, 0, sizeof d);
    CG_CHECK_EQ_INT(cg_config_validate(&c, &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "security.jwt_secret", "shorter than 32 bytes"));
    CG_CHECK(!has_diag(&d, 1, "security.api_key_required", "no key is configured"));
    CG_CHECK_EQ_INT(d.n_errors, 8);
    for (int i = 0; i < d.n; i++) CG_CHECK(!strstr(d.items[i].msg, "s3cret"));
    /* fixing the keys makes the same config valid */
    char *env[] = {"CODEGRAPH_API_KEY=k1", "CODEGRAPH_ADMIN_API_KEY=k2", NULL};
    cg_config_apply_env(&c, env, &d);
    cg_config_set(&c, "security.jwt_secret", "0123456789abcdef0123456789abcdef", &d);
    cg_config_set(&c, "security.api_key_header", "X-Key", &d);
    cg_config_set(&c, "security.ip_allowlist", "10.0.0.0/8,::1", &d);
    cg_config_set(&c, "database.level0_slowdown_writes_trigger", "20", &d);
    cg_config_set(&c, "metrics.endpoint", "/metrics", &d);
    cg_config_set(&c, "mcp.endpoint", "/mcp", &d);
    cg_config_set(&c, "performance.batch_size", "100", &d);
    memset(&d, 0, sizeof d);
    CG_CHECK_EQ_INT(cg_config_validate(&c, &d), 0);
    /* validation also catches values set directly in the struct */
    c.server.port = 70000;
    c.metrics.histogram_buckets.n = 0;
    CG_CHECK_EQ_INT(cg_config_validate(&c, &d), CG_ECONFIG);
    CG_CHECK(has_diag(&d, 1, "server.port", "out of range"));
    CG_CHECK(has_diag(&d, 1, "metrics.histogram_buckets", "has 0 values"));
    cg_config_release(&c);
}

CG_TEST(report_names_unimplemented_keys_set_away_from_default)
{
    cg_config c;
    cg_config_diags d;
    cg_log_configure(CG_LOG_ERROR, CG_LOG_JSON, 2); /* keep the test output clean */
    cg_config_init_defaults(&c);
    apply(&c,
          "[logging]\nmax_files = 3\nsyslog_ident = \"cgsecretident\"\n"
          "[server]\nport = 1234\n[parsing.rust]\nparse_tests = false\n",
          &d);
    FILE *f = tmpfile();
    CG_CHECK(f != NULL);
    CG_CHECK_EQ_INT(cg_config_report_unimplemented(&c, f), 3); /* port is implemented */
    char out[2048] = "";
    rewind(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    fclose(f);
    CG_CHECK(strstr(out, "warning: logging.max_files: accepted, but log rotation is not "
                         "implemented yet; the value has no effect\n") != NULL);
    CG_CHECK(strstr(out, "warning: parsing.rust.parse_tests: accepted, but indexing") != NULL);
    CG_CHECK(strstr(out, "logging.syslog_ident") != NULL);
    CG_CHECK(strstr(out, "cgsecretident") == NULL); /* values are never echoed */
    CG_CHECK(strstr(out, "server.port") == NULL);
    cg_config_release(&c);
}

CG_TEST(diagnostics_print_and_overflow)
{
    cg_config c;
    cg_config_diags d;
    cg_config_init_defaults(&c);
    apply(&c, "[server]\nport = 70000\n[nope]\n", &d);
    FILE *f = tmpfile();
    cg_config_diags_print(&d, f);
    static char out[16384];
    rewind(f);
    out[fread(out, 1, sizeof out - 1, f)] = 0;
    fclose(f);
    CG_CHECK_STR(out, "error: server.port: 70000 is out of range 0..65535 (line 2)\n"
                      "warning: nope: unknown section [nope] (ignored); did you mean [mcp]? "
                      "(line 3)\n");
    /* more problems than fit: all errors are counted and the rest announced */
    cg_buf b;
    cg_buf_init(&b);
    cg_buf_puts(&b, "[server]\n");
    for (int i = 0; i < 70; i++) cg_buf_printf(&b, "unknown_%d = 1\n", i);
    cg_buf_puts(&b, "port = -5\n");
    memset(&d, 0, sizeof d);
    CG_CHECK_EQ_INT(cg_config_apply_toml(&c, b.data, b.len, "big", &d), CG_ECONFIG);
    CG_CHECK_EQ_INT(d.n, (int)CG_ARRAY_LEN(d.items));
    CG_CHECK_EQ_INT(d.n_errors, 1);
    f = tmpfile();
    cg_config_diags_print(&d, f);
    rewind(f);
    out[fread(out, 1, sizeof out - 1, f)] = 0;
    fclose(f);
    CG_CHECK(strstr(out, "error: 1 more errors not shown") != NULL);
    cg_buf_release(&b);
    cg_config_release(&c);
}

/* The value under "a.b.c" in a parsed document. */
static const cg_toml_val *toml_at(const cg_toml_val *root, const char *section, const char *key)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", section);
    const cg_toml_val *t = root;
    for (char *save = NULL, *p = strtok_r(buf, ".", &save); p && t; p = strtok_r(NULL, ".", &save))
        t = cg_toml_get(t, p);
    return t ? cg_toml_get(t, key) : NULL;
}

CG_TEST(reference_config_lists_every_key_at_default_and_loads_clean)
{
    const char *path = getenv("CG_CONFIG_REFERENCE");
    if (!path) path = "config/codegraph.toml";
    cg_config c;
    cg_config_diags d;
    int rc = cg_config_load(&c, path, NULL, &d);
    if (rc) cg_config_diags_print(&d, stderr);
    CG_CHECK_EQ_INT(rc, 0);
    CG_CHECK_EQ_INT(d.n, 0); /* not even a warning */
    if (rc) return;
    CG_CHECK_EQ_INT(cg_config_report_unimplemented(&c, NULL), 0); /* every value = default */
    cg_config_release(&c);
    FILE *f = fopen(path, "rb");
    static char text[CG_CONFIG_FILE_MAX];
    size_t n = f ? fread(text, 1, sizeof text, f) : 0;
    if (f) fclose(f);
    cg_toml_val *root = NULL;
    cg_toml_err e;
    CG_CHECK_EQ_INT(cg_toml_parse(text, n, &root, &e), 0);
    for (int i = 0; root && i < cg_config_keys_n; i++) {
        const cg_config_key *k = &cg_config_keys[i];
        if (!toml_at(root, k->section, k->key))
            fprintf(stderr, "  %s.%s missing from %s\n", k->section, k->key, path);
        CG_CHECK(toml_at(root, k->section, k->key) != NULL);
    }
    cg_toml_free(root);
}

CG_TEST(every_schema_row_is_consistent)
{
    for (int i = 0; i < cg_config_keys_n; i++) {
        const cg_config_key *k = &cg_config_keys[i];
        CG_CHECK(k->def != NULL);
        CG_CHECK(k->implemented || (k->feature && *k->feature));
        CG_CHECK(!k->ranged || k->min <= k->max);
        CG_CHECK(k->type != CG_CT_ENUM || k->enums);
        CG_CHECK(k->type != CG_CT_ENUM_INT || k->enums);
        for (int j = 0; j < i; j++) /* no key twice */
            CG_CHECK(strcmp(k->section, cg_config_keys[j].section) ||
                     strcmp(k->key, cg_config_keys[j].key));
        char name[128];
        snprintf(name, sizeof name, "%s.%s", k->section, k->key);
        CG_CHECK(cg_config_key_find(name) == k);
    }
    /* the operations manual's 156 keys are never removed; later keys are additions */
    CG_CHECK(cg_config_keys_n >= 156);
}

CG_TEST_MAIN()
