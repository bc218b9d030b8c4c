/*
 * reactor.c — the backend-independent half of the reactor: creation and backend choice,
 * the SO_REUSEPORT listener, the connection table, the cg_rconn API (output buffers,
 * pause/resume, close, deadlines), the timing wheel, the MPSC mailbox and the loop.
 *
 * The connection state machine is described in reactor_int.h; the backends (uring.c,
 * epoll.c) implement its I/O. Everything here runs on the reactor thread except
 * cg_reactor_post and cg_reactor_stop, which only touch the atomic mailbox / stop flag and
 * write the eventfd.
 *
 * Port 0: the first reactor binds an ephemeral port; callers create reactor 0 first and
 * pass cg_reactor_port(reactor0) as the port of the others, so all of them join the same
 * SO_REUSEPORT group.
 *
 * Contract details the header leaves open:
 *  * cg_reactor_run is called once per reactor. With io_uring it builds the ring on the
 *    calling thread (which becomes the ring's single issuer).
 *  * A connection refused by on_open (NULL) gets what on_open wrote, a graceful close, and
 *    no on_close. After cg_rconn_close only on_close is delivered; cg_rconn_write then
 *    returns -EPIPE. A graceful close gives up after CG_REACTOR_CLOSE_IDLE_MS without
 *    progress (on_close err -ETIMEDOUT) and lingers at most CG_REACTOR_LINGER_MS for the
 *    peer's FIN after our own.
 *  * Peer EOF: queued output is still flushed, then the connection closes (err 0).
 *  * On cg_reactor_stop the loop stops accepting, aborts the remaining connections (on_close
 *    with -ECANCELED, on the reactor thread) and waits for their operations to finish
 *    before cg_reactor_run returns. cg_reactor_destroy closes whatever is still left (then
 *    on_close runs on the destroying thread) and runs the messages still queued, so jobs
 *    completing into a stopped reactor are not lost: destroy the pool before the reactors.
 *  * cg_reactor_conn_count and the read-only getters may be called from any thread.
 *
 * Backend choice: CG_IO_URING or CG_IO_AUTO try io_uring first. AUTO falls back to epoll
 * when the ring cannot be set up (Docker's default seccomp profile answers EPERM/ENOSYS),
 * logging a warning. For tests, CG_REACTOR_FORCE_URING_FAIL=1 in the environment makes the
 * io_uring set-up fail with EPERM as if the kernel refused it.
 *
 * DESIGN (timers): one hashed timing wheel per reactor, CG_REACTOR_WHEEL_SLOTS slots of
 * CG_REACTOR_TIMER_RES_MS. Arming is O(1) list surgery, no syscall. Once per tick the loop
 * visits the slots passed since the last tick; a connection whose deadline is later than
 * one revolution stays in its slot and is looked at again a revolution later. While a slot
 * fires, its list is moved to `firing`, so callbacks may (re-/dis-)arm any connection.
 * Invariant: a linked connection's slot tick (`ttick`) is never later than its deadline.
 * Re-arming to a later deadline only stores it (the connection stays where it is and is
 * re-linked when its slot comes round); an earlier deadline or a disarm moves it at once.
 *
 * DESIGN (mailbox): a lock-free LIFO stack (compare-and-swap push). The push that turns the
 * stack from empty to non-empty writes the eventfd; the loop swaps the stack out once per
 * turn and runs it reversed, i.e. in FIFO order per producer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "codegraph/log.h"
#include "reactor/reactor_int.h"

#define TSLOT_FIRING (-2) /* tslot of a connection on the `firing` list */

/* ------------------------------------------------------------------ small accessors */

const char *cg_reactor_backend_name(cg_io_backend b)
{
    switch (b) {
    case CG_IO_URING: return "io_uring";
    case CG_IO_EPOLL: return "epoll";
    default: return "auto";
    }
}

cg_io_backend cg_reactor_backend(const cg_reactor *r)
{
    return r->backend;
}
int cg_reactor_port(const cg_reactor *r)
{
    return r->port;
}
int cg_reactor_index(const cg_reactor *r)
{
    return r->index;
}
void *cg_reactor_user(const cg_reactor *r)
{
    return r->user;
}
int cg_reactor_conn_count(const cg_reactor *r)
{
    return atomic_load_explicit(&r->live, memory_order_relaxed);
}
uint64_t cg_reactor_now_ms(const cg_reactor *r)
{
    return r->now_ms;
}
cg_reactor *cg_rconn_reactor(const cg_rconn *c)
{
    return c->r;
}

