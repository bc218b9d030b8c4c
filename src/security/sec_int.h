/*
 * sec_int.h — private to src/security: the policy object and the reader protocol that
 * lets reactors use it without locks while SIGHUP swaps it (see sec.c DESIGN).
 */
#ifndef CODEGRAPH_SEC_INT_H
#define CODEGRAPH_SEC_INT_H

#include <stdatomic.h>

#include "codegraph/security.h"

#define SEC_KEYS_MAX CG_CONFIG_LIST_MAX /* keys of one class */
#define SEC_READERS_MAX 1024            /* gate callers (reactors) */

typedef uint8_t sec_hash[CG_SHA256_LEN];

/* Everything SIGHUP may change, immutable once published. */
typedef struct sec_policy {
    int user_required, admin_required;
    char *header, *prefix;
    size_t prefix_len;
    sec_hash *user_keys, *admin_keys; /* HMAC(salt, key): the keys themselves are not kept */
    int n_user, n_admin;
    int jwt_enabled;
    int64_t jwt_lifetime_max_s; /* a token valid further ahead than this is refused */
    uint8_t *jwt_secret;
    size_t jwt_secret_len;
    int rate_on, public_metrics;
    cg_iplist allow, block, proxies;
    int cors_on, cors_any; /* any = "*" or development.cors_permissive: no credentials */
    char **origins;
    int n_origins;
    char *cors_methods, *cors_headers; /* ", "-joined for the preflight answer */
    int cors_max_age;
} sec_policy;

/* One reader slot per cache line: the epoch a reader entered with, 0 when outside. */
typedef struct sec_reader {
    _Atomic uint64_t active;
    char pad[64 - sizeof(uint64_t)];
} sec_reader;

struct cg_sec {
    _Atomic(sec_policy *) cur;
    _Atomic uint64_t epoch;
    int n_readers;
    sec_reader *readers;
    uint8_t salt[32]; /* per-process HMAC key for key hashes and client ids */
    cg_ratelimit *clients;
    _Atomic uint64_t g_tat, g_interval, g_tolerance; /* the global GCRA bucket */
    _Atomic uint64_t mem_limit, rss;
    _Atomic int pressure;
    uint64_t last_sample_ns;
    struct cg_metrics *m;
    int metric_auth, metric_forbidden, metric_rate, metric_ip, metric_memory;
};

sec_policy *cg_sec_enter(cg_sec *s, int reader);
void cg_sec_leave(cg_sec *s, int reader);
/** 64 bits of HMAC(salt, tag || data), never 0. */
uint64_t cg_sec_id64(const cg_sec *s, char tag, const void *p, size_t n);
/** CORS headers for an actual request with an Origin (policy p) into out. */
void cg_sec_cors_actual(const sec_policy *p, const cg_http_request *h, char *out, size_t cap);
/** Build the CORS part of a policy from the config. 0 or CG_ENOMEM. */
int cg_sec_cors_build(sec_policy *p, const cg_config *c);
void cg_sec_cors_free(sec_policy *p);

#endif
