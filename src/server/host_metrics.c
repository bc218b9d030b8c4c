/*
 * host_metrics.c — host gauges read at scrape time (see host_metrics.h). Each is one
 * cheap call (statvfs, sysconf, getloadavg); deploy/prometheus/alerts.yml uses them for
 * CodeGraphLowDiskSpace, CodeGraphHighCPUUsage and CodeGraphHighLoadAverage.
 */
#include <math.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

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

void cg_server_host_metrics_register(cg_server *s)
{
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
