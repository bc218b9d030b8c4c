/*
 * host_metrics.h — the host figures the operations manual's alerts need, exported by the
 * server itself so the rules work without node_exporter: the data file system's free and
 * total bytes, the CPUs online and the 5-minute load average.
 */
#ifndef CG_SERVER_HOST_METRICS_H
#define CG_SERVER_HOST_METRICS_H

#include "server/server_int.h"

/** Register codegraph_data_filesystem_avail_bytes, codegraph_data_filesystem_size_bytes
 *  (statvfs of [database] path), codegraph_host_cpus and codegraph_host_load5 — all read
 *  at scrape time; NaN when a read fails. */
void cg_server_host_metrics_register(cg_server *s);

#endif
