/*
 * uring.c — the io_uring backend of the reactor (liburing 2.3, Linux >= 6.0).
 *
 * One ring per reactor, built by cg_reactor_run on the reactor thread (cg_reactor_create only
 * checks with a throw-away ring that io_uring is allowed; see uring_init for why). Set-up
 * tries, in order, SINGLE_ISSUER|DEFER_TASKRUN, COOP_TASKRUN|SINGLE_ISSUER, COOP_TASKRUN and
 * plain flags, dropping what the kernel answers -EINVAL to. Connections use a multishot
 * recv with a provided-buffer ring (CG_REACTOR_RECV_BUF_COUNT buffers of
 * CG_REACTOR_RECV_BUF_SIZE, group 0) and one IORING_OP_SEND at a time; the listener
 * URING_ACCEPTS single-shot accepts, each with its own peer-address buffer; the mailbox a
 * read on the eventfd; the tick a timeout SQE. Every loop turn is exactly one
 * io_uring_submit_and_wait (plus an io_uring_submit only if the SQ ring fills up), then one
 * io_uring_for_each_cqe pass and one io_uring_cq_advance.
 *
 * DESIGN (user_data, see CG_TAG in reactor_int.h):
 *   bits 0..3   op: ACCEPT, WAKE, TICK, RECV, SEND, SHUTDOWN, CLOSE, FCLOSE (a direct
 *               descriptor no connection owns), or NONE for cancel requests (their own
 *               CQEs are ignored)
 *   bits 4..31  connection slot (ACCEPT: the index of the accept in flight)
 *   bits 32..63 the slot's generation when the SQE was issued
 * A CQE whose (slot, gen) does not name a live connection is stale and ignored (its
 * provided buffer, if any, is recycled). By construction this does not happen: a
 * connection is freed only after `inflight` — the number of its SQEs whose final CQE has
 * not arrived (a multishot recv counts once, until a CQE without IORING_CQE_F_MORE) — is
 * back to zero. The generation check is the safety net for that invariant.
 *
 * DESIGN (closing): FINAL first cancels everything on the fd (IORING_ASYNC_CANCEL_FD |
 * IORING_ASYNC_CANCEL_ALL), waits for `inflight` to reach zero, then closes the fd with
 * IORING_OP_CLOSE and, on its CQE, calls on_close (via the todo pass) and frees the slot.
 *
 * DESIGN (pause): pausing cancels the multishot recv; bytes of recv CQEs that complete
 * before the cancel lands go to the connection's stash and are delivered, in order, on
 * resume before the recv is re-armed.
 *
 * DESIGN (registered files): a sparse file table (size min(RLIMIT_NOFILE,
 * URING_FIXED_FILES_MAX)) is registered at start. Accepts go straight into it
 * (IORING_FILE_INDEX_ALLOC) while `fixed_used` — entries taken plus entries promised to
 * direct accepts in flight — is below its size; after that, and when the kernel refuses
 * the table, sockets are plain descriptors. A connection with CF_FIXED keeps its table
 * index in `fd` and every SQE on it carries IOSQE_FIXED_FILE (cancel: ASYNC_CANCEL_FD_FIXED,
 * close: close_direct), which spares the kernel a file lookup and reference per operation.
 * `fixed_used` drops when a direct accept fails and when a direct close completes.
 * Direct descriptors do not show in the process's fd table (nor in its open-fd count).
 *
 * Syscalls outside the ring on the hot path: none; per accepted connection: none either
 * (the accept SQE itself returns the peer address).
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "codegraph/log.h"
#include "reactor/reactor_int.h"

#define URING_BGID 0 /* provided-buffer group of the recv buffers (one ring per reactor) */
/** Distance between the starts of two recv buffers: one cache line more than their size,
 *  so that buffer starts (where every small request lands) spread over all cache sets
 *  instead of aliasing onto a few (a power-of-two stride uses 1/256 of a 2048-set L2). */
#define URING_BUF_STRIDE (CG_REACTOR_RECV_BUF_SIZE + 64)
/** Single-shot accepts kept in flight on the listener, each with its own peer-address
 *  buffer (a multishot accept has one buffer for all, and cannot report the peer). */
#define URING_ACCEPTS 16
/** Upper bound of the registered file table (also bounded by RLIMIT_NOFILE). */
#define URING_FIXED_FILES_MAX 65536

