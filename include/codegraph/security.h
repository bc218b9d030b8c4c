/*
 * security.h — who may talk to the server and how much: API keys and JWTs, route access
 * classes, rate limits, IP allow/block lists, CORS, and the memory-pressure gate.
 *
 * Pieces, bottom up:
 *   * SHA-256 and HMAC-SHA256 (ours, FIPS 180-4 / RFC 2104), constant-time comparison,
 *     base64url decoding — the primitives for key hashes and HS256 JWTs.
 *   * cg_ratelimit: GCRA token buckets in a fixed-size sharded table (bounded memory for
 *     any number of clients, no global lock). Exported so other layers (MCP) can apply
 *     their own limits with the same client identity.
 *   * cg_iplist: IPv4/IPv6 CIDR lists.
 *   * cg_sec: the policy built from [security], [server] cors_* and [performance]; swapped
 *     whole on SIGHUP (readers on reactor threads never lock; see security/sec.c DESIGN).
 *
 * Access classes (router.h): OPEN routes (/health, /ready, /metrics unless
 * security.public_metrics = false, the detailed health) need nothing and are never rate
 * limited; USER routes need a user or admin credential when security.api_key_required;
 * ADMIN routes (/api/v1/admin/...) need an admin credential when either
 * admin_api_key_required or api_key_required is set. Missing or wrong credential → 401 with
 * `WWW-Authenticate: Bearer`; a valid user credential on an admin route → 403. Both CG009.
 */
#ifndef CODEGRAPH_SECURITY_H
#define CODEGRAPH_SECURITY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "codegraph/config.h"
#include "codegraph/http.h"
#include "codegraph/router.h"

/* ------------------------------------------------------------------ primitives */

#define CG_SHA256_LEN 32
#define CG_SHA256_BLOCK 64

typedef struct cg_sha256_ctx {
    uint32_t h[8];
    uint64_t bytes; /**< message bytes so far */
    uint8_t buf[CG_SHA256_BLOCK];
    size_t n; /**< bytes in buf */
} cg_sha256_ctx;

void cg_sha256_init(cg_sha256_ctx *c);
void cg_sha256_update(cg_sha256_ctx *c, const void *p, size_t n);
void cg_sha256_final(cg_sha256_ctx *c, uint8_t out[CG_SHA256_LEN]);
/** One-shot SHA-256. */
void cg_sha256(const void *p, size_t n, uint8_t out[CG_SHA256_LEN]);
/** HMAC-SHA256 (RFC 2104); keys longer than a block are hashed first. */
void cg_hmac_sha256(const void *key, size_t kn, const void *msg, size_t mn,
                    uint8_t out[CG_SHA256_LEN]);
/** 1 when a[0..n) == b[0..n); time depends only on n. */
int cg_sec_ct_equal(const void *a, const void *b, size_t n);
/** Decode unpadded base64url (RFC 4648 §5) into out. Bytes written, or CG_EINVAL (bad
 *  character, impossible length, non-zero trailing bits) / CG_ELIMIT (cap too small). */
int cg_base64url_decode(const char *in, size_t n, uint8_t *out, size_t cap);

/* ------------------------------------------------------------------ JWT */

#define CG_JWT_MAX 4096 /* bytes of a token we look at (longer → invalid) */

typedef struct cg_jwt_claims {
    int64_t exp;      /**< expiry, seconds since the epoch (required) */
    int admin;        /**< "role":"admin" or "admin" in the space-separated "scope" */
    uint64_t subject; /**< 64 bits of a hash of "sub" (or of the token): the client id */
} cg_jwt_claims;

/**
 * Verify an HS256 JWT: exactly three base64url parts, header {"alg":"HS256"} (the algorithm
 * is pinned: "none", HS384, RS256 … are refused whatever the token says), signature equal in
 * constant time, "exp" present and > now_s, "nbf" (if present) <= now_s. 0 and *claims
 * filled, or CG_EAUTH.
 */