const struct sockaddr *cg_rconn_peer(const cg_rconn *c, socklen_t *len)
{
    if (len) *len = c->peer_len;
    return (const struct sockaddr *)&c->peer;
}

size_t cg_rconn_pending(const cg_rconn *c)
{
    return cg_rconn_out_left(c) + c->queue.len;
}

void cg_reactor_clock(cg_reactor *r)
{
    r->now_ms = cg_time_mono_ns() / 1000000u;
}

int cg_reactor_tick_wait_ms(const cg_reactor *r)
{
    return r->next_tick_ms > r->now_ms ? (int)(r->next_tick_ms - r->now_ms) : 0;
}

/* ------------------------------------------------------------------ listener */

static int listener_addr(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    if (!host || !*host || strcmp(host, "localhost") == 0) host = "127.0.0.1";
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof *a4;
        return 0;
    }
    const char *h = host;
    char tmp[INET6_ADDRSTRLEN + 2];
    size_t hl = strlen(host);
    if (host[0] == '[' && hl >= 2 && hl < sizeof tmp && host[hl - 1] == ']') {
        memcpy(tmp, host + 1, hl - 2); /* accept "[::1]" as well as "::1" */
        tmp[hl - 2] = 0;
        h = tmp;
    }
    if (inet_pton(AF_INET6, h, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof *a6;
        return 0;
    }
    cg_log_error("reactor", "bind address is not an IPv4/IPv6 literal", "host", host);
    return CG_ECONFIG;
}

static int listener_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -errno;
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Accepted sockets inherit TCP_NODELAY from the listener on Linux, which spares a
 * setsockopt per accepted connection. */
static int listener_tune(int fd)
{
    int one = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) return -errno;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -errno;
    return 0;
}

static int listener_open(cg_reactor *r, const cg_reactor_options *opt)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1, rc, fd = -1;
    if (opt->port < 0 || opt->port > 65535) return CG_ECONFIG;
    rc = listener_addr(opt->host, opt->port, &ss, &len);
    if (rc < 0) return rc;
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, CG_REACTOR_LISTEN_BACKLOG) < 0) {
        rc = -errno;
        goto fail;
    }
    rc = listener_tune(fd);
    if (rc < 0) goto fail;
    r->listen_fd = fd;
    r->listen_owned = 1;
    return 0;
fail:
    close(fd);
    return rc;
}

static int listener_setup(cg_reactor *r, const cg_reactor_options *opt)
{
    int rc;
    if (opt->listen_fd >= 0) {
        r->listen_fd = opt->listen_fd; /* the caller owns it; we never close it */
        r->listen_owned = 0;
        rc = listener_tune(r->listen_fd);
    } else {
        rc = listener_open(r, opt);
    }
    if (rc < 0) return rc;
    rc = listener_port(r->listen_fd);
    if (rc < 0) return rc;
    r->port = rc;
    return 0;
}

/* ------------------------------------------------------------------ create / destroy */

static int backend_select(cg_reactor *r, cg_io_backend want)
{
    if (want != CG_IO_EPOLL) {
        r->ops = &cg_reactor_uring_ops;
        r->backend = CG_IO_URING;
        int rc = r->ops->init(r);
        if (rc == 0 || want == CG_IO_URING) return rc;
        const char *why = rc < 0 && rc > -4096 ? strerror(-rc) : cg_err_str(rc);
        cg_log_warn("reactor", "io_uring unavailable, using epoll", "reason", why);
    }
    r->ops = &cg_reactor_epoll_ops;
    r->backend = CG_IO_EPOLL;
    return r->ops->init(r);
}