typedef struct uring_accept {
    struct sockaddr_storage peer;
    socklen_t peer_len;
    int armed;
    int direct; /* into the file table (IORING_FILE_INDEX_ALLOC), not the fd table */
} uring_accept;

typedef struct cg_uring {
    struct io_uring ring;
    unsigned setup_flags;
    int ring_ok; /* io_uring_queue_init succeeded, queue_exit not yet */
    int ring_fd_registered;
    int accept_armed; /* accepts in flight */
    int wake_armed, tick_armed;
    unsigned nfixed;     /* registered file table size (0: not available) */
    unsigned fixed_used; /* table entries taken or promised to an armed direct accept */
    uring_accept acc[URING_ACCEPTS];
    uint64_t accept_retry_ms; /* after EMFILE & co: re-arm accept at this time */
    struct io_uring_buf_ring *br;
    size_t br_bytes;
    char *bufs;   /* COUNT * SIZE bytes of recv buffers */
    int recycled; /* buffers added since the last advance */
    uint64_t wake_val;
    struct __kernel_timespec tick_ts;
} cg_uring;

/* ------------------------------------------------------------------ set-up */

/* Multishot recv needs Linux 6.0; IORING_OP_SEND_ZC arrived in the same release, so its
 * presence in the probe is our (cheap) kernel-version check. */
static int uring_probe(struct io_uring *ring)
{
    struct io_uring_probe *p = io_uring_get_probe_ring(ring);
    if (!p) return -ENOSYS;
    int ok = io_uring_opcode_supported(p, IORING_OP_SEND_ZC) &&
             io_uring_opcode_supported(p, IORING_OP_SHUTDOWN);
    io_uring_free_probe(p);
    return ok ? 0 : -ENOSYS;
}

/* Runs on a short-lived thread of its own: every task that created a ring is signalled
 * (task work) when that ring exits, which would interrupt timed syscalls of the thread
 * calling cg_reactor_create with a spurious EINTR. */
static void *uring_probe_main(void *arg)
{
    int *rc = arg;
    struct io_uring tmp;
    *rc = io_uring_queue_init(4, &tmp, 0);
    if (*rc < 0) return NULL;
    *rc = uring_probe(&tmp);
    io_uring_queue_exit(&tmp);
    return NULL;
}

/* cg_reactor_create: is io_uring usable here at all? A throw-away ring answers (seccomp
 * gives EPERM/ENOSYS). The real ring is built by uring_start on the reactor thread, for the
 * same reason as above and because with SINGLE_ISSUER the creator must be the submitter. */
static int uring_init(cg_reactor *r)
{
    const char *force = getenv("CG_REACTOR_FORCE_URING_FAIL");
    if (force && strcmp(force, "1") == 0) return -EPERM; /* tests: act as if refused */
    int rc = -ENOSYS;
    pthread_t th;
    int err = pthread_create(&th, NULL, uring_probe_main, &rc);
    if (err) return -err;
    pthread_join(th, NULL);
    if (rc < 0) return rc;
    /* The ring reads the eventfd; a blocking eventfd makes it wait (poll) for a value
     * instead of completing with -EAGAIN. cg_reactor_post never blocks on it in practice:
     * a write only blocks when the counter would overflow 2^64-2. */
    int fl = fcntl(r->wake_fd, F_GETFL);
    if (fl < 0 || fcntl(r->wake_fd, F_SETFL, fl & ~O_NONBLOCK) < 0) return -errno;
    cg_uring *u = calloc(1, sizeof *u);
    if (!u) return CG_ENOMEM;
    u->tick_ts.tv_sec = 0;
    u->tick_ts.tv_nsec = (long long)CG_REACTOR_TIMER_RES_MS * 1000000;
    r->be = u;
    return 0;
}

static int uring_ring_setup(cg_uring *u)
{
    static const unsigned tries[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER,
        IORING_SETUP_COOP_TASKRUN,
        0,
    };
    int rc = -EINVAL;
    for (size_t i = 0; i < CG_ARRAY_LEN(tries); i++) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        p.flags = tries[i] | IORING_SETUP_SUBMIT_ALL;
        rc = io_uring_queue_init_params(CG_REACTOR_RING_ENTRIES, &u->ring, &p);
        if (rc == 0) {
            u->setup_flags = p.flags;
            u->ring_ok = 1;
            return 0;
        }
        if (rc != -EINVAL) return rc;
    }
    return rc;
}