int cg_jwt_verify_hs256(const char *tok, size_t n, const void *secret, size_t sn, int64_t now_s,
                        cg_jwt_claims *claims);

/* ------------------------------------------------------------------ rate limiting */

/*
 * GCRA (a token bucket kept as one "theoretical arrival time" per client): `rate` requests
 * per `window_ms`, at most `burst` (>= 1) at once. The table has CG_RL_SHARDS x
 * CG_RL_SLOTS entries whatever the number of clients; a client that finds no slot in its
 * probe window evicts the entry closest to a full bucket (an idle one first), so eviction
 * can only ever give some client back at most one burst.
 */
#define CG_RL_SHARDS 64 /* independent locks (a spin flag each) */
#define CG_RL_SLOTS 256 /* entries per shard: 16384 clients tracked, 16 bytes each */
#define CG_RL_PROBE 8   /* slots looked at per lookup */

typedef struct cg_ratelimit cg_ratelimit;

int cg_ratelimit_create(cg_ratelimit **out, int64_t rate, int64_t window_ms, int64_t burst);
void cg_ratelimit_destroy(cg_ratelimit *rl);
/** Change rate/window/burst while in use (reload); entries keep their state. */
void cg_ratelimit_configure(cg_ratelimit *rl, int64_t rate, int64_t window_ms, int64_t burst);
/** Take one token for `client` at `now_ns` (monotonic). 1 allowed; 0 limited, with the
 *  seconds until a token is back in *retry_after_s (>= 1). Thread-safe. */
int cg_ratelimit_take(cg_ratelimit *rl, uint64_t client, uint64_t now_ns, uint32_t *retry_after_s);
/** Clients currently tracked (for tests and metrics). */
int cg_ratelimit_tracked(cg_ratelimit *rl);

/* ------------------------------------------------------------------ IP lists */

#define CG_IPLIST_MAX CG_CONFIG_LIST_MAX

typedef struct cg_cidr {
    uint8_t addr[16]; /**< IPv6, IPv4 as ::ffff:a.b.c.d */
    int bits;         /**< prefix length over the 128-bit form */
} cg_cidr;

typedef struct cg_iplist {
    cg_cidr *v;
    int n;
} cg_iplist;

/** Parse "10.0.0.0/8", "::1", "2001:db8::/32" items. 0 or CG_EINVAL (err names the item). */
int cg_iplist_parse(cg_iplist *l, const cg_strlist *items, char *err, size_t errlen);
void cg_iplist_release(cg_iplist *l);
/** 1 when the address (AF_INET or AF_INET6, v4-mapped handled) is in the list. */
int cg_iplist_match(const cg_iplist *l, const struct sockaddr *sa, socklen_t len);
/** 1 when the 16-byte address is in the list. */
int cg_iplist_match_ip(const cg_iplist *l, const uint8_t a[16]);
/** The 16-byte form of an address; 0 or CG_EINVAL (unknown family). */
int cg_ip_from_sockaddr(const struct sockaddr *sa, socklen_t len, uint8_t out[16]);
/** Parse a textual address ("1.2.3.4", "::1"); 0 or CG_EINVAL. */
int cg_ip_parse(const char *s, size_t n, uint8_t out[16]);

/* ------------------------------------------------------------------ the policy */

#define CG_SEC_HDRS_MAX 640      /* response header bytes one request may add (CORS) */
#define CG_SEC_ORIGIN_MAX 200    /* longest Origin we echo (longer: no CORS headers) */
#define CG_SEC_RSS_SAMPLE_MS 100 /* memory-pressure sampling period */

typedef enum { CG_SEC_NONE = 0, CG_SEC_USER = 1, CG_SEC_ADMIN = 2 } cg_sec_class;

/** Per-request outcome kept with the connection while the request is answered. */
typedef struct cg_sec_reqinfo {
    /** client identity: credential hash, else client IP hash (0 on OPEN routes) */
    uint64_t client;
    int cls;                    /**< cg_sec_class of a valid credential presented */
    char hdrs[CG_SEC_HDRS_MAX]; /**< extra "Name: v\r\n" lines for the answer (CORS) */
} cg_sec_reqinfo;