int cg_reactor_create(cg_reactor **out, const cg_reactor_options *opt, const cg_reactor_handler *h)
{
    int rc = CG_ENOMEM;
    CG_ASSERT(out && opt && h && h->on_open && h->on_data && h->on_close);
    *out = NULL;
    cg_reactor *r = calloc(1, sizeof *r);
    if (!r) return CG_ENOMEM;
    r->h = *h;
    r->index = opt->index;
    r->user = opt->user;
    r->listen_fd = r->wake_fd = -1;
    atomic_init(&r->mbox, NULL);
    atomic_init(&r->stop, 0);
    atomic_init(&r->live, 0);
    r->slots = calloc(CG_REACTOR_CONN_SLOTS_INIT, sizeof *r->slots);
    if (!r->slots) goto fail;
    r->nslots = CG_REACTOR_CONN_SLOTS_INIT;
    cg_reactor_clock(r);
    r->wheel_tick = r->now_ms / CG_REACTOR_TIMER_RES_MS;
    r->next_tick_ms = r->now_ms + CG_REACTOR_TIMER_RES_MS;
    r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (r->wake_fd < 0) {
        rc = -errno;
        goto fail;
    }
    rc = listener_setup(r, opt);
    if (rc < 0) goto fail;
    rc = backend_select(r, opt->backend);
    if (rc < 0) {
        r->ops = NULL;
        goto fail;
    }
    cg_log_debug("reactor", "reactor created", "backend", r->ops->name);
    *out = r;
    return 0;
fail:
    cg_reactor_destroy(r);
    return rc;
}

static void conn_release_memory(cg_rconn *c)
{
    cg_buf_release(&c->out);
    cg_buf_release(&c->queue);
    cg_buf_release(&c->stash);
    free(c);
}

static void reactor_close_all_now(cg_reactor *r)
{
    r->todo_head = r->todo_tail = NULL; /* nothing will process it any more */
    for (uint32_t i = 0; i < r->slots_used; i++) {
        cg_rconn *c = r->slots[i];
        if (!c || !(c->flags & CF_LIVE)) continue;
        c->flags &= ~CF_TODO;
        /* a direct descriptor went away with the ring's file table */
        if (c->fd >= 0 && !(c->flags & CF_FIXED)) close(c->fd);
        c->fd = -1;
        c->inflight = 0; /* the backend is gone: nothing can complete any more */
        if (!(c->flags & CF_FINAL) && !c->err) c->err = -ECANCELED;
        c->flags |= CF_FINAL;
        cg_reactor_conn_finish(r, c);
    }
}

void cg_reactor_destroy(cg_reactor *r)
{
    if (!r) return;
    CG_ASSERT(!r->running);
    if (r->ops) r->ops->release(r); /* after this no operation is in flight */
    r->ops = NULL;
    reactor_close_all_now(r);
    /* Messages still queued run here, on the destroying thread, so their owners can free
     * them (a pool job's done callback, for instance). */
    while (atomic_load(&r->mbox)) cg_reactor_mbox_drain(r);
    if (r->listen_fd >= 0 && r->listen_owned) close(r->listen_fd);
    if (r->wake_fd >= 0) close(r->wake_fd);
    for (uint32_t i = 0; i < r->slots_used; i++)
        if (r->slots[i]) conn_release_memory(r->slots[i]);
    free(r->slots);
    free(r);
}

/* ------------------------------------------------------------------ connection table */

static int slots_grow(cg_reactor *r)
{
    if (r->nslots >= CG_REACTOR_CONN_SLOTS_MAX) return CG_ELIMIT;
    uint32_t n = r->nslots * 2;
    if (n > CG_REACTOR_CONN_SLOTS_MAX) n = CG_REACTOR_CONN_SLOTS_MAX;
    cg_rconn **s = realloc(r->slots, n * sizeof *s);
    if (!s) return CG_ENOMEM;
    memset(s + r->nslots, 0, (n - r->nslots) * sizeof *s);
    r->slots = s;
    r->nslots = n;
    return 0;
}

static cg_rconn *conn_alloc(cg_reactor *r)
{
    cg_rconn *c = r->free_list;
    if (c) {
        r->free_list = c->todo_next;
    } else {
        if (r->slots_used == r->nslots && slots_grow(r) < 0) return NULL;
        c = calloc(1, sizeof *c);
        if (!c) return NULL;
        c->r = r;
        c->slot = r->slots_used;
        c->tslot = -1;
        cg_buf_init(&c->out);
        cg_buf_init(&c->queue);
        cg_buf_init(&c->stash);
        r->slots[r->slots_used++] = c;
    }
    c->todo_next = NULL;
    c->flags = CF_LIVE;
    c->err = c->inflight = 0;
    c->ud = NULL;
    c->out_off = 0;
    c->deadline_ms = 0;
    atomic_fetch_add_explicit(&r->live, 1, memory_order_relaxed);
    return c;
}

/* Keep small buffers for the next occupant (no allocation per connection in steady state);
 * give big ones back. */
