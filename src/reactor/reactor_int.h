/*
 * reactor_int.h — what the reactor core (reactor.c) and its two backends (uring.c,
 * epoll.c) share. Not a public header: only src/reactor includes it.
 *
 * DESIGN (connection life cycle, common to both backends)
 *
 *   accept --> OPEN --(cg_rconn_close(c,0) | peer EOF)--> CLOSING --> FINAL --> freed
 *                |                                                  ^
 *                +-------(cg_rconn_close(c,1) | I/O error)----------+
 *
 *   OPEN     on_data / on_drain / on_timeout are delivered. Reads may be paused.
 *   CLOSING  (CF_CLOSING) graceful: nothing is delivered any more; incoming bytes are read and
 *            discarded; queued output is flushed; then shutdown(SHUT_WR) and a lingering
 *            read until the peer's EOF (or CG_REACTOR_LINGER_MS), so that closing with
 *            unread input never turns into an RST that destroys the response in flight.
 *            The connection deadline is re-used as the flush/linger bound.
 *   FINAL    (CF_FINAL) queued output is dropped; the backend cancels what is in flight
 *            (io_uring) and closes the fd; then on_close runs once (when on_open accepted
 *            the connection) and the slot is freed.
 *
 * Invariants:
 *  * Every state change requested by a callback (write, pause, close, …) only sets flags
 *    and puts the connection on the reactor's todo list. The backend's `progress` does the
 *    work in the todo pass at the end of the loop turn. on_close and freeing happen only
 *    there, and only while the connection is not on the todo list (if progress re-listed
 *    it, the next pass finishes it), so a callback never sees its connection freed under
 *    it and no list ever points at a freed connection.
 *  * A connection lives in a slot of the reactor's table; the slot's generation changes on
 *    every reuse, so an event tagged (slot, gen) for a previous occupant is recognised.
 *  * Output: cg_rconn_write appends to `queue`. The backend sends from `out`; `out` never
 *    changes while a send is in flight (io_uring reads it asynchronously), and when it is
 *    fully sent, `out` and `queue` swap. In steady state neither allocates.
 */
#ifndef CG_REACTOR_INT_H
#define CG_REACTOR_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "codegraph/base.h"
#include "codegraph/buf.h"
#include "codegraph/limits.h"
#include "codegraph/reactor.h"

/* ---- reactor-internal limits ---- */
/** Timing-wheel slots; one revolution is SLOTS * CG_REACTOR_TIMER_RES_MS (51.2 s). Longer
 *  deadlines stay in their slot and are skipped until their time comes. Power of two. */
#define CG_REACTOR_WHEEL_SLOTS 1024
/** Connection slots per reactor; the slot number must fit the user_data bits. */
#define CG_REACTOR_CONN_SLOTS_MAX (1u << 24)
/** Initial size of the connection table (it doubles when full). */
#define CG_REACTOR_CONN_SLOTS_INIT 64
/** Graceful close: give up flushing when no byte left for this long. */
#define CG_REACTOR_CLOSE_IDLE_MS 10000
/** Graceful close: after shutdown(SHUT_WR), wait this long for the peer's EOF. */
#define CG_REACTOR_LINGER_MS 2000
/** cg_reactor_run's exit: wait this long for in-flight operations of closed connections. */
#define CG_REACTOR_TEARDOWN_MS 2000
/** Output/stash buffers larger than this are freed when they empty (not kept per conn). */
#define CG_REACTOR_KEEP_BUF_MAX (64 * 1024)
/** epoll: reads per connection per loop turn before yielding to others (fairness). */
#define CG_REACTOR_READ_BATCH 16
/** epoll: accept4 calls per listener readiness event. */
#define CG_REACTOR_ACCEPT_BATCH 64
/** epoll: events fetched per epoll_wait. */
#define CG_REACTOR_EPOLL_EVENTS 256

_Static_assert((CG_REACTOR_WHEEL_SLOTS & (CG_REACTOR_WHEEL_SLOTS - 1)) == 0,
               "wheel size must be a power of two");
_Static_assert(CG_REACTOR_CONN_SLOTS_MAX <= (1u << 28), "slot must fit 28 user_data bits");
_Static_assert(CG_REACTOR_CONN_SLOTS_INIT <= CG_REACTOR_CONN_SLOTS_MAX, "table init size");

/* ---- event tags (io_uring user_data and epoll data.u64 share the layout) ----
 * bits 0..3   operation (CG_OP_*)
 * bits 4..31  connection slot (0 for reactor-level operations)
 * bits 32..63 slot generation at the time the operation was issued */
