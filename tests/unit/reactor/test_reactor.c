/*
 * test_reactor.c — proves the reactor's contract with real TCP clients on 127.0.0.1, for
 * io_uring, epoll, and AUTO with CG_REACTOR_FORCE_URING_FAIL=1 (which must pick epoll):
 * echo round trips; many small writes leave as one segment (TCP_INFO data_segs_in of the
 * client) with TCP_NODELAY on the accepted socket (or, for io_uring sockets that live in
 * the ring's file table, on the listener they inherit it from); a 4 MiB write reaches a
 * slow reader intact and on_drain follows; paused connections get no on_data and resume in
 * order; graceful close flushes everything then FINs; abort close sends nothing; a refused
 * connection gets what on_open wrote and no on_close; half-close still gets its answer;
 * deadlines fire, re-arm replaces, 0 disarms; posted messages run on the reactor thread in
 * per-producer order; stop works from another thread and closes leftover connections
 * (on_close -ECANCELED); two reactors share a port; on_close runs exactly once per opened
 * connection, always on the reactor thread; no file descriptor leaks. io_uring only:
 * connections are accepted into the registered file table (no descriptor in the process),
 * overflow past the table falls back to plain descriptors, and table entries come back when
 * connections close.
 *
 * Handler protocol (one byte = one command, in on_data): letters are echoed upper-cased;
 * '!' pause reading for 300 ms (then "R" and resume); '#' 1000 writes of 10 bytes;
 * '$' one 4 MiB write; '%' 1 MiB then graceful close; '&' 1 MiB then abort close;
 * 'D' deadline 200 ms; 'L' deadline 1000 ms; 'Z' disarm (a deadline firing sends "T").
 */
#include <dirent.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/log.h"
#include "codegraph/reactor.h"

#define BIG_BYTES (4u * 1024 * 1024)
#define MIB (1024u * 1024)
#define WAIT_MS 5000

typedef struct tctx {
    cg_reactor *r;
    pthread_t rthread;
    atomic_int running;
    atomic_int opened, closed, bad, drains, ticks, refuse;
    atomic_int last_err;
} tctx;

typedef struct tconn {
    tctx *t;
    int paused, closed;
} tconn;

static unsigned char big[BIG_BYTES];

