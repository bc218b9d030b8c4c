/*
 * test_crypto.c — proves our SHA-256, HMAC-SHA256, base64url and HS256 JWT verification
 * agree with Python's hashlib/hmac/base64: the FIPS 180-4 and RFC 4231 vectors, a digest
 * chained over every message length 0..299 (so each padding boundary is crossed) and an
 * HMAC chained over key lengths 0..150 (short, block-sized and hashed keys), all values
 * computed by Python 3 (commands in the comments). JWTs signed by Python verify; expired,
 * expiry-less, wrongly signed, "none", HS512-labelled and malformed tokens are refused.
 */
#include <stdio.h>
#include <string.h>

#include "cgtest.h"
#include "codegraph/base.h"
#include "codegraph/security.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void sha_hex(const void *p, size_t n, char out[65])
{
    uint8_t d[32];
    cg_sha256(p, n, d);
    hex(d, 32, out);
}

/* msg(n) = bytes((i*7+3) & 0xff for i in range(n)), as in the Python generator. */
static void msg(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) b[i] = (uint8_t)((i * 7 + 3) & 0xff);
}

CG_TEST(sha256_standard_vectors)
{
    char h[65];
    sha_hex("", 0, h);
    CG_CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_hex("abc", 3, h);
    CG_CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_hex(m448, strlen(m448), h);
    CG_CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a', fed in uneven pieces through the streaming API */
    cg_sha256_ctx c;
    uint8_t a[997], d[32];
    memset(a, 'a', sizeof a);
    cg_sha256_init(&c);
    size_t left = 1000000;
    for (size_t k = 1; left; k = k % 997 + 1) {
        size_t n = CG_MIN(k, left);
        cg_sha256_update(&c, a, n);
        left -= n;
    }
    cg_sha256_final(&c, d);
    hex(d, 32, h);
    CG_CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* python3: sha256(b"".join(sha256(msg(n)).digest() for n in range(300))).hexdigest() */
CG_TEST(sha256_every_length_matches_hashlib)
{
    static uint8_t all[300 * 32], m[300];
    for (size_t n = 0; n < 300; n++) {
        msg(m, n);
        cg_sha256(m, n, all + 32 * n);
    }
    char h[65];
    sha_hex(all, sizeof all, h);
    CG_CHECK_STR(h, "7b074096cabb18dd0d1b468a173cb2f97f80e952525bca29542e606fd6d0753a");
}

/* python3: sha256(b"".join(hmac.new(msg(k), msg(k*3 % 257), sha256).digest()
 *                          for k in range(151))).hexdigest() */
CG_TEST(hmac_matches_python_hmac)
{
    static uint8_t all[151 * 32], key[151], m[257];
    for (size_t k = 0; k <= 150; k++) {
        msg(key, k);
        msg(m, k * 3 % 257);
        cg_hmac_sha256(key, k, m, k * 3 % 257, all + 32 * k);
    }
    char h[65];
    sha_hex(all, sizeof all, h);
    CG_CHECK_STR(h, "5fcc8904ff2557f14e2cca6d05cbcee15cc2b7d10e5f1c8ce383d6dd659e9d6a");
    uint8_t d[32], k20[20], k131[131];
    memset(k20, 0x0b, sizeof k20);
    cg_hmac_sha256(k20, 20, "Hi There", 8, d);
    hex(d, 32, h);
    CG_CHECK_STR(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    cg_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
    hex(d, 32, h);
    CG_CHECK_STR(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(k131, 0xaa, sizeof k131);
    const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    cg_hmac_sha256(k131, 131, t6, strlen(t6), d);
    hex(d, 32, h);
    CG_CHECK_STR(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

CG_TEST(constant_time_equal)
{
    CG_CHECK(cg_sec_ct_equal("abcd", "abcd", 4));
    CG_CHECK(!cg_sec_ct_equal("abcd", "abce", 4));
    CG_CHECK(!cg_sec_ct_equal("xbcd", "abcd", 4));
    CG_CHECK(cg_sec_ct_equal("a", "b", 0));
}

/* python3: base64.urlsafe_b64encode(bytes(range(40))).rstrip(b"=") */
CG_TEST(base64url_decoding)
{
    uint8_t out[64];
    const char *e = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJw";
    CG_CHECK_EQ_INT(cg_base64url_decode(e, strlen(e), out, sizeof out), 40);
    int ok = 1;
    for (int i = 0; i < 40; i++) ok &= out[i] == i;
    CG_CHECK(ok);
    CG_CHECK_EQ_INT(cg_base64url_decode("", 0, out, sizeof out), 0);
    CG_CHECK_EQ_INT(cg_base64url_decode("QQ", 2, out, sizeof out), 1);
    CG_CHECK_EQ_INT(out[0], 'A');
    CG_CHECK_EQ_INT(cg_base64url_decode("QR", 2, out, sizeof out), CG_EINVAL);   /* stray bits */
    CG_CHECK_EQ_INT(cg_base64url_decode("QQ==", 4, out, sizeof out), CG_EINVAL); /* padding */
    CG_CHECK_EQ_INT(cg_base64url_decode("Q", 1, out, sizeof out), CG_EINVAL);
    CG_CHECK_EQ_INT(cg_base64url_decode("a+b/", 4, out, sizeof out), CG_EINVAL); /* not url */
    CG_CHECK_EQ_INT(cg_base64url_decode(e, strlen(e), out, 39), CG_ELIMIT);
}

#define SECRET "0123456789abcdef0123456789abcdef"
#define NOW 1700000000

/* Tokens made by Python: hmac.new(SECRET, b64(header) + "." + b64(payload), sha256). */
static const char *const alice =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0."
    "DvdDttFvdgTOXtC2L5P1zfs2bIMtiEwN3al4EAHYyf8";
static const char *const root =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyb290IiwiZXhwIjo0MTAyNDQ0ODAwLCJyb2xlIjoi"
    "YWRtaW4ifQ.lYK32XbtQ6ZwSEQwH6WTshzSkfD3FxG1qPTsx2bvKMI";

static int verify(const char *t, cg_jwt_claims *c)
{
    return cg_jwt_verify_hs256(t, strlen(t), SECRET, strlen(SECRET), NOW, c);
}

CG_TEST(jwt_python_tokens_verify)
{
    cg_jwt_claims a, r, a2;
    CG_CHECK_EQ_INT(verify(alice, &a), 0);
    CG_CHECK_EQ_INT(a.exp, 4102444800LL);
    CG_CHECK_EQ_INT(a.admin, 0);
    CG_CHECK_EQ_INT(verify(root, &r), 0);
    CG_CHECK_EQ_INT(r.admin, 1);
    CG_CHECK(a.subject != r.subject && a.subject != 0);
    CG_CHECK_EQ_INT(verify(alice, &a2), 0);
    CG_CHECK(a.subject == a2.subject);
    CG_CHECK_EQ_INT(
        cg_jwt_verify_hs256(alice, strlen(alice), "other-secret-other-secret-other!", 32, NOW, &a),
        CG_EAUTH);
}

CG_TEST(jwt_refusals)
{
    static const char *const bad[] = {
        /* expired (exp 1000) */
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJib2IiLCJleHAiOjEwMDB9."
        "ZzLpuabJwyq9BpBv0cfQ4_Gr1ol1i5A_aCkU8JBKCxE",
        /* no exp */
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYXJvbCJ9.lWSFThoxwhugKDjb7SRy_j9QhFWQyDgrr4vADQFFbrg",
        /* header says HS512 (signed with HS256 by the same secret): algorithm pinned */
        "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ4IiwiZXhwIjo0MTAyNDQ0ODAwfQ."
        "25gfQqC9UlEBk2dzqKdg2dsPCokfJaFNnfmB5NVGZ3U",
        /* alg none, empty signature */
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjo0MTAyNDQ0ODAwfQ.",
        "",
        "a.b",
        "a.b.c.d",
        "...",
    };
    cg_jwt_claims c;
    for (size_t i = 0; i < CG_ARRAY_LEN(bad); i++) {
        int rc = verify(bad[i], &c);
        if (rc != CG_EAUTH) fprintf(stderr, "  accepted bad token %zu\n", i);
        CG_CHECK_EQ_INT(rc, CG_EAUTH);
    }
    /* flip one bit anywhere in a valid token: always refused */
    char t[512];
    size_t n = strlen(alice);
    int refused = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(t, alice, n + 1);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        refused += verify(t, &c) == CG_EAUTH;
    }
    CG_CHECK_EQ_INT(refused, (int)n);
}

CG_TEST_MAIN()