enum {
    CG_OP_NONE = 0, /* cancel requests: their own completions are ignored */
    CG_OP_ACCEPT,   /* listening socket */
    CG_OP_WAKE,     /* the mailbox eventfd */
    CG_OP_TICK,     /* the tick timeout */
    CG_OP_RECV,     /* connection read (epoll: any connection event) */
    CG_OP_SEND,
    CG_OP_SHUTDOWN,
    CG_OP_CLOSE,
    CG_OP_FCLOSE, /* io_uring: closing a direct descriptor no connection owns */
};
#define CG_TAG(op, slot, gen) ((uint64_t)(op) | ((uint64_t)(slot) << 4) | ((uint64_t)(gen) << 32))
#define CG_TAG_OP(t) ((unsigned)((t)&0xf))
#define CG_TAG_SLOT(t) ((uint32_t)(((t) >> 4) & 0xfffffff))
#define CG_TAG_GEN(t) ((uint32_t)((t) >> 32))

/* ---- connection flags ---- */
enum {
    CF_LIVE = 1u << 0,   /* slot in use */
    CF_OPENED = 1u << 1, /* on_open accepted: on_close is owed */
    CF_PAUSED = 1u << 2,
    CF_CLOSING = 1u << 3,
    CF_FINAL = 1u << 4,
    CF_EOF = 1u << 5,  /* peer sent FIN (or the read side failed) */
    CF_SHUT = 1u << 6, /* shutdown(SHUT_WR) issued */
    CF_TODO = 1u << 7, /* on the todo list */
    /* io_uring */
    CF_RECV = 1u << 8, /* a multishot recv is armed (terminal CQE not seen yet) */
    CF_RECV_CANCEL = 1u << 9,
    CF_SEND = 1u << 10, /* a send is in flight */
    CF_CANCEL_ALL = 1u << 11,
    CF_CLOSE_SENT = 1u << 12,
    CF_FIXED = 1u << 13, /* `fd` is an index in the ring's registered file table */
    /* epoll */
    CF_READABLE = 1u << 16,
    CF_WRITABLE = 1u << 17,
    CF_RDHUP = 1u << 18,
    CF_DEAD = 1u << 19, /* on_close is running / has run: never schedule again */
};

struct cg_rconn {
    cg_reactor *r;
    void *ud;
    int fd; /* the socket, or its file-table index when CF_FIXED */
    uint32_t slot, gen, flags;
    int err;                 /* first error, reported to on_close */
    int inflight;            /* io_uring operations not completed */
    cg_buf out;              /* being sent; frozen while CF_SEND */
    size_t out_off;          /* bytes of `out` already sent */
    cg_buf queue;            /* written, not yet moved to `out` */
    cg_buf stash;            /* io_uring: bytes received while paused */
    uint64_t deadline_ms;    /* 0 = none */
    cg_rconn *tnext, *tprev; /* timing-wheel list */
    int tslot;               /* wheel slot, -1 when not armed */
    uint64_t ttick;          /* the tick of the wheel slot it is linked in */
    cg_rconn *todo_next;     /* todo list, or the free list while not live */
    socklen_t peer_len;
    struct sockaddr_storage peer;
};

typedef struct cg_reactor_ops {
    const char *name;
    /** Backend set-up inside cg_reactor_create (any thread). 0 or <0. */
    int (*init)(cg_reactor *r);
    /** First thing of cg_reactor_run, on the reactor thread. */
    int (*start)(cg_reactor *r);
    /** Submit, wait (not when `nowait`, and at most until the next tick), dispatch. */
    int (*turn)(cg_reactor *r, int nowait);
    /** Drive one connection's state machine (todo pass). */
    void (*progress)(cg_reactor *r, cg_rconn *c);
    /** Stop accepting on the listener (the core closes an owned fd afterwards). */
    void (*stop_accepting)(cg_reactor *r);
    /** 1 while reactor-level operations that must end before the reactor may be freed
     *  are in flight (io_uring: the accept, which holds the listening socket open). */
    int (*busy)(cg_reactor *r);
    /** Last thing of cg_reactor_run, on the reactor thread (after the teardown). */
    void (*end)(cg_reactor *r);
    /** Free backend resources (cg_reactor_destroy, any thread, loop not running). */
    void (*release)(cg_reactor *r);
} cg_reactor_ops;