static uint64_t now_ms(void)
{
    return cg_time_mono_ns() / 1000000u;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int wait_int(atomic_int *v, int want)
{
    uint64_t until = now_ms() + WAIT_MS;
    while (atomic_load(v) != want && now_ms() < until) sleep_ms(1);
    return atomic_load(v) == want;
}

/* A broken contract: count it and say which (once per reason per run is enough). */
static void bad(tctx *t, const char *why)
{
    if (atomic_fetch_add(&t->bad, 1) == 0) fprintf(stderr, "  contract broken: %s\n", why);
}

static void on_thread(tctx *t)
{
    if (!pthread_equal(pthread_self(), t->rthread)) bad(t, "callback off the reactor thread");
}

/* ------------------------------------------------------------------ the test handler */

static void *h_open(cg_reactor *r, cg_rconn *c, const struct sockaddr *peer, socklen_t len)
{
    tctx *t = cg_reactor_user(r);
    on_thread(t);
    if (len == 0 || peer->sa_family != AF_INET) bad(t, "no peer address");
    if (atomic_load(&t->refuse)) {
        cg_rconn_write(c, "NO\n", 3);
        return NULL;
    }
    tconn *tc = calloc(1, sizeof *tc);
    tc->t = t;
    atomic_fetch_add(&t->opened, 1);
    return tc;
}

static void h_command(cg_rconn *c, tconn *tc, char ch)
{
    static const char ten[] = "0123456789";
    switch (ch) {
    case '!':
        cg_rconn_pause_read(c);
        tc->paused = 1;
        cg_rconn_deadline(c, 300);
        break;
    case '#':
        for (int i = 0; i < 1000; i++) cg_rconn_write(c, ten, 10);
        break;
    case '$': cg_rconn_write(c, big, BIG_BYTES); break;
    case '%':
    case '&':
        cg_rconn_write(c, big, MIB);
        cg_rconn_close(c, ch == '&');
        break;
    case 'D': cg_rconn_deadline(c, 200); break;
    case 'L': cg_rconn_deadline(c, 1000); break;
    case 'Z': cg_rconn_deadline(c, 0); break;
    default: {
        char u = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
        cg_rconn_write(c, &u, 1);
    }
    }
}

static void h_data(cg_reactor *r, cg_rconn *c, void *ud, const char *data, size_t len)
{
    tconn *tc = ud;
    on_thread(tc->t);
    if (tc->paused || tc->closed) bad(tc->t, "on_data while paused or closed");
    for (size_t i = 0; i < len; i++) h_command(c, tc, data[i]);
}

static void h_drain(cg_reactor *r, cg_rconn *c, void *ud)
{
    tconn *tc = ud;
    on_thread(tc->t);
    atomic_fetch_add(&tc->t->drains, 1);
}

static void h_timeout(cg_reactor *r, cg_rconn *c, void *ud)
{
    tconn *tc = ud;
    on_thread(tc->t);
    if (tc->paused) {
        tc->paused = 0;
        cg_rconn_write(c, "R", 1);
        cg_rconn_resume_read(c);
    } else {
        cg_rconn_write(c, "T", 1);
    }
}

static void h_close(cg_reactor *r, cg_rconn *c, void *ud, int err)
{
    tconn *tc = ud;
    on_thread(tc->t);
    if (tc->closed++) bad(tc->t, "on_close twice");
    atomic_store(&tc->t->last_err, err);
    atomic_fetch_add(&tc->t->closed, 1);
    free(tc);
}

static void h_tick(cg_reactor *r)
{
    tctx *t = cg_reactor_user(r);
    on_thread(t);
    atomic_fetch_add(&t->ticks, 1);
}

static const cg_reactor_handler handler = {h_open, h_data, h_drain, h_timeout, h_close, h_tick};

/* ------------------------------------------------------------------ server harness */

typedef struct bcase {
    cg_io_backend backend;
    int force_fail;
    cg_io_backend expect;
    const char *name;
} bcase;

static const bcase cases[] = {
    {CG_IO_URING, 0, CG_IO_URING, "io_uring"},
    {CG_IO_EPOLL, 0, CG_IO_EPOLL, "epoll"},
    {CG_IO_AUTO, 1, CG_IO_EPOLL, "auto+force_fail"},
};
static int uring_ok = -1; /* -1 unknown, 0 refused by this host (e.g. seccomp): skip */

typedef struct srv {
    tctx t;
    pthread_t th;
    int run_rc;
} srv;

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

static void *srv_main(void *arg)
{
    srv *s = arg;
    s->t.rthread = pthread_self();
    atomic_store(&s->t.running, 1);
    s->run_rc = cg_reactor_run(s->t.r);
    return NULL;
}

static int srv_create(srv *s, const bcase *bc, int port)
{
    memset(s, 0, sizeof *s);
    cg_reactor_options o = {"127.0.0.1", port, bc->backend, 0, -1, &s->t};
    if (bc->force_fail) setenv("CG_REACTOR_FORCE_URING_FAIL", "1", 1);
    int rc = cg_reactor_create(&s->t.r, &o, &handler);
    unsetenv("CG_REACTOR_FORCE_URING_FAIL");
    return rc;
}

static int srv_start(srv *s, const bcase *bc, int port)
{
    int rc = srv_create(s, bc, port);
    if (rc < 0) return rc;
    pthread_create(&s->th, NULL, srv_main, s);
    wait_int(&s->t.running, 1);
    return 0;
}

static void srv_stop(srv *s)
{
    cg_reactor_stop(s->t.r);
    pthread_join(s->th, NULL);
    cg_reactor_destroy(s->t.r);
    s->t.r = NULL;
}

/* Which backends to run: io_uring only where the host allows it. */
static int case_usable(const bcase *bc)
{
    if (bc->backend != CG_IO_URING) return 1;
    if (uring_ok < 0) {
        srv s;
        int rc = srv_create(&s, bc, 0);
        uring_ok = rc == 0;
        if (rc == 0)
            cg_reactor_destroy(s.t.r);
        else
            printf("  (io_uring refused here: %s — its cases are skipped)\n", strerror(-rc));
    }
    return uring_ok;
}

static int case_begin(const bcase *bc)
{
    if (!case_usable(bc)) return 0;
    fprintf(stderr, "  [%s]\n", bc->name);
    return 1;
}

#define FOR_EACH_BACKEND(bc)                                                                       \
    for (const bcase *bc = cases; bc < cases + CG_ARRAY_LEN(cases); bc++)                          \
        if (case_begin(bc))

/* ------------------------------------------------------------------ client helpers */

static int client(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_str(int fd, const char *s)
{
    (void)!send(fd, s, strlen(s), MSG_NOSIGNAL);
}

/* Read exactly n bytes (or until EOF/error/timeout); returns the count read. */
static size_t recv_n(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = recv(fd, (char *)buf + got, n - got, 0);
        if (k <= 0) break;
        got += (size_t)k;
    }
    return got;
}

/* 0 on clean EOF, -errno on error/timeout, 1 if bytes arrived instead. */
static int recv_eof(int fd)
{
    char ch;
    ssize_t k = recv(fd, &ch, 1, 0);
    return k == 0 ? 0 : k > 0 ? 1 : -errno;
}

static void set_rcvtimeo_ms(int fd, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static int check_pattern(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != big[i]) return 0;
    return 1;
}

/* The server-side socket of client `cfd` (same process): match the address pair. */
static int server_fd_of(int cfd)
{
    struct sockaddr_in cl, cp, sl, sp;
    socklen_t len = sizeof cl;
    getsockname(cfd, (struct sockaddr *)&cl, &len);
    len = sizeof cp;
    getpeername(cfd, (struct sockaddr *)&cp, &len);
    for (int fd = 3; fd < 1024; fd++) {
        struct stat st;
        if (fd == cfd || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) continue;
        len = sizeof sl;
        if (getsockname(fd, (struct sockaddr *)&sl, &len) < 0) continue;
        len = sizeof sp;
        if (getpeername(fd, (struct sockaddr *)&sp, &len) < 0) continue;
        if (sl.sin_port == cp.sin_port && sp.sin_port == cl.sin_port) return fd;
    }
    return -1;
}

/* The listening socket bound to `port` in this process. */
static int listener_fd_of(int port)
{
    for (int fd = 3; fd < 1024; fd++) {
        struct sockaddr_in sl, sp;
        struct stat st;
        socklen_t len = sizeof sl;
        if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) continue;
        if (getsockname(fd, (struct sockaddr *)&sl, &len) < 0) continue;
        len = sizeof sp;
        if (ntohs(sl.sin_port) == port && getpeername(fd, (struct sockaddr *)&sp, &len) < 0)
            return fd;
    }
    return -1;
}

