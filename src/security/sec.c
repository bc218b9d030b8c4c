/*
 * sec.c — the security policy: built from the config, swapped on SIGHUP, read by the
 * reactors without locks; the accept-time IP filter; the memory-pressure sampler.
 *
 * DESIGN — publishing a new policy while reactors read the old one (epoch-based
 * reclamation, a small RCU):
 *   * The policy is immutable once published through `cur`.
 *   * A reader (reactor i) enters by storing the current global epoch into its own slot
 *     (readers[i].active, one cache line each), then loads `cur`; it leaves by storing 0.
 *   * The writer (main thread, SIGHUP) exchanges `cur`, increments the epoch to E, then
 *     waits until every slot is 0 or >= E, and only then frees the old policy.
 * All of these are sequentially consistent, so a reader whose slot store the writer did
 * not see loads `cur` after the exchange and holds the new policy; a reader the writer
 * did see holds an epoch < E and is waited for. Read sections are a few microseconds
 * (one hash, a list scan), so the writer's wait is short; readers never wait at all.
 *
 * Keys are never kept: each configured key is stored as HMAC-SHA256(salt, key) with a
 * per-process random salt, and a presented key is hashed the same way and compared with
 * every stored hash in constant time (no early exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "codegraph/metrics.h"
#include "security/sec_int.h"

#define SEC_RECLAIM_POLL_NS 200000L /* writer's wait step while readers finish */
#define SEC_STATM_MAX 128           /* bytes of /proc/self/statm we read */

sec_policy *cg_sec_enter(cg_sec *s, int reader)
{
    CG_ASSERT(reader >= 0 && reader < s->n_readers);
    atomic_store(&s->readers[reader].active, atomic_load(&s->epoch));
    return atomic_load(&s->cur);
}

void cg_sec_leave(cg_sec *s, int reader)
{
    atomic_store_explicit(&s->readers[reader].active, 0, memory_order_release);
}

uint64_t cg_sec_id64(const cg_sec *s, char tag, const void *p, size_t n)
{
    uint8_t msg[1 + CG_CONFIG_STR_MAX], mac[CG_SHA256_LEN];
    n = CG_MIN(n, (size_t)CG_CONFIG_STR_MAX);
    msg[0] = (uint8_t)tag;
    memcpy(msg + 1, p, n);
    cg_hmac_sha256(s->salt, sizeof s->salt, msg, n + 1, mac);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | mac[i];
    return v ? v : 1;
}

static int keys_hash(const cg_sec *s, const cg_strlist *l, sec_hash **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (l->n == 0) return 0;
    if (l->n > SEC_KEYS_MAX || !(*out = calloc((size_t)l->n, sizeof **out))) return CG_ENOMEM;
    for (int i = 0; i < l->n; i++)
        cg_hmac_sha256(s->salt, sizeof s->salt, l->items[i], strlen(l->items[i]), (*out)[i]);
    *n = l->n;
    return 0;
}

static void policy_free(sec_policy *p)
{
    if (!p) return;
    free(p->header);
    free(p->prefix);
    free(p->user_keys);
    free(p->admin_keys);
    if (p->jwt_secret) memset(p->jwt_secret, 0, p->jwt_secret_len);
    free(p->jwt_secret);
    cg_iplist_release(&p->allow);
    cg_iplist_release(&p->block);
    cg_iplist_release(&p->proxies);
    cg_sec_cors_free(p);
    free(p);
}

static int policy_lists(sec_policy *p, const cg_config_security *c, char *err, size_t errlen)
{
    int rc = cg_iplist_parse(&p->allow, &c->ip_allowlist, err, errlen);
    if (!rc) rc = cg_iplist_parse(&p->block, &c->ip_blocklist, err, errlen);
    if (!rc) rc = cg_iplist_parse(&p->proxies, &c->trusted_proxies, err, errlen);
    return rc;
}