struct cg_reactor {
    const cg_reactor_ops *ops;
    void *be; /* backend state */
    cg_reactor_handler h;
    cg_io_backend backend;
    int index, port;
    void *user;
    int listen_fd;          /* -1 after stop_accepting */
    int listen_owned;       /* we created it: close it */
    int wake_fd;            /* eventfd for post/stop */
    _Atomic(cg_msg *) mbox; /* MPSC LIFO stack; drained and reversed by the loop */
    atomic_int stop;
    int running;
    uint64_t now_ms, next_tick_ms;
    /* connections */
    cg_rconn **slots;
    uint32_t nslots, slots_used;
    cg_rconn *free_list;
    atomic_int live; /* written by the loop only; atomic so others may read it */
    cg_rconn *todo_head, *todo_tail;
    /* timing wheel */
    cg_rconn *wheel[CG_REACTOR_WHEEL_SLOTS];
    cg_rconn *firing;    /* the slot being fired (see reactor.c DESIGN) */
    uint64_t wheel_tick; /* last tick processed (now_ms / CG_REACTOR_TIMER_RES_MS) */
};

/* ---- core services for the backends (reactor.c) ---- */
extern const cg_reactor_ops cg_reactor_uring_ops;
extern const cg_reactor_ops cg_reactor_epoll_ops;

/** The connection tagged (slot, gen), or NULL when stale. */
static inline cg_rconn *cg_reactor_conn_lookup(cg_reactor *r, uint64_t tag)
{
    uint32_t slot = CG_TAG_SLOT(tag);
    if (slot >= r->slots_used) return NULL;
    cg_rconn *c = r->slots[slot];
    return (c && (c->flags & CF_LIVE) && c->gen == CG_TAG_GEN(tag)) ? c : NULL;
}

static inline size_t cg_rconn_out_left(const cg_rconn *c)
{
    return c->out.len - c->out_off;
}

/** Bytes ready to send from `out`; when `out` is used up, `queue` takes its place first.
 *  Only call while no send is in flight. */
static inline size_t cg_rconn_out_take(cg_rconn *c)
{
    if (c->out_off == c->out.len && c->queue.len) {
        cg_buf t = c->out;
        c->out = c->queue;
        c->queue = t;
        cg_buf_reset(&c->queue);
        c->out_off = 0;
    }
    return c->out.len - c->out_off;
}

/** Put `c` on the todo list (idempotent). */
void cg_reactor_todo_add(cg_reactor *r, cg_rconn *c);
/** A new socket from accept: allocate, on_open, schedule. `peer` NULL = ask getpeername.
 *  NULL (fd closed, on_open not called) when out of memory or the peer is already gone. */
cg_rconn *cg_reactor_conn_accept(cg_reactor *r, int fd, const struct sockaddr *peer,
                                 socklen_t peer_len);
/** The same for a socket accepted into io_uring's file table at index `idx` (CF_FIXED);
 *  `peer` is required. NULL when out of memory: the index is then the caller's to close. */
cg_rconn *cg_reactor_conn_accept_fixed(cg_reactor *r, int idx, const struct sockaddr *peer,
                                       socklen_t peer_len);
/** Deliver received bytes to on_data (or drop them while closing). */
void cg_reactor_conn_data(cg_reactor *r, cg_rconn *c, const char *data, size_t len);
/** Record an error (first wins) and move to FINAL. */
void cg_reactor_conn_fail(cg_reactor *r, cg_rconn *c, int err);
/** Peer EOF seen: become CLOSING once nothing stashed is left to deliver. */
void cg_reactor_conn_eof(cg_reactor *r, cg_rconn *c);
/** Bytes of `out` were sent: advance, swap in `queue`, on_drain when all is gone. */
void cg_reactor_conn_sent(cg_reactor *r, cg_rconn *c, size_t n);
/** The fd is closed and nothing is in flight: on_close, free the slot. */
void cg_reactor_conn_finish(cg_reactor *r, cg_rconn *c);
/** Common part of `progress` before I/O: stash delivery, EOF → CLOSING. Returns 1 when
 *  the connection went FINAL meanwhile. */
int cg_reactor_conn_prepare(cg_reactor *r, cg_rconn *c);
/** CLOSING and everything flushed: 1 = issue shutdown now, 0 = nothing to do; sets
 *  CF_FINAL itself when the peer already closed. */
int cg_reactor_conn_want_shutdown(cg_reactor *r, cg_rconn *c);
/** Milliseconds until the next tick (0 when due). */
int cg_reactor_tick_wait_ms(const cg_reactor *r);
/** Run the queued messages (any loop turn). */
void cg_reactor_mbox_drain(cg_reactor *r);
/** Re-read the monotonic clock into now_ms. */
void cg_reactor_clock(cg_reactor *r);
/** Arm the connection timer at absolute `at_ms` (0 disarms); used for close bounds too. */
void cg_reactor_timer_set(cg_reactor *r, cg_rconn *c, uint64_t at_ms);

#endif