/* A happens-before edge from this thread to the reactor thread (for ThreadSanitizer: the
 * test inspects server sockets that the reactor later closes). */
typedef struct sync_msg {
    cg_msg m;
    atomic_int ran;
} sync_msg;

static void sync_fn(cg_reactor *r, cg_msg *m)
{
    atomic_store(&((sync_msg *)m)->ran, 1);
}

static int sync_with(srv *s)
{
    sync_msg m = {{sync_fn, NULL}, 0};
    cg_reactor_post(s->t.r, &m.m);
    return wait_int(&m.ran, 1);
}

/* ------------------------------------------------------------------ tests */

CG_TEST(backend_selection)
{
    for (size_t i = 0; i < BIG_BYTES; i++) big[i] = (unsigned char)(i % 251);
    int lp[2];
    CG_CHECK_EQ_INT(pipe(lp), 0);
    cg_log_configure(CG_LOG_WARN, CG_LOG_JSON, lp[1]); /* capture the fallback warning */
    srv s;
    CG_CHECK_EQ_INT(srv_create(&s, &cases[2], 0), 0);
    CG_CHECK_EQ_INT(cg_reactor_backend(s.t.r), CG_IO_EPOLL);
    CG_CHECK(cg_reactor_port(s.t.r) > 0);
    cg_reactor_destroy(s.t.r);
    char line[1024] = {0};
    CG_CHECK(read(lp[0], line, sizeof line - 1) > 0);
    CG_CHECK(strstr(line, "io_uring unavailable, using epoll") != NULL);
    CG_CHECK(strstr(line, "Operation not permitted") != NULL);
    cg_log_configure(CG_LOG_OFF, CG_LOG_JSON, 2); /* quiet from here on */
    close(lp[0]);
    close(lp[1]);
    bcase forced_uring = {CG_IO_URING, 1, CG_IO_URING, "io_uring+force_fail"};
    CG_CHECK_EQ_INT(srv_create(&s, &forced_uring, 0), -EPERM);
    CG_CHECK_STR(cg_reactor_backend_name(CG_IO_URING), "io_uring");
    CG_CHECK_STR(cg_reactor_backend_name(CG_IO_EPOLL), "epoll");
    cg_reactor_options o = {"not-an-ip", 0, CG_IO_EPOLL, 0, -1, NULL};
    cg_reactor *r = NULL;
    CG_CHECK(cg_reactor_create(&r, &o, &handler) < 0 && r == NULL);
    FOR_EACH_BACKEND(bc)
    {
        CG_CHECK_EQ_INT(srv_create(&s, bc, 0), 0);
        CG_CHECK_EQ_INT(cg_reactor_backend(s.t.r), bc->expect);
        cg_reactor_destroy(s.t.r);
    }
}

