/*
 * epoll.c — the epoll backend of the reactor, for hosts where io_uring is refused (Docker's
 * and containerd's default seccomp profiles) or unwanted.
 *
 * DESIGN: connections are registered once, edge-triggered, for EPOLLIN | EPOLLOUT |
 * EPOLLRDHUP, and never modified (no epoll_ctl per pause or per write). An edge sets
 * CF_READABLE / CF_WRITABLE; the flag is cleared when a read or send meets EAGAIN.
 *  * Reads go into one per-reactor scratch buffer (CG_REACTOR_RECV_BUF_SIZE) and are handed
 *    to on_data at once. A short read means the socket is drained (a later arrival raises a
 *    new edge), which spares the read that would only say EAGAIN, unless the peer's FIN was
 *    signalled (CF_RDHUP), in which case we read on to the EOF. At most
 *    CG_REACTOR_READ_BATCH reads per connection per turn; the rest waits on the todo list.
 *    A paused connection is simply not read; its CF_READABLE survives until resume.
 *  * Output is sent with send(2) from the connection's `out` buffer in the todo pass at the
 *    end of the turn, so everything written during the turn leaves in one call. EPOLLOUT
 *    is only ever reported after a send met a full socket buffer (the kernel wakes writers
 *    only then), so in effect it is watched only while data is pending.
 * The listener is level-triggered (accept4 loop, CG_REACTOR_ACCEPT_BATCH per event); on
 * EMFILE and friends it leaves the epoll set until the next tick instead of spinning. The
 * mailbox eventfd is level-triggered and read to zero on wakeup. epoll_wait's timeout is
 * the time left to the next tick.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "codegraph/log.h"
#include "reactor/reactor_int.h"

/** Sends per connection per todo pass (on_drain may keep writing). */
#define EPOLL_SEND_BATCH 16

typedef struct cg_epoll {
    int epfd;
    int listen_added;
    uint64_t accept_retry_ms; /* 0, or when to put the listener back after EMFILE */
    struct epoll_event evs[CG_REACTOR_EPOLL_EVENTS];
    char scratch[CG_REACTOR_RECV_BUF_SIZE];
} cg_epoll;

static int epoll_add(cg_epoll *e, int fd, uint32_t events, uint64_t tag)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = tag;
    return epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int epoll_listen_add(cg_reactor *r, cg_epoll *e)
{
    /* a listener shared by several reactors wakes only one of them per connection */
    uint32_t ev = EPOLLIN | (r->listen_owned ? 0 : EPOLLEXCLUSIVE);
    int rc = epoll_add(e, r->listen_fd, ev, CG_TAG(CG_OP_ACCEPT, 0, 0));
    e->listen_added = rc == 0;
    return rc;
}

static int epoll_init(cg_reactor *r)
{
    int rc;
    cg_epoll *e = calloc(1, sizeof *e);
    if (!e) return CG_ENOMEM;
    e->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (e->epfd < 0) {
        rc = -errno;
        goto fail;
    }
    rc = epoll_add(e, r->wake_fd, EPOLLIN, CG_TAG(CG_OP_WAKE, 0, 0));
    if (rc < 0) goto fail;
    if (r->listen_fd >= 0) {
        rc = epoll_listen_add(r, e);
        if (rc < 0) goto fail;
    }
    r->be = e;
    return 0;
fail:
    if (e->epfd >= 0) close(e->epfd);
    free(e);
    return rc;
}

static void epoll_release(cg_reactor *r)
{
    cg_epoll *e = r->be;
    if (!e) return;
    close(e->epfd);
    free(e);
    r->be = NULL;
}

static int epoll_start(cg_reactor *r)
{
    return 0;
}
static void epoll_end(cg_reactor *r)
{
}
static int epoll_busy(cg_reactor *r)
{
    return 0;
}

static void epoll_stop_accepting(cg_reactor *r)
{
    cg_epoll *e = r->be;
    if (e->listen_added) epoll_ctl(e->epfd, EPOLL_CTL_DEL, r->listen_fd, NULL);
    e->listen_added = 0;
}

/* ------------------------------------------------------------------ accept */

static void epoll_accept_backoff(cg_reactor *r, cg_epoll *e, int err)
{
    cg_log_warn("reactor", "accept failed", "reason", strerror(err));
    if (e->listen_added) epoll_ctl(e->epfd, EPOLL_CTL_DEL, r->listen_fd, NULL);
    e->listen_added = 0;
    e->accept_retry_ms = r->now_ms + CG_REACTOR_TIMER_RES_MS;
}

static void epoll_accept(cg_reactor *r, cg_epoll *e)
{
    for (int i = 0; i < CG_REACTOR_ACCEPT_BATCH && r->listen_fd >= 0; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(r->listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) epoll_accept_backoff(r, e, errno);
            return;
        }
        cg_rconn *c = cg_reactor_conn_accept(r, fd, (struct sockaddr *)&ss, len);
        if (!c) continue;
        c->flags |= CF_WRITABLE;
        int rc = epoll_add(e, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                           CG_TAG(CG_OP_RECV, c->slot, c->gen));
        if (rc < 0) cg_reactor_conn_fail(r, c, rc);
    }
}

