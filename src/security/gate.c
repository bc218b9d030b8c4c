/*
 * gate.c — the per-request security gate run by dispatch before a handler: CORS headers,
 * credential (API key or HS256 JWT), client identity, rate limits, memory pressure.
 *
 * Order and why:
 *   1. OPEN routes (health, readiness, public metrics) pass untouched: probes and
 *      scrapers must never be throttled or locked out.
 *   2. The credential is checked first so that the client identity is the credential's
 *      only when it is valid — an attacker inventing keys must not get a fresh bucket
 *      per guess; invalid or missing credentials count against the client's IP.
 *   3. Rate limits (global, then per client) come before the 401/403, so guessing keys
 *      is throttled like everything else.
 *   4. 401 (no or wrong credential, `WWW-Authenticate: Bearer`) / 403 (valid but the
 *      wrong class), both CG009.
 *   5. Under memory pressure, writes get 503 + Retry-After (CG010); reads go on.
 *
 * Client IP: the socket peer, unless the peer is in security.trusted_proxies — then the
 * rightmost X-Forwarded-For address that is not itself a trusted proxy (all
 * X-Forwarded-For lines read as one list), else X-Real-IP, else the peer.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "codegraph/base.h"
#include "codegraph/metrics.h"
#include "security/sec_int.h"

#define GATE_RETRY_MEMORY_S 5 /* Retry-After on 503 under memory pressure */

/* The credential after the configured prefix, or NULL. */
static const char *credential(const sec_policy *p, const cg_http_request *h, size_t *n)
{
    const cg_http_header *a = cg_http_find_header(h, p->header);
    if (!a || a->value_len <= p->prefix_len) return NULL;
    if (strncasecmp(a->value, p->prefix, p->prefix_len) != 0) return NULL;
    *n = a->value_len - p->prefix_len;
    return a->value + p->prefix_len;
}

/* Compare against every stored hash (no early exit); 1 when one matches. */
static int keys_match(const sec_hash *keys, int n, const sec_hash h)
{
    int hit = 0;
    for (int i = 0; i < n; i++) hit |= cg_sec_ct_equal(keys[i], h, CG_SHA256_LEN);
    return hit;
}

static int is_jwt(const char *t, size_t n)
{
    int dots = 0;
    for (size_t i = 0; i < n; i++) dots += t[i] == '.';
    return dots == 2;
}

/* The class of the presented credential (NONE when absent or invalid); *id its client id.
 * *presented says whether a credential was sent at all. */
static int authenticate(const cg_sec *s, const sec_policy *p, const cg_http_request *h,
                        uint64_t *id, int *presented)
{
    size_t n = 0;
    const char *t = credential(p, h, &n);
    *presented = t != NULL;
    if (!t) return CG_SEC_NONE;
    cg_jwt_claims c;
    int64_t now = time(NULL);
    /* A JWT-shaped credential that does not verify may still be an API key with dots. */
    if (p->jwt_enabled && is_jwt(t, n) &&
        cg_jwt_verify_hs256(t, n, p->jwt_secret, p->jwt_secret_len, now, &c) == 0 &&
        c.exp - now <= p->jwt_lifetime_max_s) {
        *id = c.subject;
        return c.admin ? CG_SEC_ADMIN : CG_SEC_USER;
    }
    sec_hash hk;
    cg_hmac_sha256(s->salt, sizeof s->salt, t, n, hk);
    int admin = keys_match(p->admin_keys, p->n_admin, hk);
    int user = keys_match(p->user_keys, p->n_user, hk);
    if (!admin && !user) return CG_SEC_NONE;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | hk[CG_SHA256_LEN - 8 + i];
    *id = v ? v : 1;
    return admin ? CG_SEC_ADMIN : CG_SEC_USER;
}

/* Walk one X-Forwarded-For value right to left; 1 and out set at the first address that
 * is not a trusted proxy; -1 on a malformed element (stop trusting the header). */
static int xff_pick(const sec_policy *p, const cg_http_header *x, uint8_t out[16])
{
    const char *b = x->value, *e = x->value + x->value_len;
    while (e > b) {
        const char *s = e;
        while (s > b && s[-1] != ',') s--;
        const char *ts = s, *te = e;
        while (ts < te && (*ts == ' ' || *ts == '\t')) ts++;
        while (te > ts && (te[-1] == ' ' || te[-1] == '\t')) te--;
        if (cg_ip_parse(ts, (size_t)(te - ts), out) != 0) return -1;
        if (!cg_iplist_match_ip(&p->proxies, out)) return 1;
        e = s > b ? s - 1 : b;
    }
    return 0;
}

static int client_ip(const sec_policy *p, const cg_http_request *h, const struct sockaddr *peer,
                     socklen_t len, uint8_t out[16])
{
    if (cg_ip_from_sockaddr(peer, len, out) != 0) return CG_EINVAL;
    if (!h || p->proxies.n == 0 || !cg_iplist_match_ip(&p->proxies, out)) return 0;
    uint8_t cand[16];
    for (int i = h->n_headers - 1; i >= 0; i--) {
        const cg_http_header *x = &h->headers[i];
        if (x->name_len != 15 || strncasecmp(x->name, "X-Forwarded-For", 15) != 0) continue;
        int r = xff_pick(p, x, cand);
        if (r < 0) return 0;
        if (r > 0) {
            memcpy(out, cand, 16);
            return 0;
        }
    }
    const cg_http_header *ri = cg_http_find_header(h, "X-Real-IP");
    if (ri && cg_ip_parse(ri->value, ri->value_len, cand) == 0) memcpy(out, cand, 16);
    return 0;
}