static void buf_trim(cg_buf *b)
{
    if (b->cap > CG_REACTOR_KEEP_BUF_MAX)
        cg_buf_release(b);
    else
        cg_buf_reset(b);
}

static void conn_free(cg_reactor *r, cg_rconn *c)
{
    CG_ASSERT(!(c->flags & CF_TODO)); /* todo_next is about to become the free-list link */
    cg_reactor_timer_set(r, c, 0);
    buf_trim(&c->out);
    buf_trim(&c->queue);
    buf_trim(&c->stash);
    c->out_off = 0;
    c->flags = CF_DEAD; /* a stray todo_add on a free slot is ignored */
    c->fd = -1;
    c->ud = NULL;
    c->gen++;
    c->todo_next = r->free_list;
    r->free_list = c;
    atomic_fetch_sub_explicit(&r->live, 1, memory_order_relaxed);
}

/* ------------------------------------------------------------------ core services */

void cg_reactor_todo_add(cg_reactor *r, cg_rconn *c)
{
    if (c->flags & (CF_TODO | CF_DEAD)) return;
    c->flags |= CF_TODO;
    c->todo_next = NULL;
    if (r->todo_tail)
        r->todo_tail->todo_next = c;
    else
        r->todo_head = c;
    r->todo_tail = c;
}

static void reactor_todo_run(cg_reactor *r)
{
    cg_rconn *c = r->todo_head;
    r->todo_head = r->todo_tail = NULL;
    while (c) {
        cg_rconn *next = c->todo_next; /* read first: progress may free c */
        c->todo_next = NULL;
        c->flags &= ~CF_TODO;
        r->ops->progress(r, c);
        c = next;
    }
}

/* The stash is left alone here: this may run inside on_data delivering the stash itself.
 * cg_reactor_conn_prepare drops it afterwards. */
static void conn_enter_closing(cg_reactor *r, cg_rconn *c)
{
    c->flags |= CF_CLOSING;
    cg_reactor_timer_set(r, c, r->now_ms + CG_REACTOR_CLOSE_IDLE_MS);
    cg_reactor_todo_add(r, c);
}

/* on_open and scheduling, once `c` has its socket and peer address. */
static cg_rconn *conn_open(cg_reactor *r, cg_rconn *c)
{
    void *ud = r->h.on_open(r, c, (struct sockaddr *)&c->peer, c->peer_len);
    if (ud) {
        c->ud = ud;
        c->flags |= CF_OPENED;
    } else if (!(c->flags & (CF_CLOSING | CF_FINAL))) {
        conn_enter_closing(r, c); /* refused: flush what on_open wrote, then close */
    }
    cg_reactor_todo_add(r, c);
    return c;
}

cg_rconn *cg_reactor_conn_accept(cg_reactor *r, int fd, const struct sockaddr *peer,
                                 socklen_t peer_len)
{
    cg_rconn *c = conn_alloc(r);
    if (!c) {
        close(fd);
        cg_log_warn("reactor", "connection dropped: no memory for its slot");
        return NULL;
    }
    c->fd = fd;
    if (peer && peer_len <= sizeof c->peer) {
        memcpy(&c->peer, peer, peer_len);
        c->peer_len = peer_len;
    } else {
        c->peer_len = sizeof c->peer;
        if (getpeername(fd, (struct sockaddr *)&c->peer, &c->peer_len) < 0) {
            /* reset before we got to it: nobody to talk to, nothing to report */
            close(fd);
            c->fd = -1;
            conn_free(r, c);
            return NULL;
        }
    }
    return conn_open(r, c);
}

cg_rconn *cg_reactor_conn_accept_fixed(cg_reactor *r, int idx, const struct sockaddr *peer,
                                       socklen_t peer_len)
{
    CG_ASSERT(peer != NULL);
    cg_rconn *c = conn_alloc(r);
    if (!c) {
        cg_log_warn("reactor", "connection dropped: no memory for its slot");
        return NULL;
    }
    c->fd = idx;
    c->flags |= CF_FIXED;
    c->peer_len = CG_MIN(peer_len, (socklen_t)sizeof c->peer);
    memcpy(&c->peer, peer, c->peer_len);
    return conn_open(r, c);
}