CG_TEST(echo_round_trips_and_half_close)
{
    FOR_EACH_BACKEND(bc)
    {
        int fds0 = count_fds();
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        int fd = client(cg_reactor_port(s.t.r));
        char buf[64];
        int ok = 1;
        for (int i = 0; i < 200 && ok; i++) {
            send_str(fd, "hello");
            ok = recv_n(fd, buf, 5) == 5 && memcmp(buf, "HELLO", 5) == 0;
        }
        CG_CHECK(ok);
        CG_CHECK_EQ_INT(atomic_load(&s.t.opened), 1);
        send_str(fd, "abc");
        shutdown(fd, SHUT_WR); /* half-close: the answer must still come, then EOF */
        CG_CHECK_EQ_INT(recv_n(fd, buf, 3), 3);
        CG_CHECK(memcmp(buf, "ABC", 3) == 0);
        CG_CHECK_EQ_INT(recv_eof(fd), 0);
        CG_CHECK(wait_int(&s.t.closed, 1));
        CG_CHECK_EQ_INT(atomic_load(&s.t.last_err), 0);
        CG_CHECK_EQ_INT(cg_reactor_conn_count(s.t.r), 0);
        close(fd);
        srv_stop(&s);
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
        CG_CHECK_EQ_INT(count_fds(), fds0);
    }
}

CG_TEST(small_writes_coalesce_nodelay)
{
    FOR_EACH_BACKEND(bc)
    {
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        int fd = client(cg_reactor_port(s.t.r));
        char buf[10000];
        send_str(fd, "#");
        CG_CHECK_EQ_INT(recv_n(fd, buf, sizeof buf), sizeof buf);
        CG_CHECK(memcmp(buf + 9990, "0123456789", 10) == 0);
        struct tcp_info ti;
        socklen_t len = sizeof ti;
        memset(&ti, 0, sizeof ti);
        CG_CHECK_EQ_INT(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
        /* one send of 10000 bytes: a single data segment on loopback (MSS ~64 KiB) */
        CG_CHECK(ti.tcpi_data_segs_in >= 1 && ti.tcpi_data_segs_in <= 2);
        /* io_uring sockets in the ring's file table are not in the fd table: look at the
         * listener, whose TCP_NODELAY accepted sockets inherit */
        int sfd = server_fd_of(fd);
        if (sfd < 0 && bc->backend == CG_IO_URING) sfd = listener_fd_of(cg_reactor_port(s.t.r));
        CG_CHECK(sfd >= 0);
        int nd = 0;
        len = sizeof nd;
        getsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &nd, &len);
        CG_CHECK_EQ_INT(nd, 1);
        CG_CHECK(sync_with(&s));
        close(fd);
        CG_CHECK(wait_int(&s.t.closed, 1));
        srv_stop(&s);
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
    }
}