static uint64_t ip_id(const cg_sec *s, const sec_policy *p, const cg_http_request *h,
                      const struct sockaddr *peer, socklen_t len)
{
    uint8_t a[16] = {0};
    client_ip(p, h, peer, len, a);
    return cg_sec_id64(s, 'i', a, sizeof a);
}

uint64_t cg_sec_client_of(cg_sec *s, int reader, const cg_http_request *h,
                          const struct sockaddr *peer, socklen_t peer_len)
{
    sec_policy *p = cg_sec_enter(s, reader);
    uint64_t id = 0;
    int presented;
    if (h && authenticate(s, p, h, &id, &presented) == CG_SEC_NONE) id = 0;
    if (!id) id = ip_id(s, p, h, peer, peer_len);
    cg_sec_leave(s, reader);
    return id;
}

/* The global GCRA bucket, lock-free (one CAS on its arrival time). */
static int global_take(cg_sec *s, uint64_t now, uint32_t *retry_s)
{
    uint64_t t = atomic_load_explicit(&s->g_interval, memory_order_relaxed);
    uint64_t tau = atomic_load_explicit(&s->g_tolerance, memory_order_relaxed);
    uint64_t tat = atomic_load_explicit(&s->g_tat, memory_order_relaxed);
    for (;;) {
        uint64_t base = tat > now ? tat : now;
        if (base - now > tau) {
            uint64_t wait = base - now - tau;
            *retry_s = (uint32_t)CG_MAX(1, CG_MIN((wait + 999999999ull) / 1000000000ull, 86400));
            return 0;
        }
        if (atomic_compare_exchange_weak_explicit(&s->g_tat, &tat, base + t, memory_order_relaxed,
                                                  memory_order_relaxed))
            return 1;
    }
}

static void verdict(cg_sec_verdict *v, int status, int err, const char *msg)
{
    v->status = status;
    v->err = err;
    v->msg = msg;
}

static void count(cg_sec *s, int reader, int metric)
{
    if (s->m) cg_metrics_add(s->m, reader, metric, 1);
}

static int rate_check(cg_sec *s, int reader, uint64_t client, cg_sec_verdict *v)
{
    uint32_t retry = 0;
    uint64_t now = cg_time_mono_ns();
    if (global_take(s, now, &retry) && cg_ratelimit_take(s->clients, client, now, &retry)) return 0;
    verdict(v, 429, CG_ERATE, "rate limit exceeded; retry after the time in Retry-After");
    snprintf(v->headers, sizeof v->headers, "Retry-After: %u\r\n", retry);
    count(s, reader, s->metric_rate);
    return 1;
}

static int auth_enforce(cg_sec *s, int reader, const sec_policy *p, const cg_sec_input *in, int cls,
                        int presented, cg_sec_verdict *v)
{
    int need = CG_SEC_NONE;
    if (in->access == CG_ROUTE_ADMIN && p->admin_required) need = CG_SEC_ADMIN;
    if ((in->access == CG_ROUTE_USER || in->metrics) && p->user_required) need = CG_SEC_USER;
    if (cls >= need) return 0;
    if (cls == CG_SEC_NONE) {
        verdict(v, 401, CG_EAUTH,
                presented ? "invalid credentials" : "authentication required: send the API key");
        snprintf(v->headers, sizeof v->headers, "WWW-Authenticate: Bearer%s\r\n",
                 presented ? " error=\"invalid_token\"" : "");
        count(s, reader, s->metric_auth);
    } else {
        verdict(v, 403, CG_EAUTH, "this endpoint needs an admin credential");
        count(s, reader, s->metric_forbidden);
    }
    return 1;
}

void cg_sec_check(cg_sec *s, int reader, const cg_sec_input *in, cg_sec_reqinfo *info,
                  cg_sec_verdict *v)
{
    memset(v, 0, sizeof *v);
    sec_policy *p = cg_sec_enter(s, reader);
    cg_sec_cors_actual(p, in->http, info->hdrs, sizeof info->hdrs);
    int presented = 0;
    uint64_t id = 0;
    int open = in->access == CG_ROUTE_OPEN && !(in->metrics && !p->public_metrics);
    if (open) goto memory; /* the hot probe path: no credential, no client id, no limits */
    info->cls = authenticate(s, p, in->http, &id, &presented);
    info->client = info->cls != CG_SEC_NONE ? id : ip_id(s, p, in->http, in->peer, in->peer_len);
    if (p->rate_on && rate_check(s, reader, info->client, v)) goto done;
    if (auth_enforce(s, reader, p, in, info->cls, presented, v)) goto done;
memory:
    if (in->write && cg_sec_memory_pressure(s)) {
        verdict(v, 503, CG_ENOMEM, "memory pressure: writes and indexing are paused");
        snprintf(v->headers, sizeof v->headers, "Retry-After: %d\r\n", GATE_RETRY_MEMORY_S);
        count(s, reader, s->metric_memory);
    }
done:
    cg_sec_leave(s, reader);
}