/** What the gate needs to know about one request. */
typedef struct cg_sec_input {
    const cg_http_request *http;
    const struct sockaddr *peer;
    socklen_t peer_len;
    cg_route_access access; /**< of the matched route */
    int write;              /**< changes state or starts work (503 under memory pressure) */
    int metrics;            /**< the metrics endpoint (open unless public_metrics = false) */
} cg_sec_input;

/** The gate's answer when a request must not reach its handler. */
typedef struct cg_sec_verdict {
    int status;       /**< 0 = go on; else 401, 403, 429, 503 */
    int err;          /**< CG_EAUTH, CG_ERATE, CG_ENOMEM */
    const char *msg;  /**< for the error body */
    char headers[96]; /**< WWW-Authenticate / Retry-After line(s) */
} cg_sec_verdict;

typedef struct cg_sec cg_sec;
struct cg_metrics;

/**
 * Build the policy from `c`. `n_readers` is the number of threads that call the gate
 * (reactors), each passing its index as `reader`. Refuses (CG_ECONFIG, reason in err) a
 * non-loopback server.host without an enforced credential unless
 * security.allow_unauthenticated_remote, bad CIDRs, and a JWT algorithm other than HS256.
 */
int cg_sec_create(cg_sec **out, const cg_config *c, int n_readers, char *err, size_t errlen);
void cg_sec_destroy(cg_sec *s);
/** Swap in a policy from a re-loaded config (main thread; SIGHUP). Keys, JWT secret,
 *  limits, lists and CORS change without a restart. On error the old policy stays. */
int cg_sec_reload(cg_sec *s, const cg_config *c, char *err, size_t errlen);
/** Register the security counters (codegraph_security_rejections_total{reason}). */
void cg_sec_metrics_attach(cg_sec *s, struct cg_metrics *m);
/** Accept-time filter: 1 when the peer may connect (allow list, then block list). */
int cg_sec_peer_allowed(cg_sec *s, int reader, const struct sockaddr *sa, socklen_t len);
/** Periodic work from the main thread: samples RSS every CG_SEC_RSS_SAMPLE_MS. */
void cg_sec_tick(cg_sec *s, uint64_t now_ns);
/** 1 while RSS is above max_memory_usage x memory_pressure_threshold. */
int cg_sec_memory_pressure(const cg_sec *s);
/** Last sampled RSS in bytes (0 before the first sample). */
uint64_t cg_sec_rss_bytes(const cg_sec *s);

/** Run the gate for a routed request: CORS headers into info->hdrs, credential check,
 *  rate limits, memory pressure. v->status == 0 means: call the handler. */
void cg_sec_check(cg_sec *s, int reader, const cg_sec_input *in, cg_sec_reqinfo *info,
                  cg_sec_verdict *v);
/** CORS headers for an answer that does not go through cg_sec_check (404, 405). */
void cg_sec_cors_headers(cg_sec *s, int reader, const cg_http_request *h, char *out, size_t cap);
/** CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) for a path whose
 *  methods are `allow`: the headers of the 204 into hdrs. 1 when it was a preflight. */
int cg_sec_preflight(cg_sec *s, int reader, const cg_http_request *h, unsigned allow, char *hdrs,
                     size_t cap);
/** The client identity of a request (credential hash, else the client's IP, honouring
 *  X-Forwarded-For / X-Real-IP only from security.trusted_proxies). */
uint64_t cg_sec_client_of(cg_sec *s, int reader, const cg_http_request *h,
                          const struct sockaddr *peer, socklen_t peer_len);

struct cg_req;
/** The client identity the gate settled on for this request (for other limiters, e.g.
 *  MCP's rate_limit: cg_ratelimit_take(own_limiter, cg_req_client_id(rq), …)); 0 on OPEN
 *  routes, which are never limited. */
uint64_t cg_req_client_id(const struct cg_req *rq);

#endif