CG_TEST(large_write_slow_reader)
{
    unsigned char *got = malloc(BIG_BYTES);
    FOR_EACH_BACKEND(bc)
    {
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        int fd = client(cg_reactor_port(s.t.r));
        send_str(fd, "$");
        size_t n = 0;
        for (int i = 0; n < BIG_BYTES; i++) {
            size_t k = recv_n(fd, got + n, CG_MIN((size_t)65536, BIG_BYTES - n));
            if (k == 0) break;
            n += k;
            if (i % 8 == 0) sleep_ms(2); /* slow reader: the server must wait for room */
        }
        CG_CHECK_EQ_INT(n, BIG_BYTES);
        CG_CHECK(check_pattern(got, n));
        CG_CHECK(wait_int(&s.t.drains, 1));
        send_str(fd, "ok"); /* still usable after the big write */
        char buf[2];
        CG_CHECK(recv_n(fd, buf, 2) == 2 && memcmp(buf, "OK", 2) == 0);
        close(fd);
        CG_CHECK(wait_int(&s.t.closed, 1));
        srv_stop(&s);
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
    }
    free(got);
}

CG_TEST(pause_resume_keeps_order)
{
    FOR_EACH_BACKEND(bc)
    {
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        int fd = client(cg_reactor_port(s.t.r));
        uint64_t t0 = now_ms();
        send_str(fd, "!");
        sleep_ms(30);
        send_str(fd, "abc");
        sleep_ms(30);
        send_str(fd, "def");
        char buf[8] = {0};
        CG_CHECK_EQ_INT(recv_n(fd, buf, 7), 7);
        uint64_t dt = now_ms() - t0;
        CG_CHECK_STR(buf, "RABCDEF"); /* nothing before the resume, then in order */
        CG_CHECK(dt >= 250);
        send_str(fd, "xyz"); /* reading goes on normally after the resume */
        memset(buf, 0, sizeof buf);
        CG_CHECK_EQ_INT(recv_n(fd, buf, 3), 3);
        CG_CHECK_STR(buf, "XYZ");
        close(fd);
        CG_CHECK(wait_int(&s.t.closed, 1));
        srv_stop(&s);
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
    }
}

#define STREAM_BYTES (128 * 1024)

/* Pause in the middle of a burst: on io_uring, recv completions already in the ring when
 * on_data pauses go to the stash and must come back, in order, after the resume. */
CG_TEST(pause_mid_stream_keeps_order)
{
    char *out = malloc(STREAM_BYTES + 1), *in = malloc(STREAM_BYTES + 2);
    out[0] = '!';
    for (int i = 1; i <= STREAM_BYTES; i++) out[i] = (char)('a' + i % 16); /* no 'r' */
    FOR_EACH_BACKEND(bc)
    {
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        int fd = client(cg_reactor_port(s.t.r));
        uint64_t t0 = now_ms();
        CG_CHECK_EQ_INT(send(fd, out, STREAM_BYTES + 1, 0), STREAM_BYTES + 1);
        CG_CHECK_EQ_INT(recv_n(fd, in, STREAM_BYTES + 1), STREAM_BYTES + 1);
        CG_CHECK(now_ms() - t0 >= 250); /* the "R" (sent on resume) is in there */
        char *r = memchr(in, 'R', STREAM_BYTES + 1);
        CG_CHECK(r != NULL);
        if (r) memmove(r, r + 1, (size_t)(in + STREAM_BYTES - r));
        int same = 1;
        for (int i = 0; i < STREAM_BYTES && same; i++) same = in[i] == out[i + 1] - 32;
        CG_CHECK(same);
        close(fd);
        CG_CHECK(wait_int(&s.t.closed, 1));
        srv_stop(&s);
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
    }
    free(out);
    free(in);
}