/* liburing 2.3 has no io_uring_setup_buf_ring: map the ring ourselves and register it. */
static int uring_bufs_setup(cg_uring *u)
{
    const unsigned n = CG_REACTOR_RECV_BUF_COUNT;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    u->br_bytes = (n * sizeof(struct io_uring_buf) + page - 1) & ~(page - 1);
    void *br = mmap(NULL, u->br_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (br == MAP_FAILED) return -errno;
    u->br = br;
    void *bufs = mmap(NULL, (size_t)n * URING_BUF_STRIDE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (bufs == MAP_FAILED) return -errno;
    u->bufs = bufs;
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (uint64_t)(uintptr_t)u->br;
    reg.ring_entries = n;
    reg.bgid = URING_BGID;
    int rc = io_uring_register_buf_ring(&u->ring, &reg, 0);
    if (rc < 0) return rc;
    io_uring_buf_ring_init(u->br);
    for (unsigned i = 0; i < n; i++)
        io_uring_buf_ring_add(u->br, u->bufs + (size_t)i * URING_BUF_STRIDE,
                              CG_REACTOR_RECV_BUF_SIZE, (unsigned short)i,
                              io_uring_buf_ring_mask(n), (int)i);
    io_uring_buf_ring_advance(u->br, (int)n);
    return 0;
}

/* A sparse registered file table, so that connection sockets live there (accepted straight
 * into it) and their operations skip the per-operation file lookup and reference count.
 * Optional: without it (kernel refusal) sockets are plain descriptors. */
static void uring_files_setup(cg_uring *u)
{
    struct rlimit rl;
    unsigned n = URING_FIXED_FILES_MAX;
    /* the kernel refuses a table larger than RLIMIT_NOFILE */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n) n = (unsigned)rl.rlim_cur;
    int rc = n ? io_uring_register_files_sparse(&u->ring, n) : -EINVAL;
    if (rc < 0) {
        cg_log_debug("reactor", "no registered file table", "reason", strerror(-rc));
        return;
    }
    u->nfixed = n;
}

static void uring_ring_exit(cg_uring *u)
{
    if (u->ring_fd_registered) io_uring_unregister_ring_fd(&u->ring);
    u->ring_fd_registered = 0;
    if (u->ring_ok) io_uring_queue_exit(&u->ring); /* also drops the file table */
    u->ring_ok = 0;
    u->nfixed = u->fixed_used = 0;
}

static int uring_start(cg_reactor *r)
{
    cg_uring *u = r->be;
    int rc = uring_ring_setup(u);
    if (rc == 0) rc = uring_probe(&u->ring);
    if (rc == 0) rc = uring_bufs_setup(u);
    if (rc < 0) {
        uring_ring_exit(u);
        return rc;
    }
    u->ring_fd_registered = io_uring_register_ring_fd(&u->ring) == 1;
    uring_files_setup(u);
    return 0;
}

/* The loop is over and the teardown has waited for every connection and the accept:
 * close the ring here, on its own thread (see uring_init). */
static void uring_end(cg_reactor *r)
{
    uring_ring_exit(r->be);
}

static void uring_release(cg_reactor *r)
{
    cg_uring *u = r->be;
    if (!u) return;
    uring_ring_exit(u); /* only when run never got to its end */
    if (u->bufs) munmap(u->bufs, (size_t)CG_REACTOR_RECV_BUF_COUNT * URING_BUF_STRIDE);
    if (u->br) munmap(u->br, u->br_bytes);
    free(u);
    r->be = NULL;
}

/* ------------------------------------------------------------------ SQEs */

static struct io_uring_sqe *uring_sqe(cg_uring *u, uint64_t tag)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    if (CG_UNLIKELY(!sqe)) { /* SQ ring full: submit what we have and carry on */
        io_uring_submit(&u->ring);
        sqe = io_uring_get_sqe(&u->ring);
    }
    CG_ASSERT(sqe != NULL);
    io_uring_sqe_set_data64(sqe, tag);
    return sqe;
}

static uint64_t conn_tag(const cg_rconn *c, unsigned op)
{
    return CG_TAG(op, c->slot, c->gen);
}

