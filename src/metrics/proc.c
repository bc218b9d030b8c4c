/*
 * proc.c — process statistics from /proc for the process_* metrics.
 *
 * Read at scrape time, so the numbers are always current and nothing runs in the
 * background. No heap allocation: files are read into stack buffers, and /proc/self/fd is
 * listed with getdents64 rather than opendir (which mallocs its buffer). Boot time (btime in
 * /proc/stat) never changes, so it is read once and cached.
 */
#include "metrics/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define PROC_STAT_BUF 2048  /* /proc/self/stat is ~300 bytes; comm is at most 64 */
#define PROC_CHUNK_BUF 4096 /* chunk size for streaming /proc/stat and getdents64 */
#define PROC_STAT_FIELDS 24 /* we need fields up to rss (field 24, 1-based) */

/* Field numbers (1-based) in /proc/self/stat, see proc(5). */
enum { F_UTIME = 14, F_STIME = 15, F_THREADS = 20, F_START = 22, F_VSIZE = 23, F_RSS = 24 };

static _Atomic int64_t proc_btime_cache; /* 0 = not read yet */

/* Read a whole small file into buf (NUL-terminated). Returns bytes read or -errno. */
static ssize_t proc_read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t have = 0;
    while (have < cap - 1) {
        ssize_t n = read(fd, buf + have, cap - 1 - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0) break;
        have += (size_t)n;
    }
    close(fd);
    buf[have] = 0;
    return (ssize_t)have;
}

/* Parse /proc/self/stat into f[1..PROC_STAT_FIELDS] (field 2, comm, and 3, state, are 0).
 * comm may contain spaces and ')' so parsing starts after the last ')'. */
static int proc_parse_stat(const char *buf, long long *f)
{
    const char *p = strrchr(buf, ')');
    if (!p) return -EINVAL;
    p++;
    while (*p == ' ') p++;
    if (!*p) return -EINVAL;
    p++; /* state, one character */
    for (int i = 4; i <= PROC_STAT_FIELDS; i++) {
        char *end;
        errno = 0;
        f[i] = strtoll(p, &end, 10);
        if (end == p || errno) return -EINVAL;
        p = end;
    }
    return 0;
}

/* Scan the lines of buf[0..*have) for "btime N"; keeps an incomplete last line in buf.
 * *skip means the buffer starts in the middle of an over-long line (not a line start). */
static int64_t proc_btime_scan(char *buf, size_t cap, size_t *have, int *skip)
{
    char *line = buf, *nl;
    while ((nl = memchr(line, '\n', *have - (size_t)(line - buf))) != NULL) {
        if (!*skip && strncmp(line, "btime ", 6) == 0) return strtoll(line + 6, NULL, 10);
        *skip = 0;
        line = nl + 1;
    }
    size_t rest = *have - (size_t)(line - buf);
    if (rest == cap - 1) { /* a line longer than the buffer (the "intr" line): drop it */
        *skip = 1;
        rest = 0;
    }
    memmove(buf, line, rest);
    *have = rest;
    return 0;
}

/* Boot time, seconds since the epoch, streamed from /proc/stat (which can be large). */
static int64_t proc_btime(void)
{
    int64_t cached = atomic_load_explicit(&proc_btime_cache, memory_order_relaxed);
    if (cached > 0) return cached;
    char buf[PROC_CHUNK_BUF];
    size_t have = 0;
    int skip = 0;
    int64_t bt = 0;
    int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    while (bt == 0) {
        ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (size_t)n;
        buf[have] = 0;
        bt = proc_btime_scan(buf, sizeof buf, &have, &skip);
    }
    close(fd);
    if (bt <= 0) return -ENOENT;
    atomic_store_explicit(&proc_btime_cache, bt, memory_order_relaxed);
    return bt;
}

/* Entries in /proc/self/fd, not counting the descriptor used to list it. */
static int64_t proc_open_fds(void)
{
    _Alignas(8) char buf[PROC_CHUNK_BUF];
    int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int64_t count = 0;
    for (;;) {
        ssize_t n = getdents64(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
            unsigned short reclen;
            memcpy(&reclen, buf + off + offsetof(struct dirent64, d_reclen), sizeof reclen);
            const char *name = buf + off + offsetof(struct dirent64, d_name);
            if (name[0] != '.') count++;
            off += reclen;
        }
    }
    close(fd);
    return count > 0 ? count - 1 : 0;
}

/* Fill the fields that come from /proc/self/stat and btime. */
static int proc_read_stat(cg_proc_stats *st)
{
    char buf[PROC_STAT_BUF];
    long long f[PROC_STAT_FIELDS + 1] = {0};
    ssize_t n = proc_read_small("/proc/self/stat", buf, sizeof buf);
    if (n < 0) return (int)n;
    int rc = proc_parse_stat(buf, f);
    if (rc < 0) return rc;
    long ticks = sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    if (ticks <= 0 || page <= 0) return -EINVAL;
    st->cpu_seconds = (double)(f[F_UTIME] + f[F_STIME]) / (double)ticks;
    st->rss_bytes = f[F_RSS] > 0 ? (uint64_t)f[F_RSS] * (uint64_t)page : 0;
    st->vsize_bytes = (uint64_t)f[F_VSIZE];
    st->threads = f[F_THREADS];
    st->stat_ok = 1;
    int64_t bt = proc_btime();
    if (bt < 0) return (int)bt;
    st->start_time_s = (double)bt + (double)f[F_START] / (double)ticks;
    st->start_ok = 1;
    return 0;
}

int cg_metrics_proc_read(cg_proc_stats *st)
{
    memset(st, 0, sizeof *st);
    int first = proc_read_stat(st);
    int64_t fds = proc_open_fds();
    if (fds >= 0) {
        st->open_fds = fds;
        st->fds_ok = 1;
    } else if (first == 0) {
        first = (int)fds;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        st->max_fds = rl.rlim_cur == RLIM_INFINITY ? INT64_MAX : (int64_t)rl.rlim_cur;
        st->max_fds_ok = 1;
    } else if (first == 0) {
        first = -errno;
    }
    return first;
}