CG_TEST(graceful_close_flushes_abort_does_not)
{
    unsigned char *got = malloc(MIB + 16);
    FOR_EACH_BACKEND(bc)
    {
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        int fd = client(cg_reactor_port(s.t.r));
        send_str(fd, "%");
        size_t n = recv_n(fd, got, MIB + 16); /* stops at EOF */
        CG_CHECK_EQ_INT(n, MIB);
        CG_CHECK(check_pattern(got, n));
        CG_CHECK_EQ_INT(recv_eof(fd), 0);
        CG_CHECK(wait_int(&s.t.closed, 1));
        CG_CHECK_EQ_INT(atomic_load(&s.t.last_err), 0);
        close(fd);
        fd = client(cg_reactor_port(s.t.r));
        send_str(fd, "&");
        n = recv_n(fd, got, MIB + 16);
        CG_CHECK_EQ_INT(n, 0); /* abort drops what was queued */
        CG_CHECK(wait_int(&s.t.closed, 2));
        CG_CHECK_EQ_INT(atomic_load(&s.t.opened), 2);
        close(fd);
        srv_stop(&s);
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
    }
    free(got);
}

CG_TEST(refused_connection_gets_on_open_bytes)
{
    FOR_EACH_BACKEND(bc)
    {
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        atomic_store(&s.t.refuse, 1);
        int fd = client(cg_reactor_port(s.t.r));
        char buf[4] = {0};
        CG_CHECK_EQ_INT(recv_n(fd, buf, 3), 3);
        CG_CHECK_STR(buf, "NO\n");
        CG_CHECK_EQ_INT(recv_eof(fd), 0);
        close(fd);
        sleep_ms(20);
        srv_stop(&s);
        CG_CHECK_EQ_INT(atomic_load(&s.t.opened), 0);
        CG_CHECK_EQ_INT(atomic_load(&s.t.closed), 0); /* never opened: no on_close */
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
    }
}

CG_TEST(deadlines_fire_rearm_disarm)
{
    FOR_EACH_BACKEND(bc)
    {
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        int fd = client(cg_reactor_port(s.t.r));
        char ch = 0;
        uint64_t t0 = now_ms();
        send_str(fd, "D");
        CG_CHECK(recv_n(fd, &ch, 1) == 1 && ch == 'T');
        uint64_t dt = now_ms() - t0;
        CG_CHECK(dt >= 190 && dt < 1000);
        send_str(fd, "LD"); /* re-arm: 200 ms replaces 1000 ms */
        t0 = now_ms();
        CG_CHECK(recv_n(fd, &ch, 1) == 1 && ch == 'T');
        CG_CHECK(now_ms() - t0 < 900);
        set_rcvtimeo_ms(fd, 1200);
        CG_CHECK_EQ_INT(recv_eof(fd), -EAGAIN); /* the 1000 ms one is gone */
        send_str(fd, "DZ");                     /* disarm */
        set_rcvtimeo_ms(fd, 500);
        CG_CHECK_EQ_INT(recv_eof(fd), -EAGAIN);
        CG_CHECK(atomic_load(&s.t.ticks) >= 20); /* ~every 50 ms for > 2 s */
        close(fd);
        CG_CHECK(wait_int(&s.t.closed, 1));
        srv_stop(&s);
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
    }
}

/* ---- posted messages ---- */

#define POSTERS 2
#define POSTS 500

typedef struct pmsg {
    cg_msg m;
    int producer, seq;
    tctx *t;
} pmsg;

static int last_seq[POSTERS];
static atomic_int posted_runs;
static pmsg msgs[POSTERS][POSTS];

static void pmsg_run(cg_reactor *r, cg_msg *m)
{
    pmsg *p = (pmsg *)m;
    on_thread(p->t);
    if (p->seq != last_seq[p->producer] + 1) bad(p->t, "posted messages out of order");
    last_seq[p->producer] = p->seq;
    atomic_fetch_add(&posted_runs, 1);
}

typedef struct poster {
    srv *s;
    int id;
} poster;

static void *poster_main(void *arg)
{
    poster *p = arg;
    for (int i = 0; i < POSTS; i++) {
        pmsg *m = &msgs[p->id][i];
        *m = (pmsg){{pmsg_run, NULL}, p->id, i, &p->s->t};
        cg_reactor_post(p->s->t.r, &m->m);
        if (i % 100 == 0) sleep_ms(1);
    }
    return NULL;
}

