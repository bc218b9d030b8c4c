/*
 * proc.h — process statistics read from /proc at scrape time (internal to src/metrics).
 *
 * Each group of fields carries its own validity flag: a /proc file that cannot be read
 * (e.g. a hardened container) drops only the metrics that come from it.
 */
#ifndef CODEGRAPH_METRICS_PROC_H
#define CODEGRAPH_METRICS_PROC_H

#include <stdint.h>

typedef struct cg_proc_stats {
    int stat_ok;          /**< fields from /proc/self/stat below are valid */
    double cpu_seconds;   /**< utime + stime */
    uint64_t rss_bytes;   /**< resident set size */
    uint64_t vsize_bytes; /**< virtual memory size */
    int64_t threads;      /**< num_threads */
    int start_ok;         /**< start_time_s is valid (needs stat and btime) */
    double start_time_s;  /**< process start, seconds since the epoch */
    int fds_ok;
    int64_t open_fds; /**< entries in /proc/self/fd */
    int max_fds_ok;
    int64_t max_fds; /**< soft RLIMIT_NOFILE */
} cg_proc_stats;

/** Fill `st` (never allocates; stack buffers only). Returns 0 when everything was read,
 *  otherwise -errno of the first failure (the valid flags say what was read). */
int cg_metrics_proc_read(cg_proc_stats *st);

#endif
