/*
 * jwt.c — HS256 JSON Web Token verification (RFC 7519 / RFC 7515 compact form).
 *
 * The algorithm is pinned: the header must say exactly "HS256" — tokens claiming "none",
 * another HMAC size or an asymmetric algorithm are refused before any key is used, which
 * closes the classic algorithm-confusion attacks. The signature is compared in constant
 * time before the payload is parsed. "exp" is required (a token without an expiry would
 * live forever); "nbf" is honoured when present. No clock leeway: servers and issuers are
 * expected to run NTP.
 */
#include <jansson.h>
#include <string.h>

#include "codegraph/base.h"
#include "codegraph/security.h"

#define JWT_PART_MAX 3072 /* decoded bytes of the header or payload */

/* Decode one base64url part and parse it as a JSON object; NULL when it is not one. */
static json_t *part_json(const char *p, size_t n)
{
    uint8_t buf[JWT_PART_MAX];
    int len = cg_base64url_decode(p, n, buf, sizeof buf);
    if (len <= 0) return NULL;
    json_error_t je;
    json_t *j = json_loadb((const char *)buf, (size_t)len, JSON_REJECT_DUPLICATES, &je);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* An integral NumericDate claim; 1 when present and valid, 0 absent, -1 malformed. */
static int claim_time(json_t *o, const char *name, int64_t *out)
{
    json_t *v = json_object_get(o, name);
    if (!v) return 0;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v) && json_real_value(v) > -9e15 && json_real_value(v) < 9e15) {
        *out = (int64_t)json_real_value(v);
        return 1;
    }
    return -1;
}

static int scope_has_admin(const char *s)
{
    size_t n = strlen("admin");
    for (const char *p = s; (p = strstr(p, "admin")) != NULL; p += n)
        if ((p == s || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ')) return 1;
    return 0;
}

static uint64_t hash64(const void *p, size_t n)
{
    uint8_t h[CG_SHA256_LEN];
    uint64_t v = 0;
    cg_sha256(p, n, h);
    for (int i = 0; i < 8; i++) v = v << 8 | h[i];
    return v | 1; /* never 0: 0 means "no client" */
}

static int claims_read(json_t *pl, int64_t now_s, const char *tok, size_t sig_at, cg_jwt_claims *c)
{
    int64_t nbf = 0;
    if (claim_time(pl, "exp", &c->exp) != 1 || c->exp <= now_s) return CG_EAUTH;
    int r = claim_time(pl, "nbf", &nbf);
    if (r < 0 || (r == 1 && nbf > now_s)) return CG_EAUTH;
    json_t *role = json_object_get(pl, "role"), *scope = json_object_get(pl, "scope");
    c->admin = (json_is_string(role) && strcmp(json_string_value(role), "admin") == 0) ||
               (json_is_string(scope) && scope_has_admin(json_string_value(scope)));
    json_t *sub = json_object_get(pl, "sub");
    if (json_is_string(sub))
        c->subject = hash64(json_string_value(sub), json_string_length(sub));
    else
        c->subject = hash64(tok + sig_at, strlen(tok + sig_at));
    return 0;
}

int cg_jwt_verify_hs256(const char *tok, size_t n, const void *secret, size_t sn, int64_t now_s,
                        cg_jwt_claims *claims)
{
    char copy[CG_JWT_MAX + 1];
    if (n == 0 || n > CG_JWT_MAX || sn == 0) return CG_EAUTH;
    memcpy(copy, tok, n);
    copy[n] = 0;
    if (strlen(copy) != n) return CG_EAUTH; /* NUL inside */
    const char *d1 = memchr(copy, '.', n),
               *d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - copy)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - copy))) return CG_EAUTH;
    size_t hl = (size_t)(d1 - copy), pl = (size_t)(d2 - d1 - 1), sl = n - (size_t)(d2 + 1 - copy);
    uint8_t sig[CG_SHA256_LEN + 1], mac[CG_SHA256_LEN];
    if (cg_base64url_decode(d2 + 1, sl, sig, sizeof sig) != CG_SHA256_LEN) return CG_EAUTH;
    json_t *hdr = part_json(copy, hl);
    json_t *alg = hdr ? json_object_get(hdr, "alg") : NULL;
    int ok = json_is_string(alg) && strcmp(json_string_value(alg), "HS256") == 0 &&
             !json_object_get(hdr, "crit");
    json_decref(hdr);
    if (!ok) return CG_EAUTH;
    cg_hmac_sha256(secret, sn, copy, (size_t)(d2 - copy), mac);
    if (!cg_sec_ct_equal(mac, sig, CG_SHA256_LEN)) return CG_EAUTH;
    json_t *payload = part_json(d1 + 1, pl);
    if (!payload) return CG_EAUTH;
    memset(claims, 0, sizeof *claims);
    int rc = claims_read(payload, now_s, copy, (size_t)(d2 + 1 - copy), claims);
    json_decref(payload);
    return rc;
}