CG_TEST(posted_messages_run_on_reactor_thread)
{
    FOR_EACH_BACKEND(bc)
    {
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        atomic_store(&posted_runs, 0);
        for (int i = 0; i < POSTERS; i++) last_seq[i] = -1;
        pthread_t th[POSTERS];
        poster ps[POSTERS];
        for (int i = 0; i < POSTERS; i++) {
            ps[i] = (poster){&s, i};
            pthread_create(&th[i], NULL, poster_main, &ps[i]);
        }
        for (int i = 0; i < POSTERS; i++) pthread_join(th[i], NULL);
        CG_CHECK(wait_int(&posted_runs, POSTERS * POSTS));
        srv_stop(&s);
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
    }
}

CG_TEST(stop_from_other_thread_closes_leftovers)
{
    FOR_EACH_BACKEND(bc)
    {
        int fds0 = count_fds();
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        int fd[3];
        for (int i = 0; i < 3; i++) fd[i] = client(cg_reactor_port(s.t.r));
        CG_CHECK(wait_int(&s.t.opened, 3));
        uint64_t t0 = now_ms();
        cg_reactor_stop(s.t.r);
        pthread_join(s.th, NULL);
        CG_CHECK(now_ms() - t0 < 1000);
        CG_CHECK_EQ_INT(s.run_rc, 0);
        CG_CHECK_EQ_INT(atomic_load(&s.t.closed), 3); /* closed by the loop, on its thread */
        CG_CHECK_EQ_INT(atomic_load(&s.t.last_err), -ECANCELED);
        CG_CHECK_EQ_INT(cg_reactor_conn_count(s.t.r), 0);
        cg_reactor_destroy(s.t.r);
        for (int i = 0; i < 3; i++) {
            CG_CHECK(recv_eof(fd[i]) <= 0); /* EOF or reset, never data */
            close(fd[i]);
        }
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
        CG_CHECK_EQ_INT(count_fds(), fds0);
    }
}

CG_TEST(two_reactors_share_a_port)
{
    FOR_EACH_BACKEND(bc)
    {
        int fds0 = count_fds();
        srv a, b;
        CG_CHECK_EQ_INT(srv_start(&a, bc, 0), 0);
        int port = cg_reactor_port(a.t.r);
        CG_CHECK_EQ_INT(srv_start(&b, bc, port), 0);
        CG_CHECK_EQ_INT(cg_reactor_port(b.t.r), port);
        int fd[32];
        for (int i = 0; i < 32; i++) fd[i] = client(port);
        uint64_t until = now_ms() + WAIT_MS;
        while (atomic_load(&a.t.opened) + atomic_load(&b.t.opened) < 32 && now_ms() < until)
            sleep_ms(1);
        CG_CHECK(atomic_load(&a.t.opened) > 0);
        CG_CHECK(atomic_load(&b.t.opened) > 0);
        CG_CHECK_EQ_INT(atomic_load(&a.t.opened) + atomic_load(&b.t.opened), 32);
        for (int i = 0; i < 32; i++) close(fd[i]);
        CG_CHECK(wait_int(&a.t.closed, atomic_load(&a.t.opened)));
        CG_CHECK(wait_int(&b.t.closed, atomic_load(&b.t.opened)));
        srv_stop(&a);
        srv_stop(&b);
        CG_CHECK_EQ_INT(atomic_load(&a.t.bad) + atomic_load(&b.t.bad), 0);
        CG_CHECK_EQ_INT(count_fds(), fds0);
    }
}