void cg_reactor_conn_data(cg_reactor *r, cg_rconn *c, const char *data, size_t len)
{
    if (c->flags & (CF_CLOSING | CF_FINAL)) return; /* closing: read and discard */
    if (!(c->flags & CF_PAUSED) && c->stash.len == 0) {
        r->h.on_data(r, c, c->ud, data, len);
        return;
    }
    if (cg_buf_reserve(&c->stash, len) < 0) {
        c->stash.oom = 0;
        cg_reactor_conn_fail(r, c, -ENOMEM);
        return;
    }
    cg_buf_append(&c->stash, data, len);
    if (!(c->flags & CF_PAUSED)) cg_reactor_todo_add(r, c);
}

void cg_reactor_conn_fail(cg_reactor *r, cg_rconn *c, int err)
{
    /* Errors after FINAL are consequences of our own cancel/close, not news. */
    if (!(c->flags & CF_FINAL) && !c->err) c->err = err;
    c->flags |= CF_FINAL;
    cg_reactor_todo_add(r, c);
}

void cg_reactor_conn_eof(cg_reactor *r, cg_rconn *c)
{
    c->flags |= CF_EOF;
    cg_reactor_todo_add(r, c);
}

void cg_reactor_conn_sent(cg_reactor *r, cg_rconn *c, size_t n)
{
    c->out_off += n;
    CG_ASSERT(c->out_off <= c->out.len);
    if (c->out_off == c->out.len) {
        buf_trim(&c->out);
        c->out_off = 0;
    }
    if (c->flags & CF_CLOSING) {
        cg_reactor_timer_set(r, c, r->now_ms + CG_REACTOR_CLOSE_IDLE_MS); /* progress */
        cg_reactor_todo_add(r, c);
        return;
    }
    if (cg_rconn_pending(c)) {
        cg_reactor_todo_add(r, c);
    } else if (!(c->flags & CF_FINAL) && r->h.on_drain) {
        r->h.on_drain(r, c, c->ud);
    }
}

void cg_reactor_conn_finish(cg_reactor *r, cg_rconn *c)
{
    CG_ASSERT(c->inflight == 0 && c->fd < 0);
    /* Progress put it back on the todo list before it went FINAL: the next pass, which
     * comes within this loop turn's successor, finishes it once it is off the list. */
    if (c->flags & CF_TODO) return;
    cg_reactor_timer_set(r, c, 0);
    c->flags |= CF_DEAD; /* nothing may put it on a list any more */
    if (c->flags & CF_OPENED) {
        c->flags &= ~CF_OPENED;
        r->h.on_close(r, c, c->ud, c->err);
    }
    conn_free(r, c);
}

int cg_reactor_conn_prepare(cg_reactor *r, cg_rconn *c)
{
    const uint32_t quiet = CF_CLOSING | CF_FINAL | CF_PAUSED;
    if (!(c->flags & quiet) && c->stash.len) {
        r->h.on_data(r, c, c->ud, c->stash.data, c->stash.len);
        buf_trim(&c->stash);
    } else if ((c->flags & (CF_CLOSING | CF_FINAL)) && c->stash.len) {
        buf_trim(&c->stash); /* closing: nothing is delivered any more */
    }
    if ((c->flags & CF_EOF) && !(c->flags & (CF_CLOSING | CF_FINAL)) && !c->stash.len)
        conn_enter_closing(r, c);
    return (c->flags & CF_FINAL) != 0;
}

int cg_reactor_conn_want_shutdown(cg_reactor *r, cg_rconn *c)
{
    if (!(c->flags & CF_CLOSING) || (c->flags & CF_FINAL)) return 0;
    if (cg_rconn_pending(c) || (c->flags & CF_SEND)) return 0;
    if (c->flags & CF_EOF) { /* peer is gone too: nothing left to wait for */
        c->flags |= CF_FINAL;
        return 0;
    }
    if (c->flags & CF_SHUT) return 0;
    c->flags |= CF_SHUT;
    cg_reactor_timer_set(r, c, r->now_ms + CG_REACTOR_LINGER_MS);
    return 1;
}

/* ------------------------------------------------------------------ cg_rconn API */

int cg_rconn_write(cg_rconn *c, const void *data, size_t len)
{
    if (c->flags & (CF_CLOSING | CF_FINAL)) return -EPIPE;
    if (len == 0) return 0;
    if (cg_buf_reserve(&c->queue, len) < 0) {
        c->queue.oom = 0; /* the queued bytes are intact; later writes may succeed */
        return CG_ENOMEM;
    }
    cg_buf_append(&c->queue, data, len);
    cg_reactor_todo_add(c->r, c);
    return 0;
}