/* ------------------------------------------------------------------ read / send */

static void epoll_read(cg_reactor *r, cg_epoll *e, cg_rconn *c)
{
    for (int i = 0; i < CG_REACTOR_READ_BATCH; i++) {
        if (!(c->flags & CF_READABLE) || (c->flags & (CF_FINAL | CF_EOF))) return;
        if ((c->flags & (CF_PAUSED | CF_CLOSING)) == CF_PAUSED) return;
        ssize_t n = recv(c->fd, e->scratch, sizeof e->scratch, 0);
        if (n > 0) {
            if ((size_t)n < sizeof e->scratch && !(c->flags & CF_RDHUP)) c->flags &= ~CF_READABLE;
            cg_reactor_conn_data(r, c, e->scratch, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        c->flags &= ~CF_READABLE;
        if (n == 0)
            cg_reactor_conn_eof(r, c);
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            cg_reactor_conn_fail(r, c, -errno);
        return;
    }
    cg_reactor_todo_add(r, c); /* still readable: the rest next turn */
}

static void epoll_flush(cg_reactor *r, cg_rconn *c)
{
    for (int i = 0; i < EPOLL_SEND_BATCH; i++) {
        if (!(c->flags & CF_WRITABLE) || (c->flags & CF_FINAL)) return;
        size_t left = cg_rconn_out_take(c);
        if (!left) return;
        ssize_t n = send(c->fd, c->out.data + c->out_off, left, MSG_NOSIGNAL);
        if (n >= 0) {
            cg_reactor_conn_sent(r, c, (size_t)n);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            c->flags &= ~CF_WRITABLE;
        else
            cg_reactor_conn_fail(r, c, -errno);
        return;
    }
    cg_reactor_todo_add(r, c);
}

static void epoll_progress(cg_reactor *r, cg_rconn *c)
{
    cg_epoll *e = r->be;
    if (!(c->flags & CF_FINAL) && cg_reactor_conn_prepare(r, c) == 0) {
        epoll_read(r, e, c); /* after a resume, or discarding while closing */
        epoll_flush(r, c);
        if (cg_reactor_conn_want_shutdown(r, c) && shutdown(c->fd, SHUT_WR) < 0)
            cg_reactor_conn_fail(r, c, -errno);
    }
    if (c->flags & CF_FINAL) {
        if (c->fd >= 0) close(c->fd); /* also leaves the epoll set */
        c->fd = -1;
        cg_reactor_conn_finish(r, c);
    }
}

/* ------------------------------------------------------------------ loop turn */

static void epoll_conn_event(cg_reactor *r, cg_epoll *e, const struct epoll_event *ev)
{
    cg_rconn *c = cg_reactor_conn_lookup(r, ev->data.u64);
    if (!c) return;
    uint32_t m = ev->events;
    if (m & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->flags |= CF_READABLE;
    if (m & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->flags |= CF_RDHUP;
    if (m & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
        c->flags |= CF_WRITABLE;
        if (cg_rconn_pending(c) || (c->flags & CF_CLOSING)) cg_reactor_todo_add(r, c);
    }
    epoll_read(r, e, c);
}

static void epoll_wake_read(cg_reactor *r)
{
    uint64_t v;
    while (read(r->wake_fd, &v, sizeof v) < 0 && errno == EINTR) {
    }
}

static int epoll_turn(cg_reactor *r, int nowait)
{
    cg_epoll *e = r->be;
    if (!e->listen_added && e->accept_retry_ms && r->listen_fd >= 0 &&
        r->now_ms >= e->accept_retry_ms) {
        e->accept_retry_ms = 0;
        epoll_listen_add(r, e);
    }
    int n = epoll_wait(e->epfd, e->evs, CG_REACTOR_EPOLL_EVENTS,
                       nowait ? 0 : cg_reactor_tick_wait_ms(r));
    if (n < 0) {
        if (errno != EINTR) return -errno;
        n = 0;
    }
    cg_reactor_clock(r);
    for (int i = 0; i < n; i++) {
        const struct epoll_event *ev = &e->evs[i];
        switch (CG_TAG_OP(ev->data.u64)) {
        case CG_OP_ACCEPT: epoll_accept(r, e); break;
        case CG_OP_WAKE: epoll_wake_read(r); break; /* the loop drains the mailbox */
        default: epoll_conn_event(r, e, ev); break;
        }
    }
    return 0;
}

const cg_reactor_ops cg_reactor_epoll_ops = {
    .name = "epoll",
    .init = epoll_init,
    .start = epoll_start,
    .turn = epoll_turn,
    .progress = epoll_progress,
    .stop_accepting = epoll_stop_accepting,
    .busy = epoll_busy,
    .end = epoll_end,
    .release = epoll_release,
};
