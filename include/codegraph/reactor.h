/*
 * reactor.h — one event loop per worker thread, io_uring or epoll behind one API.
 *
 * A reactor owns a listening socket (SO_REUSEPORT, one per reactor), its
 * connections, a per-connection output buffer and a per-connection deadline
 * timer. Every callback runs on the reactor's own thread; nothing here is
 * shared between reactors except cg_reactor_post()/cg_reactor_stop(), which are
 * thread-safe. The upper layer (src/server) sees only the handler callbacks.
 *
 * Writes are copied into the connection's output buffer and flushed once per
 * loop turn, so pipelined responses leave in one send. Reads can be paused (for
 * back-pressure) and resumed. Closing flushes what is queued first (graceful)
 * unless `abort` is asked for.
 */
#ifndef CODEGRAPH_REACTOR_H
#define CODEGRAPH_REACTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "codegraph/config.h"

typedef struct cg_reactor cg_reactor;
typedef struct cg_rconn cg_rconn;

/** A message posted to a reactor from any thread; `fn` runs on the reactor thread. */
typedef struct cg_msg {
    void (*fn)(cg_reactor *r, struct cg_msg *m);
    struct cg_msg *next; /**< intrusive; owned by the mailbox while queued */
} cg_msg;

typedef struct cg_reactor_handler {
    /** Accepted `c`. Return per-connection user data, or NULL to refuse (the reactor then
     *  flushes anything written with cg_rconn_write during the call and closes). */
    void *(*on_open)(cg_reactor *r, cg_rconn *c, const struct sockaddr *peer, socklen_t len);
    /** Bytes arrived; valid only during the call. */
    void (*on_data)(cg_reactor *r, cg_rconn *c, void *ud, const char *data, size_t len);
    /** Every queued byte has been sent. */
    void (*on_drain)(cg_reactor *r, cg_rconn *c, void *ud);
    /** The deadline set with cg_rconn_deadline fired. */
    void (*on_timeout)(cg_reactor *r, cg_rconn *c, void *ud);
    /** Connection is gone (peer EOF, error, or our close finished); `err` 0 or -errno.
     *  `c` is freed after this returns. Called exactly once per opened connection. */
    void (*on_close)(cg_reactor *r, cg_rconn *c, void *ud, int err);
    /** Called about every CG_REACTOR_TIMER_RES_MS on the reactor thread (may be NULL). */
    void (*on_tick)(cg_reactor *r);
} cg_reactor_handler;

typedef struct cg_reactor_options {
    const char *host;      /**< bind address (IPv4 or IPv6 literal) */
    int port;              /**< 0 = ephemeral: the first reactor picks, the rest reuse it */
    cg_io_backend backend; /**< AUTO tries io_uring, falls back to epoll when refused */
    int index;             /**< worker number, for logs and metrics */
    int listen_fd;         /**< -1 = create our own SO_REUSEPORT socket; else use this */
    void *user;            /**< returned by cg_reactor_user */
} cg_reactor_options;

/** Create a reactor (does not start its thread). 0 or -errno / CG_E*. */
int cg_reactor_create(cg_reactor **out, const cg_reactor_options *opt, const cg_reactor_handler *h);
/** Run the loop on the calling thread until cg_reactor_stop. Returns 0 or -errno. */
int cg_reactor_run(cg_reactor *r);
/** Ask the loop to return (thread-safe, async-signal-unsafe). */
void cg_reactor_stop(cg_reactor *r);
/** Free a stopped reactor; closes remaining connections (on_close is called). */
void cg_reactor_destroy(cg_reactor *r);

/** Stop accepting: close this reactor's listening socket (thread: owner). */
void cg_reactor_stop_accepting(cg_reactor *r);
/** Post a message (thread-safe; lock-free MPSC + eventfd wakeup). 0 or -errno. */
int cg_reactor_post(cg_reactor *r, cg_msg *m);

/** The backend actually in use (never CG_IO_AUTO after create). */
cg_io_backend cg_reactor_backend(const cg_reactor *r);
/** "io_uring" or "epoll". */
const char *cg_reactor_backend_name(cg_io_backend b);
/** The bound port (useful with port 0). */
int cg_reactor_port(const cg_reactor *r);
int cg_reactor_index(const cg_reactor *r);
void *cg_reactor_user(const cg_reactor *r);
/** Open connections on this reactor. */
int cg_reactor_conn_count(const cg_reactor *r);
/** Milliseconds on the monotonic clock as of the start of this loop turn (cheap). */
uint64_t cg_reactor_now_ms(const cg_reactor *r);

/** Queue bytes for sending (copied). 0 or CG_ENOMEM. */
int cg_rconn_write(cg_rconn *c, const void *data, size_t len);
/** Bytes queued and not yet sent. */
size_t cg_rconn_pending(const cg_rconn *c);
/** Stop delivering on_data until resumed (back-pressure). */
void cg_rconn_pause_read(cg_rconn *c);
void cg_rconn_resume_read(cg_rconn *c);
/** Close: `abort`=0 flushes queued bytes first then shuts down; 1 closes now (RST-free). */
void cg_rconn_close(cg_rconn *c, int abort);
/** Arm the connection deadline `ms` from now (0 disarms). One deadline per connection;
 *  re-arming replaces it. No syscall: checked at CG_REACTOR_TIMER_RES_MS resolution. */
void cg_rconn_deadline(cg_rconn *c, uint64_t ms);
/** Peer address as given at accept. */
const struct sockaddr *cg_rconn_peer(const cg_rconn *c, socklen_t *len);
/** The reactor this connection belongs to. */
cg_reactor *cg_rconn_reactor(const cg_rconn *c);

#endif