/* Accept slot `i`: into the file table while it has room (counting the entries promised to
 * direct accepts in flight), else as a plain descriptor. */
static void uring_accept_arm(cg_reactor *r, cg_uring *u, unsigned i)
{
    uring_accept *a = &u->acc[i];
    struct io_uring_sqe *sqe = uring_sqe(u, CG_TAG(CG_OP_ACCEPT, i, 0));
    struct sockaddr *peer = (struct sockaddr *)&a->peer;
    a->peer_len = sizeof a->peer;
    a->direct = u->fixed_used < u->nfixed;
    if (a->direct) {
        /* liburing 2.3 adds 1 to the index: this encodes IORING_FILE_INDEX_ALLOC */
        io_uring_prep_accept_direct(sqe, r->listen_fd, peer, &a->peer_len, 0,
                                    IORING_FILE_INDEX_ALLOC - 1);
        u->fixed_used++;
    } else {
        io_uring_prep_accept(sqe, r->listen_fd, peer, &a->peer_len, SOCK_CLOEXEC);
    }
    a->armed = 1;
    u->accept_armed++;
}

static void uring_arm_reactor(cg_reactor *r, cg_uring *u)
{
    if (!u->tick_armed) {
        io_uring_prep_timeout(uring_sqe(u, CG_TAG(CG_OP_TICK, 0, 0)), &u->tick_ts, 0, 0);
        u->tick_armed = 1;
    }
    if (!u->wake_armed) {
        io_uring_prep_read(uring_sqe(u, CG_TAG(CG_OP_WAKE, 0, 0)), r->wake_fd, &u->wake_val,
                           sizeof u->wake_val, 0);
        u->wake_armed = 1;
    }
    if (u->accept_armed < URING_ACCEPTS && r->listen_fd >= 0 && r->now_ms >= u->accept_retry_ms) {
        for (unsigned i = 0; i < URING_ACCEPTS; i++)
            if (!u->acc[i].armed) uring_accept_arm(r, u, i);
    }
}

static void uring_buf_recycle(cg_uring *u, unsigned bid)
{
    io_uring_buf_ring_add(u->br, u->bufs + (size_t)bid * URING_BUF_STRIDE, CG_REACTOR_RECV_BUF_SIZE,
                          (unsigned short)bid, io_uring_buf_ring_mask(CG_REACTOR_RECV_BUF_COUNT),
                          u->recycled++);
}

/* ------------------------------------------------------------------ completions */

/* A direct descriptor nobody owns (its connection could not be allocated). */
static void uring_fixed_close(cg_uring *u, int idx)
{
    io_uring_prep_close_direct(uring_sqe(u, CG_TAG(CG_OP_FCLOSE, 0, 0)), (unsigned)idx);
}

static void uring_on_accept(cg_reactor *r, cg_uring *u, const struct io_uring_cqe *cqe)
{
    uring_accept *a = &u->acc[CG_TAG_SLOT(cqe->user_data) % URING_ACCEPTS];
    const struct sockaddr *peer = (const struct sockaddr *)&a->peer;
    a->armed = 0; /* re-armed next turn */
    u->accept_armed--;
    if (cqe->res >= 0) {
        if (!a->direct)
            cg_reactor_conn_accept(r, cqe->res, peer, a->peer_len);
        else if (!cg_reactor_conn_accept_fixed(r, cqe->res, peer, a->peer_len))
            uring_fixed_close(u, cqe->res);
        return;
    }
    if (a->direct) u->fixed_used--; /* the promised table entry was not taken */
    if (cqe->res == -ECANCELED || cqe->res == -ECONNABORTED || cqe->res == -EINTR) return;
    /* EMFILE, ENFILE, ENOMEM, …: retrying at once would spin; wait for the next tick (and
     * say so once per pause, not once per accept in flight) */
    int first = r->now_ms >= u->accept_retry_ms;
    u->accept_retry_ms = r->now_ms + CG_REACTOR_TIMER_RES_MS;
    if (first) cg_log_warn("reactor", "accept failed", "reason", strerror(-cqe->res));
}

