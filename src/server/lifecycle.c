/*
 * lifecycle.c — running the server: reactor threads, the signal loop, SIGHUP
 * reload and SIGTERM drain. See server.c for the state machine.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "codegraph/log.h"
#include "codegraph/security.h"
#include "server/notify.h"
#include "server_int.h"

#define LIFECYCLE_SIGNAL_POLL_MS 100
#define LIFECYCLE_DRAIN_POLL_MS 20

extern char **environ;

static void *reactor_main(void *arg)
{
    cg_rctx *x = arg;
    char name[16];
    snprintf(name, sizeof name, "cg-reactor-%d", x->index);
    pthread_setname_np(pthread_self(), name);
    int rc = cg_reactor_run(x->reactor);
    if (rc) {
        char tmp[16];
        snprintf(tmp, sizeof tmp, "%d", x->index);
        cg_log_error("server", "reactor stopped with an error", "reactor", tmp, "error",
                     cg_err_str(rc));
    }
    return NULL;
}

/* Log each changed key that only a restart applies. */
static void reload_warn_restart(const cg_config *o, const cg_config *n)
{
    struct {
        const char *key;
        int changed;
    } keys[] = {
        {"server.host", strcmp(o->server.host, n->server.host) != 0},
        {"server.port", o->server.port != n->server.port},
        {"server.workers", o->server.workers != n->server.workers},
        {"server.io_backend", o->server.io_backend != n->server.io_backend},
        {"database.path", strcmp(o->database.path, n->database.path) != 0},
        {"database.cache_size", o->database.cache_size_mb != n->database.cache_size_mb},
        {"performance.pool_threads", o->performance.pool_threads != n->performance.pool_threads},
    };
    for (size_t i = 0; i < CG_ARRAY_LEN(keys); i++)
        if (keys[i].changed)
            cg_log_warn("config", "changed key needs a restart; keeping the running value", "key",
                        keys[i].key);
}

static void server_reload(cg_server *s)
{
    cg_config nc;
    cg_config_diags d;
    memset(&d, 0, sizeof d);
    if (cg_config_load(&nc, s->config_path, environ, &d) != 0) {
        for (int i = 0; i < d.n; i++)
            cg_log_error("config", "reload rejected; keeping the running configuration", "key",
                         d.items[i].key, "reason", d.items[i].msg);
        return;
    }
    for (int i = 0; i < d.n; i++)
        cg_log_warn("config", "reload warning", "key", d.items[i].key, "reason", d.items[i].msg);
    char why[512];
    if (cg_sec_reload(s->sec, &nc, why, sizeof why) != 0) {
        cg_log_error("config", "reload rejected; keeping the running configuration", "key",
                     "security", "reason", why);
        cg_config_release(&nc);
        return;
    }
    reload_warn_restart(&s->cfg, &nc);
    atomic_store(&s->live.keep_alive_ms, nc.server.keep_alive_ms);
    atomic_store(&s->live.timeout_ms, nc.server.timeout_ms);
    atomic_store(&s->live.max_connections, nc.server.max_connections);
    atomic_store(&s->live.body_max, nc.mcp.max_request_size_bytes);
    atomic_store(&s->live.log_requests, nc.development.log_requests);
    cg_server_logging_apply(&nc);
    cg_config_release(&nc);
    cg_log_info("config", "configuration reloaded", "path",
                s->config_path ? s->config_path : "(defaults)");
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Close listeners, let in-flight work finish, bounded by drain_timeout. */
static void server_drain(cg_server *s)
{
    atomic_store(&s->state, CG_SERVER_DRAINING);
    cg_notify("STOPPING=1\nSTATUS=draining");
    for (int i = 0; i < s->n_reactors; i++) atomic_store(&s->rctx[i].stop_accept, 1);
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%d", atomic_load(&s->conns));
    cg_log_info("server", "draining", "open_connections", tmp);
    uint64_t deadline = cg_time_mono_ns() + (uint64_t)s->cfg.server.drain_timeout_ms * 1000000;
    while (atomic_load(&s->conns) > 0 && cg_time_mono_ns() < deadline)
        sleep_ms(LIFECYCLE_DRAIN_POLL_MS);
    snprintf(tmp, sizeof tmp, "%d", atomic_load(&s->conns));
    if (atomic_load(&s->conns) > 0)
        cg_log_warn("server", "drain timeout; closing remaining connections", "open_connections",
                    tmp);
}

/* Our threads block TERM/INT/HUP (cg_server_create), but threads a library started before
 * main() (OpenBLAS's pool) do not: a signal the kernel hands to one of them runs this
 * handler instead of the default action (exit without drain), and the signal loop picks
 * it up within one poll. */
static _Atomic unsigned stray_signals;

static void on_stray_signal(int sig)
{
    atomic_fetch_or(&stray_signals, 1u << sig);
}

/* A signal that reached a foreign thread since the last poll (TERM/INT first), or -1. */
static int stray_take(void)
{
    unsigned m = atomic_exchange(&stray_signals, 0);
    if (m & ((1u << SIGTERM) | (1u << SIGINT))) return SIGTERM;
    return m & (1u << SIGHUP) ? SIGHUP : -1;
}

static int signals_block(sigset_t *set)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stray_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(set, sig) == 1) sigaction(sig, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return pthread_sigmask(SIG_BLOCK, set, NULL);
}

static void log_listening(cg_server *s)
{
    char port[16], workers[16];
    snprintf(port, sizeof port, "%d", s->port);
    snprintf(workers, sizeof workers, "%d", s->n_reactors);
    cg_log_info("server", "listening", "host", s->cfg.server.host, "port", port, "workers", workers,
                "io_backend", cg_reactor_backend_name(s->backend), "data", s->cfg.database.path,
                (const char *)0);
}

int cg_server_run(cg_server *s)
{
    sigset_t set;
    signals_block(&set);
    for (int i = 0; i < s->n_reactors; i++) {
        if (pthread_create(&s->rctx[i].thread, NULL, reactor_main, &s->rctx[i]) != 0) {
            cg_log_error("server", "cannot start reactor thread", "error", strerror(errno));
            return -errno;
        }
    }
    atomic_store(&s->state, CG_SERVER_SERVING);
    log_listening(s);
    cg_notify("READY=1\nSTATUS=serving"); /* systemd Type=notify: no-op elsewhere */
    for (;;) {
        struct timespec ts = {0, LIFECYCLE_SIGNAL_POLL_MS * 1000000L};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig < 0) sig = stray_take();
        cg_sec_tick(s->sec, cg_time_mono_ns()); /* memory-pressure sampling */
        if (sig == SIGHUP) {
            cg_notify_reloading();
            server_reload(s);
            cg_notify("READY=1\nSTATUS=serving");
        } else if (sig == SIGTERM || sig == SIGINT)
            break;
    }
    server_drain(s);
    for (int i = 0; i < s->n_reactors; i++) cg_reactor_stop(s->rctx[i].reactor);
    for (int i = 0; i < s->n_reactors; i++) pthread_join(s->rctx[i].thread, NULL);
    atomic_store(&s->state, CG_SERVER_STOPPED);
    cg_log_info("server", "stopped");
    return 0;
}
