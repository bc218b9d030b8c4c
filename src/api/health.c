/*
 * health.c — /health (liveness), /ready (readiness), /api/v1/health (components)
 * and /metrics.
 *
 * /health is the load balancer's and Docker's probe: cheap, no I/O. /ready says
 * whether to send traffic (503 while starting or draining). /api/v1/health looks
 * at each component for real: a RocksDB probe read, free space of the data
 * directory, RSS against the memory budget, the pool's queue.
 */
#include <libgen.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "api.h"
#include "codegraph/base.h"
#include "server/server_int.h"

#ifndef CG_VERSION
#define CG_VERSION "0.0.0"
#endif

/* Features this build serves; later subsystems add "vector", "mcp". */

/* The features this server was started with: "http", "graph" always; the others when
 * switched on in the config (and, for search and vector, when they opened). */
static void put_features(cg_buf *b, const cg_server *s)
{
    const cg_config *c = &s->cfg;
    const struct {
        int on;
        const char *name;
    } f[] = {{1, "http"},
             {c->metrics.enabled, "metrics"},
             {1, "graph"},
             {s->search != NULL, "search"},
             {s->vindex != NULL, "vector"},
             {c->mcp.enabled, "mcp"},
             {c->security.api_key_required || c->security.jwt_enabled, "auth"}};
    int n = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(f); i++) {
        if (!f[i].on) continue;
        cg_buf_puts(b, n++ ? ",\"" : "\"");
        cg_buf_puts(b, f[i].name);
        cg_buf_putc(b, '"');
    }
}

/* "3s", "4m5s", "2h7m": written without printf (this is the probe hot path). */
static void put_uptime(cg_buf *b, double secs)
{
    uint64_t s = (uint64_t)secs;
    cg_buf_putc(b, '"');
    if (s >= 3600) {
        cg_buf_put_u64(b, s / 3600);
        cg_buf_putc(b, 'h');
        cg_buf_put_u64(b, s / 60 % 60);
        cg_buf_putc(b, 'm');
    } else if (s >= 60) {
        cg_buf_put_u64(b, s / 60);
        cg_buf_putc(b, 'm');
        cg_buf_put_u64(b, s % 60);
        cg_buf_putc(b, 's');
    } else {
        cg_buf_put_u64(b, s);
        cg_buf_putc(b, 's');
    }
    cg_buf_putc(b, '"');
}

void cg_api_health(cg_req *rq)
{
    cg_buf *b = rq->body;
    cg_buf_puts(b, "{\"status\":\"healthy\",\"version\":\"" CG_VERSION "\",\"uptime\":");
    put_uptime(b, cg_server_uptime_s(rq->srv));
    cg_buf_puts(b, ",\"features\":[");
    put_features(b, rq->srv);
    cg_buf_puts(b, "]}");
    cg_req_json(rq, 200);
}

void cg_api_ready(cg_req *rq)
{
    cg_server_state st = cg_server_get_state(rq->srv);
    if (st == CG_SERVER_SERVING) {
        cg_buf_puts(rq->body, "{\"status\":\"ready\"}");
        cg_req_json(rq, 200);
        return;
    }
    cg_req_error(rq, 503, CG_EOVERLOAD,
                 st == CG_SERVER_STARTING ? "starting: not ready for traffic"
                                          : "draining: not accepting new work",
                 "Retry-After: 5\r\n");
}

void cg_api_metrics(cg_req *rq)
{
    cg_metrics_render(rq->srv->metrics, rq->body);
    if (!cg_buf_ok(rq->body)) {
        cg_req_error(rq, 500, CG_ENOMEM, "metrics too large", NULL);
        return;
    }
    cg_req_respond(rq, 200, "text/plain; version=0.0.4; charset=utf-8", rq->body->data,
                   rq->body->len, NULL);
}