void cg_rconn_pause_read(cg_rconn *c)
{
    if (c->flags & CF_PAUSED) return;
    c->flags |= CF_PAUSED;
    cg_reactor_todo_add(c->r, c);
}

void cg_rconn_resume_read(cg_rconn *c)
{
    if (!(c->flags & CF_PAUSED)) return;
    c->flags &= ~CF_PAUSED;
    cg_reactor_todo_add(c->r, c);
}

void cg_rconn_close(cg_rconn *c, int abort)
{
    if (c->flags & CF_FINAL) return;
    if (abort) {
        c->flags |= CF_FINAL;
        cg_reactor_todo_add(c->r, c);
    } else if (!(c->flags & CF_CLOSING)) {
        conn_enter_closing(c->r, c);
    }
}

void cg_rconn_deadline(cg_rconn *c, uint64_t ms)
{
    if (c->flags & (CF_CLOSING | CF_FINAL)) return; /* the close bound owns the timer */
    cg_reactor_timer_set(c->r, c, ms ? c->r->now_ms + ms : 0);
}

/* ------------------------------------------------------------------ timing wheel */

static cg_rconn **timer_head(cg_reactor *r, int tslot)
{
    return tslot == TSLOT_FIRING ? &r->firing : &r->wheel[tslot];
}

static void timer_unlink(cg_reactor *r, cg_rconn *c)
{
    if (c->tslot == -1) return;
    if (c->tprev)
        c->tprev->tnext = c->tnext;
    else
        *timer_head(r, c->tslot) = c->tnext;
    if (c->tnext) c->tnext->tprev = c->tprev;
    c->tnext = c->tprev = NULL;
    c->tslot = -1;
}

static void timer_link(cg_reactor *r, cg_rconn *c, int tslot)
{
    cg_rconn **head = timer_head(r, tslot);
    c->tslot = tslot;
    c->tprev = NULL;
    c->tnext = *head;
    if (*head) (*head)->tprev = c;
    *head = c;
}

void cg_reactor_timer_set(cg_reactor *r, cg_rconn *c, uint64_t at_ms)
{
    uint64_t tick = (at_ms + CG_REACTOR_TIMER_RES_MS - 1) / CG_REACTOR_TIMER_RES_MS;
    if (tick <= r->wheel_tick) tick = r->wheel_tick + 1;
    /* Pushed later (the usual keep-alive re-arm): stay in the earlier slot, which re-links
     * the connection when it comes round (see wheel_advance). No list surgery. */
    if (at_ms && c->tslot >= 0 && tick >= c->ttick) {
        c->deadline_ms = at_ms;
        return;
    }
    timer_unlink(r, c);
    c->deadline_ms = at_ms;
    if (!at_ms || (c->flags & CF_DEAD)) return;
    c->ttick = tick;
    timer_link(r, c, (int)(tick & (CG_REACTOR_WHEEL_SLOTS - 1)));
}

static void timer_fire(cg_reactor *r, cg_rconn *c)
{
    c->deadline_ms = 0;
    if (c->flags & CF_FINAL) return;
    if (c->flags & CF_CLOSING) {
        /* the flush made no progress for CLOSE_IDLE_MS, or the linger is over */
        if (!(c->flags & CF_SHUT)) cg_reactor_conn_fail(r, c, -ETIMEDOUT);
        c->flags |= CF_FINAL;
        cg_reactor_todo_add(r, c);
        return;
    }
    if (r->h.on_timeout) r->h.on_timeout(r, c, c->ud);
}

static void wheel_advance(cg_reactor *r)
{
    uint64_t target = r->now_ms / CG_REACTOR_TIMER_RES_MS;
    if (target <= r->wheel_tick) return;
    uint64_t n = CG_MIN(target - r->wheel_tick, (uint64_t)CG_REACTOR_WHEEL_SLOTS);
    for (uint64_t i = 1; i <= n; i++) {
        size_t slot = (size_t)((r->wheel_tick + i) & (CG_REACTOR_WHEEL_SLOTS - 1));
        cg_rconn *list = r->wheel[slot];
        r->wheel[slot] = NULL;
        for (cg_rconn *c = list; c; c = c->tnext) c->tslot = TSLOT_FIRING;
        r->firing = list;
        while (r->firing) {
            cg_rconn *c = r->firing;
            timer_unlink(r, c);
            if (c->deadline_ms <= r->now_ms)
                timer_fire(r, c);
            else
                cg_reactor_timer_set(r, c, c->deadline_ms); /* a later revolution */
        }
    }
    r->wheel_tick = target;
}