static void uring_on_recv(cg_reactor *r, cg_uring *u, cg_rconn *c, const struct io_uring_cqe *cqe)
{
    if (!(cqe->flags & IORING_CQE_F_MORE)) { /* the multishot ended: progress re-arms */
        c->flags &= ~(CF_RECV | CF_RECV_CANCEL);
        c->inflight--;
        cg_reactor_todo_add(r, c);
    }
    if (cqe->res > 0) {
        CG_ASSERT(cqe->flags & IORING_CQE_F_BUFFER);
        unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
        cg_reactor_conn_data(r, c, u->bufs + (size_t)bid * URING_BUF_STRIDE, (size_t)cqe->res);
        uring_buf_recycle(u, bid);
    } else if (cqe->res == 0) {
        cg_reactor_conn_eof(r, c);
    } else if (cqe->res != -ENOBUFS && cqe->res != -ECANCELED) {
        cg_reactor_conn_fail(r, c, cqe->res);
    }
}

static void uring_on_send(cg_reactor *r, cg_rconn *c, const struct io_uring_cqe *cqe)
{
    c->flags &= ~CF_SEND;
    c->inflight--;
    if (cqe->res < 0) {
        cg_reactor_conn_fail(r, c, cqe->res);
        return;
    }
    /* FINAL waits for `inflight` to drain. Otherwise cg_reactor_conn_sent lists the
     * connection when the todo pass has work (output left, CLOSING): the common
     * "everything went out" completion costs no progress call. */
    if (c->flags & CF_FINAL)
        cg_reactor_todo_add(r, c);
    else
        cg_reactor_conn_sent(r, c, (size_t)cqe->res);
}

static void uring_dispatch(cg_reactor *r, cg_uring *u, const struct io_uring_cqe *cqe)
{
    uint64_t tag = cqe->user_data;
    unsigned op = CG_TAG_OP(tag);
    switch (op) {
    case CG_OP_NONE: return;
    case CG_OP_ACCEPT: uring_on_accept(r, u, cqe); return;
    case CG_OP_WAKE: u->wake_armed = 0; return; /* the loop drains the mailbox every turn */
    case CG_OP_TICK: u->tick_armed = 0; return;
    case CG_OP_FCLOSE: u->fixed_used--; return;
    default: break;
    }
    cg_rconn *c = cg_reactor_conn_lookup(r, tag);
    if (CG_UNLIKELY(!c)) {
        if (cqe->flags & IORING_CQE_F_BUFFER)
            uring_buf_recycle(u, cqe->flags >> IORING_CQE_BUFFER_SHIFT);
        return;
    }
    switch (op) {
    case CG_OP_RECV: uring_on_recv(r, u, c, cqe); break;
    case CG_OP_SEND: uring_on_send(r, c, cqe); break;
    case CG_OP_SHUTDOWN:
        c->inflight--;
        if (cqe->res < 0) cg_reactor_conn_fail(r, c, cqe->res);
        cg_reactor_todo_add(r, c);
        break;
    case CG_OP_CLOSE:
        c->inflight--;
        if (c->flags & CF_FIXED) u->fixed_used--;
        cg_reactor_todo_add(r, c);
        break;
    default: break;
    }
}

static int uring_turn(cg_reactor *r, int nowait)
{
    cg_uring *u = r->be;
    uring_arm_reactor(r, u);
    int rc = io_uring_submit_and_wait(&u->ring, nowait ? 0 : 1);
    if (rc < 0 && rc != -EINTR && rc != -ETIME && rc != -EBUSY && rc != -EAGAIN) return rc;
    cg_reactor_clock(r);
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;
    io_uring_for_each_cqe(&u->ring, head, cqe)
    {
        uring_dispatch(r, u, cqe);
        n++;
    }
    io_uring_cq_advance(&u->ring, n);
    if (u->recycled) {
        io_uring_buf_ring_advance(u->br, u->recycled);
        u->recycled = 0;
    }
    return 0;
}

/* ------------------------------------------------------------------ connection progress */

/* The SQE names the connection's socket by its file-table index when it has one. */
static void conn_sqe_file(struct io_uring_sqe *sqe, const cg_rconn *c)
{
    if (c->flags & CF_FIXED) sqe->flags |= IOSQE_FIXED_FILE;
}

