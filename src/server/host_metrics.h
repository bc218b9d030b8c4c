/*
 * host_metrics.h — gauges the alerts and the dashboard need that no subsystem exports: the
 * host figures of the operations manual's alerts (the data file system's free and total
 * bytes, the CPUs online, the 5-minute load average — so the rules work without
 * node_exporter) and the vector index's size and rebuild state.
 */
#ifndef CG_SERVER_HOST_METRICS_H
#define CG_SERVER_HOST_METRICS_H

#include "server/server_int.h"

/** Register codegraph_data_filesystem_avail_bytes, codegraph_data_filesystem_size_bytes
 *  (statvfs of [database] path), codegraph_host_cpus, codegraph_host_load5 and, when the
 *  vector index is open, codegraph_vector_index_{vectors,delta_vectors,file_bytes,
 *  rebuilding,needs_rebuild,last_build_seconds} — all read at scrape time; NaN when a
 *  read fails. Call after s->vindex is opened. */
void cg_server_host_metrics_register(cg_server *s);

#endif