/* ------------------------------------------------------------------ mailbox */

static int reactor_wake(cg_reactor *r)
{
    uint64_t one = 1;
    ssize_t n;
    do {
        n = write(r->wake_fd, &one, sizeof one);
    } while (n < 0 && errno == EINTR);
    /* EAGAIN: the counter is already huge, i.e. a wakeup is pending anyway */
    return (n == (ssize_t)sizeof one || errno == EAGAIN) ? 0 : -errno;
}

int cg_reactor_post(cg_reactor *r, cg_msg *m)
{
    cg_msg *old = atomic_load_explicit(&r->mbox, memory_order_relaxed);
    do {
        m->next = old;
    } while (!atomic_compare_exchange_weak_explicit(&r->mbox, &old, m, memory_order_release,
                                                    memory_order_relaxed));
    return old ? 0 : reactor_wake(r);
}

void cg_reactor_mbox_drain(cg_reactor *r)
{
    if (!atomic_load_explicit(&r->mbox, memory_order_relaxed)) return;
    cg_msg *m = atomic_exchange_explicit(&r->mbox, NULL, memory_order_acquire);
    cg_msg *fifo = NULL;
    while (m) { /* the stack is newest-first: reverse it */
        cg_msg *next = m->next;
        m->next = fifo;
        fifo = m;
        m = next;
    }
    while (fifo) {
        cg_msg *next = fifo->next; /* fn may free or re-post the message */
        fifo->next = NULL;
        fifo->fn(r, fifo);
        fifo = next;
    }
}

/* ------------------------------------------------------------------ loop */

void cg_reactor_stop(cg_reactor *r)
{
    atomic_store(&r->stop, 1);
    reactor_wake(r);
}

void cg_reactor_stop_accepting(cg_reactor *r)
{
    if (r->listen_fd < 0) return;
    if (r->ops) r->ops->stop_accepting(r);
    if (r->listen_owned) close(r->listen_fd);
    r->listen_fd = -1;
}

static int reactor_turn(cg_reactor *r)
{
    int rc = r->ops->turn(r, r->todo_head != NULL);
    if (rc < 0) return rc;
    cg_reactor_mbox_drain(r);
    if (r->now_ms >= r->next_tick_ms) {
        wheel_advance(r);
        if (r->h.on_tick) r->h.on_tick(r);
        r->next_tick_ms = r->now_ms + CG_REACTOR_TIMER_RES_MS;
    }
    reactor_todo_run(r);
    return 0;
}

/* Abort every connection and wait (bounded) for their operations, so on_close runs on the
 * reactor thread and the backend is idle when cg_reactor_destroy frees memory. The wait
 * also covers the cancelled accept: until its last CQE the kernel keeps the listening
 * socket open, and a new reactor binding the same port would share its SO_REUSEPORT group
 * with a listener nobody accepts on. */
static void reactor_teardown(cg_reactor *r)
{
    cg_reactor_stop_accepting(r);
    for (uint32_t i = 0; i < r->slots_used; i++) {
        cg_rconn *c = r->slots[i];
        if (c && (c->flags & CF_LIVE)) cg_reactor_conn_fail(r, c, -ECANCELED);
    }
    reactor_todo_run(r);
    cg_reactor_clock(r);
    uint64_t until = r->now_ms + CG_REACTOR_TEARDOWN_MS;
    while ((cg_reactor_conn_count(r) > 0 || r->ops->busy(r)) && r->now_ms < until) {
        if (r->ops->turn(r, r->todo_head != NULL) < 0) break;
        cg_reactor_mbox_drain(r);
        reactor_todo_run(r);
    }
}

int cg_reactor_run(cg_reactor *r)
{
    CG_ASSERT(!r->running);
    cg_reactor_clock(r);
    int rc = r->ops->start(r);
    if (rc < 0) goto fail;
    r->running = 1;
    while (rc == 0 && !atomic_load_explicit(&r->stop, memory_order_acquire)) rc = reactor_turn(r);
    reactor_teardown(r);
    r->ops->end(r);
    r->running = 0;
    if (rc < 0) goto fail;
    return 0;
fail:
    cg_log_error("reactor", "event loop failed", "reason",
                 rc > -4096 ? strerror(-rc) : cg_err_str(rc));
    return rc;
}