static uint64_t rss_bytes(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
    fclose(f);
    return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Each component appends `"name":{...}` and returns 0 ok, 1 degraded, 2 unhealthy. */
static int comp_database(cg_server *s, cg_buf *b)
{
    char err[256] = "";
    uint64_t t0 = cg_time_mono_ns();
    int rc = cg_store_health(s->store, err, sizeof err);
    double ms = (double)(cg_time_mono_ns() - t0) / 1e6;
    int slow = rc == 0 && ms > (double)s->cfg.health.response_time_threshold_ms;
    cg_buf_printf(b,
                  "\"database\":{\"status\":\"%s\",\"latency_ms\":%.3f,\"size_bytes\":%llu,"
                  "\"path\":",
                  rc     ? "unhealthy"
                  : slow ? "degraded"
                         : "healthy",
                  ms, (unsigned long long)cg_store_size_bytes(s->store));
    cg_buf_put_json_str(b, s->cfg.database.path, strlen(s->cfg.database.path));
    if (rc != 0) {
        cg_buf_puts(b, ",\"error\":");
        cg_buf_put_json_str(b, err, strlen(err));
    }
    cg_buf_putc(b, '}');
    return rc ? 2 : slow;
}

static int comp_file_system(cg_server *s, cg_buf *b)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", s->cfg.database.path);
    char *d = dirname(dir);
    struct statvfs v;
    if (statvfs(d, &v) != 0) {
        cg_buf_puts(b, "\"file_system\":{\"status\":\"unhealthy\",\"error\":\"statvfs failed\"}");
        return 2;
    }
    uint64_t total = (uint64_t)v.f_blocks * v.f_frsize, avail = (uint64_t)v.f_bavail * v.f_frsize;
    double used = total ? 1.0 - (double)avail / (double)total : 0;
    int writable = access(d, W_OK) == 0;
    int bad = !writable || used > s->cfg.health.disk_space_threshold;
    cg_buf_printf(b,
                  "\"file_system\":{\"status\":\"%s\",\"free_bytes\":%llu,\"total_bytes\":%llu,"
                  "\"used_ratio\":%.4f,\"writable\":%s,\"threshold\":%.2f}",
                  bad ? "degraded" : "healthy", (unsigned long long)avail,
                  (unsigned long long)total, used, writable ? "true" : "false",
                  s->cfg.health.disk_space_threshold);
    return bad;
}

static int comp_memory(cg_server *s, cg_buf *b)
{
    uint64_t rss = rss_bytes(), lim = s->cfg.performance.max_memory_usage_bytes;
    double ratio = lim ? (double)rss / (double)lim : 0;
    int bad = ratio > s->cfg.health.memory_threshold;
    cg_buf_printf(b,
                  "\"memory\":{\"status\":\"%s\",\"rss_bytes\":%llu,\"limit_bytes\":%llu,"
                  "\"ratio\":%.4f,\"threshold\":%.2f}",
                  bad ? "degraded" : "healthy", (unsigned long long)rss, (unsigned long long)lim,
                  ratio, s->cfg.health.memory_threshold);
    return bad;
}

static int comp_indexing(cg_server *s, cg_buf *b)
{
    cg_buf_printf(b,
                  "\"indexing\":{\"status\":\"healthy\",\"queue_depth\":%d,\"active_jobs\":%d,"
                  "\"pool_threads\":%d}",
                  cg_pool_queue_depth(s->pool), cg_pool_active(s->pool), cg_pool_threads(s->pool));
    return 0;
}

void cg_api_health_detail(cg_req *rq)
{
    cg_server *s = rq->srv;
    cg_buf comps;
    cg_buf_init(&comps);
    const cg_config_health *hc = &s->cfg.health;
    struct {
        int on;
        int (*fn)(cg_server *, cg_buf *);
    } comp[] = {{hc->check_database, comp_database},
                {hc->check_file_system, comp_file_system},
                {hc->check_memory, comp_memory},
                {1, comp_indexing}};
    int worst = 0;
    for (size_t i = 0; i < CG_ARRAY_LEN(comp); i++) {
        if (!comp[i].on) continue;
        if (comps.len) cg_buf_putc(&comps, ',');
        int st = comp[i].fn(s, &comps); /* once: CG_MAX evaluates its arguments twice */
        worst = CG_MAX(worst, st);
    }
    if (hc->check_vector_search) {
        if (comps.len) cg_buf_putc(&comps, ',');
        int st = cg_api_vector_health(s, &comps);
        worst = CG_MAX(worst, st);
    }
    cg_buf caps; /* TXT: which search modes work and why (degraded: provider failing) */
    cg_buf_init(&caps);
    int cst = cg_api_search_capabilities(s, &caps);
    worst = CG_MAX(worst, cst);
    static const char *const names[] = {"healthy", "degraded", "unhealthy"};
    cg_buf *b = rq->body;
    cg_buf_printf(b,
                  "{\"status\":\"%s\",\"version\":\"" CG_VERSION "\",\"uptime_seconds\":%.0f,"
                  "\"io_backend\":\"%s\",\"workers\":%d,\"components\":{",
                  names[worst], cg_server_uptime_s(s), cg_reactor_backend_name(s->backend),
                  s->n_reactors);
    cg_buf_append(b, comps.data, comps.len);
    cg_buf_puts(b, "},");
    cg_buf_append(b, caps.data, caps.len);
    cg_buf_putc(b, '}');
    cg_buf_release(&caps);
    cg_buf_release(&comps);
    cg_req_json(rq, worst == 2 ? 503 : 200);
}