static void uring_recv_ctl(cg_uring *u, cg_rconn *c)
{
    /* closing connections read (and discard) until EOF, paused or not */
    int want = !(c->flags & CF_EOF) && ((c->flags & CF_CLOSING) || !(c->flags & CF_PAUSED));
    if (want && !(c->flags & CF_RECV)) {
        struct io_uring_sqe *sqe = uring_sqe(u, conn_tag(c, CG_OP_RECV));
        io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
        conn_sqe_file(sqe, c);
        sqe->flags |= IOSQE_BUFFER_SELECT;
        sqe->buf_group = URING_BGID;
        c->flags |= CF_RECV;
        c->inflight++;
    } else if (!want && (c->flags & CF_RECV) && !(c->flags & CF_RECV_CANCEL)) {
        io_uring_prep_cancel64(uring_sqe(u, CG_TAG(CG_OP_NONE, 0, 0)), conn_tag(c, CG_OP_RECV), 0);
        c->flags |= CF_RECV_CANCEL;
    }
}

static void uring_send_start(cg_uring *u, cg_rconn *c)
{
    if (c->flags & CF_SEND) return;
    size_t left = cg_rconn_out_take(c);
    if (!left) return;
    struct io_uring_sqe *sqe = uring_sqe(u, conn_tag(c, CG_OP_SEND));
    io_uring_prep_send(sqe, c->fd, c->out.data + c->out_off, left, MSG_NOSIGNAL);
    conn_sqe_file(sqe, c);
    c->flags |= CF_SEND;
    c->inflight++;
}

static void uring_finalize(cg_reactor *r, cg_uring *u, cg_rconn *c)
{
    if (c->inflight > 0) {
        if (c->fd >= 0 && !(c->flags & CF_CANCEL_ALL)) {
            unsigned fl = IORING_ASYNC_CANCEL_ALL;
            if (c->flags & CF_FIXED) fl |= IORING_ASYNC_CANCEL_FD_FIXED;
            io_uring_prep_cancel_fd(uring_sqe(u, CG_TAG(CG_OP_NONE, 0, 0)), c->fd, fl);
            c->flags |= CF_CANCEL_ALL;
        }
        return; /* the remaining CQEs put us back on the todo list */
    }
    if (c->fd >= 0) {
        struct io_uring_sqe *sqe = uring_sqe(u, conn_tag(c, CG_OP_CLOSE));
        if (c->flags & CF_FIXED)
            io_uring_prep_close_direct(sqe, (unsigned)c->fd);
        else
            io_uring_prep_close(sqe, c->fd);
        c->fd = -1;
        c->inflight++;
        return;
    }
    cg_reactor_conn_finish(r, c);
}

static void uring_progress(cg_reactor *r, cg_rconn *c)
{
    cg_uring *u = r->be;
    if (!(c->flags & CF_FINAL) && cg_reactor_conn_prepare(r, c) == 0) {
        uring_recv_ctl(u, c);
        uring_send_start(u, c);
        if (cg_reactor_conn_want_shutdown(r, c)) {
            struct io_uring_sqe *sqe = uring_sqe(u, conn_tag(c, CG_OP_SHUTDOWN));
            io_uring_prep_shutdown(sqe, c->fd, SHUT_WR);
            conn_sqe_file(sqe, c);
            c->inflight++;
        }
    }
    if (c->flags & CF_FINAL) uring_finalize(r, u, c);
}

static void uring_stop_accepting(cg_reactor *r)
{
    cg_uring *u = r->be;
    /* The in-flight accepts hold their own reference to the socket: closing our fd alone
     * would keep them accepting. Cancel them; their CQEs are not re-armed (listen_fd -1). */
    if (!u->ring_ok) return;
    for (unsigned i = 0; i < URING_ACCEPTS; i++)
        if (u->acc[i].armed)
            io_uring_prep_cancel64(uring_sqe(u, CG_TAG(CG_OP_NONE, 0, 0)),
                                   CG_TAG(CG_OP_ACCEPT, i, 0), 0);
}

static int uring_busy(cg_reactor *r)
{
    cg_uring *u = r->be;
    return u->accept_armed > 0;
}

const cg_reactor_ops cg_reactor_uring_ops = {
    .name = "io_uring",
    .init = uring_init,
    .start = uring_start,
    .turn = uring_turn,
    .progress = uring_progress,
    .stop_accepting = uring_stop_accepting,
    .busy = uring_busy,
    .end = uring_end,
    .release = uring_release,
};