CG_TEST(reset_and_churn_close_exactly_once)
{
    FOR_EACH_BACKEND(bc)
    {
        int fds0 = count_fds();
        srv s;
        CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
        int port = cg_reactor_port(s.t.r);
        for (int i = 0; i < 100; i++) {
            int fd = client(port);
            if (i % 4 == 0) sleep_ms(1); /* some are opened before the client goes */
            send_str(fd, i % 3 == 0 ? "$" : "x");
            if (i % 2 == 0) { /* RST instead of FIN, with output possibly in flight */
                struct linger lg = {1, 0};
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            }
            close(fd);
        }
        /* A connection reset before the reactor saw it may never be opened; every one
         * that was opened must be closed exactly once. */
        uint64_t until = now_ms() + WAIT_MS;
        while (cg_reactor_conn_count(s.t.r) > 0 && now_ms() < until) sleep_ms(1);
        CG_CHECK_EQ_INT(cg_reactor_conn_count(s.t.r), 0);
        CG_CHECK(atomic_load(&s.t.opened) >= 25);
        CG_CHECK_EQ_INT(atomic_load(&s.t.closed), atomic_load(&s.t.opened));
        srv_stop(&s);
        CG_CHECK_EQ_INT(atomic_load(&s.t.closed), atomic_load(&s.t.opened));
        CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
        CG_CHECK_EQ_INT(count_fds(), fds0);
    }
}

/* One echo round trip on `fd`. */
static int echo_ok(int fd)
{
    char ch = 0;
    send_str(fd, "q");
    return recv_n(fd, &ch, 1) == 1 && ch == 'Q';
}

/* io_uring: with the soft RLIMIT_NOFILE at FT_SIZE while the ring is set up, its file table
 * has FT_SIZE entries. Connections live there (invisible in /proc/self/fd); FT_CONC open at
 * once overflow it onto plain descriptors; FT_CHURN sequential connections prove entries
 * are given back (a leak would end with plain descriptors or refused accepts). */
#define FT_SIZE 48
#define FT_CONC 64
#define FT_CHURN 150
CG_TEST(uring_file_table_hold_overflow_and_reuse)
{
    const bcase *bc = &cases[0];
    if (!case_begin(bc)) return;
    int fds0 = count_fds();
    struct rlimit rl0, rl;
    CG_CHECK_EQ_INT(getrlimit(RLIMIT_NOFILE, &rl0), 0);
    rl = rl0;
    rl.rlim_cur = FT_SIZE;
    CG_CHECK_EQ_INT(setrlimit(RLIMIT_NOFILE, &rl), 0);
    srv s;
    CG_CHECK_EQ_INT(srv_start(&s, bc, 0), 0);
    int port = cg_reactor_port(s.t.r);
    int fd = client(port);
    CG_CHECK(echo_ok(fd)); /* the ring (and its table) exists once this answered */
    CG_CHECK_EQ_INT(setrlimit(RLIMIT_NOFILE, &rl0), 0);
    CG_CHECK_EQ_INT(server_fd_of(fd), -1);
    close(fd);
    CG_CHECK(wait_int(&s.t.closed, 1));
    int cfd[FT_CONC], ok = 1, plain = 0;
    for (int i = 0; i < FT_CONC; i++) cfd[i] = client(port);
    for (int i = 0; i < FT_CONC; i++) ok &= cfd[i] >= 0 && echo_ok(cfd[i]);
    for (int i = 0; i < FT_CONC; i++) plain += server_fd_of(cfd[i]) >= 0;
    CG_CHECK(ok);
    CG_CHECK(plain >= FT_CONC - FT_SIZE && plain < FT_CONC);
    for (int i = 0; i < FT_CONC; i++) close(cfd[i]);
    CG_CHECK(wait_int(&s.t.closed, 1 + FT_CONC));
    for (int i = 0; i < FT_CHURN && ok; i++) {
        fd = client(port);
        ok = echo_ok(fd);
        close(fd);
        ok = ok && wait_int(&s.t.closed, 2 + FT_CONC + i);
    }
    CG_CHECK(ok);
    fd = client(port);
    CG_CHECK(echo_ok(fd));
    CG_CHECK_EQ_INT(server_fd_of(fd), -1);
    close(fd);
    CG_CHECK(wait_int(&s.t.closed, atomic_load(&s.t.opened)));
    CG_CHECK_EQ_INT(cg_reactor_conn_count(s.t.r), 0);
    srv_stop(&s);
    CG_CHECK_EQ_INT(atomic_load(&s.t.bad), 0);
    CG_CHECK_EQ_INT(count_fds(), fds0);
}

CG_TEST_MAIN()