static int policy_build(const cg_sec *s, const cg_config *c, sec_policy **out, char *err,
                        size_t errlen)
{
    const cg_config_security *k = &c->security;
    sec_policy *p = calloc(1, sizeof *p);
    if (!p) return CG_ENOMEM;
    p->user_required = k->api_key_required;
    p->admin_required = k->admin_api_key_required || k->api_key_required;
    p->header = strdup(k->api_key_header ? k->api_key_header : "Authorization");
    p->prefix = strdup(k->api_key_prefix ? k->api_key_prefix : "");
    int rc = p->header && p->prefix ? 0 : CG_ENOMEM;
    if (!rc) p->prefix_len = strlen(p->prefix);
    if (!rc) rc = keys_hash(s, &k->api_keys, &p->user_keys, &p->n_user);
    if (!rc) rc = keys_hash(s, &k->admin_api_keys, &p->admin_keys, &p->n_admin);
    p->jwt_enabled = k->jwt_enabled && k->jwt_secret && k->jwt_secret[0];
    if (!rc && p->jwt_enabled) {
        p->jwt_secret_len = strlen(k->jwt_secret);
        p->jwt_secret = malloc(p->jwt_secret_len);
        if (p->jwt_secret)
            memcpy(p->jwt_secret, k->jwt_secret, p->jwt_secret_len);
        else
            rc = CG_ENOMEM;
    }
    p->jwt_lifetime_max_s = k->jwt_expiration_ms / 1000;
    p->rate_on = k->rate_limiting;
    p->public_metrics = k->public_metrics;
    if (!rc) rc = policy_lists(p, k, err, errlen);
    if (!rc) rc = cg_sec_cors_build(p, c);
    if (rc) {
        if (!err[0]) snprintf(err, errlen, "%s", cg_err_str(rc));
        policy_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

/* 1 when `host` can only be reached from this machine. */
static int host_is_loopback(const char *host)
{
    uint8_t a[16];
    static const uint8_t v6_lo[16] = {[15] = 1};
    if (strcmp(host, "localhost") == 0) return 1;
    if (cg_ip_parse(host, strlen(host), a) != 0) return 0;
    if (memcmp(a, v6_lo, 16) == 0) return 1;
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    return memcmp(a, mapped, 12) == 0 && a[12] == 127;
}

static int remote_guard(const cg_config *c, char *err, size_t errlen)
{
    const cg_config_security *k = &c->security;
    if (host_is_loopback(c->server.host) || k->api_key_required || k->allow_unauthenticated_remote)
        return 0;
    snprintf(err, errlen,
             "server.host = %s is reachable from other machines but no credential is "
             "required: set security.api_key_required = true with security.api_keys (or "
             "CODEGRAPH_API_KEY), or security.allow_unauthenticated_remote = true to serve "
             "without authentication on purpose",
             c->server.host);
    return CG_ECONFIG;
}

static void limits_apply(cg_sec *s, const cg_config *c)
{
    const cg_config_security *k = &c->security;
    cg_ratelimit_configure(s->clients, k->rate_limit_per_client, k->rate_limit_window_ms,
                           k->rate_limit_burst);
    int64_t rate = CG_MAX(k->rate_limit_global, 1), win = CG_MAX(k->rate_limit_window_ms, 1);
    uint64_t t = (uint64_t)win * 1000000ull / (uint64_t)rate;
    t = t ? t : 1;
    /* The global bucket holds one window's worth: a cap on total load, not on bursts. */
    atomic_store(&s->g_interval, t);
    atomic_store(&s->g_tolerance, t * (uint64_t)(rate - 1));
    const cg_config_performance *pf = &c->performance;
    atomic_store(&s->mem_limit,
                 (uint64_t)((double)pf->max_memory_usage_bytes * pf->memory_pressure_threshold));
}

int cg_sec_create(cg_sec **out, const cg_config *c, int n_readers, char *err, size_t errlen)
{
    err[0] = 0;
    int rc = remote_guard(c, err, errlen);
    if (rc) return rc;
    if (n_readers < 1 || n_readers > SEC_READERS_MAX) return CG_EINVAL;
    cg_sec *s = calloc(1, sizeof *s);
    if (!s) return CG_ENOMEM;
    s->n_readers = n_readers;
    s->readers = aligned_alloc(64, sizeof *s->readers * (size_t)n_readers);
    if (!s->readers || getrandom(s->salt, sizeof s->salt, 0) != (ssize_t)sizeof s->salt) {
        rc = s->readers ? -errno : CG_ENOMEM;
        goto fail;
    }
    for (int i = 0; i < n_readers; i++) atomic_init(&s->readers[i].active, 0);
    atomic_init(&s->epoch, 1);
    rc = cg_ratelimit_create(&s->clients, 1, 1000, 1);
    sec_policy *p = NULL;
    if (!rc) rc = policy_build(s, c, &p, err, errlen);
    if (rc) goto fail;
    atomic_init(&s->cur, p);
    limits_apply(s, c);
    cg_sec_tick(s, cg_time_mono_ns());
    *out = s;
    return 0;
fail:
    if (!err[0]) snprintf(err, errlen, "security: %s", cg_err_str(rc));
    cg_sec_destroy(s);
    return rc < 0 ? rc : CG_ENOMEM;
}

void cg_sec_destroy(cg_sec *s)
{
    if (!s) return;
    policy_free(atomic_load(&s->cur));
    if (s->clients) cg_ratelimit_destroy(s->clients);
    free(s->readers);
    memset(s->salt, 0, sizeof s->salt);
    free(s);
}

int cg_sec_reload(cg_sec *s, const cg_config *c, char *err, size_t errlen)
{
    sec_policy *p = NULL;
    err[0] = 0;
    int rc = policy_build(s, c, &p, err, errlen);
    if (rc) return rc;
    sec_policy *old = atomic_exchange(&s->cur, p);
    uint64_t e = atomic_fetch_add(&s->epoch, 1) + 1;
    for (int i = 0; i < s->n_readers; i++) {
        for (;;) {
            uint64_t a = atomic_load(&s->readers[i].active);
            if (a == 0 || a >= e) break;
            struct timespec ts = {0, SEC_RECLAIM_POLL_NS};
            nanosleep(&ts, NULL);
        }
    }
    policy_free(old);
    limits_apply(s, c);
    return 0;
}

void cg_sec_metrics_attach(cg_sec *s, struct cg_metrics *m)
{
    static const char name[] = "codegraph_security_rejections_total";
    static const char help[] = "Requests or connections refused by the security layer";
    s->metric_auth = cg_metrics_counter(m, name, help, "reason", "unauthorized");
    s->metric_forbidden = cg_metrics_counter(m, name, help, "reason", "forbidden");
    s->metric_rate = cg_metrics_counter(m, name, help, "reason", "rate_limited");
    s->metric_ip = cg_metrics_counter(m, name, help, "reason", "ip_blocked");
    s->metric_memory = cg_metrics_counter(m, name, help, "reason", "memory_pressure");
    s->m = m;
}

int cg_sec_peer_allowed(cg_sec *s, int reader, const struct sockaddr *sa, socklen_t len)
{
    sec_policy *p = cg_sec_enter(s, reader);
    int ok = (p->allow.n == 0 || cg_iplist_match(&p->allow, sa, len)) &&
             !cg_iplist_match(&p->block, sa, len);
    cg_sec_leave(s, reader);
    if (!ok && s->m) cg_metrics_add(s->m, reader, s->metric_ip, 1);
    return ok;
}

/* Resident set size from /proc/self/statm (one small read); 0 when unreadable. */
static uint64_t rss_read(void)
{
    char buf[SEC_STATM_MAX];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    unsigned long long size = 0, res = 0;
    if (sscanf(buf, "%llu %llu", &size, &res) != 2) return 0;
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

void cg_sec_tick(cg_sec *s, uint64_t now_ns)
{
    if (s->last_sample_ns && now_ns - s->last_sample_ns < CG_SEC_RSS_SAMPLE_MS * 1000000ull) return;
    s->last_sample_ns = now_ns;
    uint64_t rss = rss_read();
    atomic_store_explicit(&s->rss, rss, memory_order_relaxed);
    uint64_t lim = atomic_load_explicit(&s->mem_limit, memory_order_relaxed);
    atomic_store_explicit(&s->pressure, rss > 0 && lim > 0 && rss > lim, memory_order_relaxed);
}

int cg_sec_memory_pressure(const cg_sec *s)
{
    return atomic_load_explicit(&((cg_sec *)s)->pressure, memory_order_relaxed);
}

uint64_t cg_sec_rss_bytes(const cg_sec *s)
{
    return atomic_load_explicit(&((cg_sec *)s)->rss, memory_order_relaxed);
}
