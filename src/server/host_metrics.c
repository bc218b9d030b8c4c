/*
 * host_metrics.c — gauges read at scrape time (see host_metrics.h). Each is one cheap call
 * (statvfs, sysconf, getloadavg, the lock-free cg_vindex_stats_get):
 * deploy/prometheus/alerts.yml uses the host ones for CodeGraphLowDiskSpace,
 * CodeGraphHighCPUUsage and CodeGraphHighLoadAverage, and the Grafana dashboard the
 * vector-index ones.
 */
#include <math.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "codegraph/vindex.h"
#include "server/host_metrics.h"

static double fs_stat(cg_server *s, int avail)
{
    struct statvfs v;
    if (statvfs(s->cfg.database.path, &v) != 0) return NAN;
    return (double)(avail ? v.f_bavail : v.f_blocks) * (double)v.f_frsize;
}

static double gauge_avail(void *ud)
{
    return fs_stat(ud, 1);
}

static double gauge_size(void *ud)
{
    return fs_stat(ud, 0);
}

static double gauge_cpus(void *ud)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (double)n : NAN;
}

static double gauge_load5(void *ud)
{
    double l[3];
    return getloadavg(l, 3) == 3 ? l[1] : NAN;
}

enum { VX_VECTORS, VX_DELTA, VX_FILE_BYTES, VX_REBUILDING, VX_NEEDS_REBUILD, VX_BUILD_SECONDS };

static double vx_stat(cg_server *s, int which)
{
    cg_vindex_stats st;
    cg_vindex_stats_get(s->vindex, &st);
    switch (which) {
    case VX_VECTORS: return (double)st.total;
    case VX_DELTA: return (double)st.delta_count;
    case VX_FILE_BYTES: return (double)st.file_bytes;
    case VX_REBUILDING: return st.rebuilding;
    case VX_NEEDS_REBUILD: return st.needs_rebuild;
    default: return st.last_build_ms < 0 ? NAN : (double)st.last_build_ms / 1000.0;
    }
}

static double gauge_vx_vectors(void *ud)
{
    return vx_stat(ud, VX_VECTORS);
}

static double gauge_vx_delta(void *ud)
{
    return vx_stat(ud, VX_DELTA);
}

static double gauge_vx_file_bytes(void *ud)
{
    return vx_stat(ud, VX_FILE_BYTES);
}

static double gauge_vx_rebuilding(void *ud)
{
    return vx_stat(ud, VX_REBUILDING);
}

static double gauge_vx_needs_rebuild(void *ud)
{
    return vx_stat(ud, VX_NEEDS_REBUILD);
}

static double gauge_vx_build_seconds(void *ud)
{
    return vx_stat(ud, VX_BUILD_SECONDS);
}

static void vector_metrics_register(cg_server *s)
{
    cg_metrics *m = s->metrics;
    cg_metrics_gauge_fn(m, "codegraph_vector_index_vectors", "Vectors searchable in the index",
                        gauge_vx_vectors, s);
    cg_metrics_gauge_fn(m, "codegraph_vector_index_delta_vectors",
                        "Vectors in the in-memory delta, not yet in the mapped file",
                        gauge_vx_delta, s);
    cg_metrics_gauge_fn(m, "codegraph_vector_index_file_bytes", "Size of the mapped index file",
                        gauge_vx_file_bytes, s);
    cg_metrics_gauge_fn(m, "codegraph_vector_index_rebuilding", "1 while a rebuild runs",
                        gauge_vx_rebuilding, s);
    cg_metrics_gauge_fn(m, "codegraph_vector_index_needs_rebuild",
                        "1 when no valid index file is mapped", gauge_vx_needs_rebuild, s);
    cg_metrics_gauge_fn(m, "codegraph_vector_index_last_build_seconds",
                        "Duration of the last rebuild", gauge_vx_build_seconds, s);
}

void cg_server_host_metrics_register(cg_server *s)
{
    if (s->vindex) vector_metrics_register(s);
    cg_metrics_gauge_fn(s->metrics, "codegraph_data_filesystem_avail_bytes",
                        "Bytes available to the server on the database's file system", gauge_avail,
                        s);
    cg_metrics_gauge_fn(s->metrics, "codegraph_data_filesystem_size_bytes",
                        "Size of the database's file system in bytes", gauge_size, s);
    cg_metrics_gauge_fn(s->metrics, "codegraph_host_cpus", "CPUs online on this host", gauge_cpus,
                        s);
    cg_metrics_gauge_fn(s->metrics, "codegraph_host_load5", "Host load average over 5 minutes",
                        gauge_load5, s);
}
