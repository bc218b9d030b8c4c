"""test_security.py — authentication, access classes, rate limits, IP lists, CORS and the
memory-pressure gate of the real server.

Proves:
  * Route table walk: every route the server has — read from GET /openapi.json when that
    endpoint exists and always from src/api/routes.c, so routes added by anyone are covered
    — is protected as its class says: only the explicit OPEN set answers without a
    credential; every other route answers 401 + `WWW-Authenticate: Bearer` (CG009) with no
    key and with a wrong key; /api/v1/admin/* answers 403 (CG009) to a valid user key and
    lets an admin key through. routes.c itself declares exactly these classes.
  * Keys come from the file, from CODEGRAPH_API_KEY and CODEGRAPH_ADMIN_API_KEY_FILE; they
    rotate with SIGHUP without a restart (old key 401, new key accepted); no key, and no
    Authorization value, ever appears in the logs (every request logged) or in /metrics.
  * HS256 JWTs signed by Python are accepted (an admin role reaches admin routes); expired,
    expiry-less, not-yet-valid, alg=none/HS512, wrongly signed tokens and tokens valid
    for longer than security.jwt_expiration are 401.
  * A non-loopback server.host without required credentials refuses to start and names
    security.allow_unauthenticated_remote; with that override, or with keys, it starts.
  * Rate limits: per client (burst, then 429 + Retry-After, CG017), clients independent
    (another key is served), OPEN routes never limited, X-Forwarded-For honoured only from
    security.trusted_proxies.
  * IP lists at accept time (IPv4, IPv6 and v4-mapped rules, on IPv4 and IPv6 listeners,
    and changed by SIGHUP): a blocked or not-allowed peer is closed without a byte; an
    allowed one is served.
  * CORS: allowed origins are echoed with Vary and credentials, others get nothing, a "*"
    list answers * without credentials, preflights are answered (without a credential even
    when keys are required) only for allowed origin/method/headers.
  * Memory pressure: above max_memory_usage x memory_pressure_threshold, POST/DELETE get
    503 + Retry-After (CG010) while GETs keep working; a SIGHUP raising the budget lifts it.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import signal
import time
import unittest

from harness import REPO, Conn, Server, ServerTest, StartError, base_config, merge

USER_KEY = "u-key-3f9d2c41a7b8e6d0"
ADMIN_KEY = "a-key-8c1e5b7f2d9a4036"
BAD_KEY = "u-key-3f9d2c41a7b8e6d1"
OPEN = {"/health", "/ready", "/metrics", "/api/v1/health", "/openapi.json"}
JWT_SECRET = "0123456789abcdef0123456789abcdef"


def bearer(k):
    return {"Authorization": "Bearer " + k}


def routes_from_source():
    """(method, template, access) from src/api/routes.c."""
    text = open(os.path.join(REPO, "src", "api", "routes.c")).read()
    out = []
    pat = re.compile(r'\{\s*([A-Z_|() ]+?),\s*"(/[^"]*)",\s*\w+,\s*(CG_ROUTE_\w+)', re.S)
    names = {"GET": "GET", "POST": "POST", "DEL": "DELETE", "DELETE": "DELETE", "PUT": "PUT",
             "PATCH": "PATCH"}
    for m in pat.finditer(text):
        for tok in re.findall(r"[A-Z]+", m.group(1)):
            tok = tok.replace("CG_HTTP_", "")
            if tok in names:
                out.append((names[tok], m.group(2), m.group(3)))
    return out


def routes_from_openapi(srv):
    r = srv.get("/openapi.json")
    if r.status != 200:
        return []
    out = []
    for path, ops in r.json().get("paths", {}).items():
        for method in ops:
            if method.upper() in ("GET", "POST", "DELETE", "PUT", "PATCH"):
                out.append((method.upper(), path))
    return out


def concrete(tmpl):
    return re.sub(r"\{[^}]+\}", "1", tmpl)


def expected_class(path):
    if path in OPEN:
        return "open"
    return "admin" if path.startswith("/api/v1/admin/") or path == "/api/v1/admin" else "user"


class RouteTableWalk(ServerTest):
    config = {"security": {"api_key_required": True, "api_keys": [USER_KEY],
                           "admin_api_key_required": True, "admin_api_keys": [ADMIN_KEY]},
              "development": {"log_requests": True}}

    def call(self, method, path, headers=None):
        with self.conn() as c:
            body = b"{}" if method in ("POST", "PUT", "PATCH") else None
            return c.request(method, path, headers=headers, body=body)

    def all_routes(self):
        seen = {(m, p) for m, p, _ in routes_from_source()}
        seen |= set(routes_from_openapi(self.server))
        self.assertGreater(len(seen), 10)
        return sorted(seen)

    def test_source_declares_the_expected_classes(self):
        want = {"open": "CG_ROUTE_OPEN", "user": "CG_ROUTE_USER", "admin": "CG_ROUTE_ADMIN"}
        for method, path, access in routes_from_source():
            with self.subTest(route=(method, path)):
                self.assertEqual(access, want[expected_class(path)])

    def test_no_route_unprotected(self):
        checked = 0
        for method, tmpl in self.all_routes():
            path, cls = concrete(tmpl), expected_class(tmpl)
            with self.subTest(route=(method, tmpl)):
                r = self.call(method, path)
                if cls == "open":
                    self.assertNotIn(r.status, (401, 403), r)
                    continue
                self.assertEqual(r.status, 401, r)
                self.assertEqual(r.header("www-authenticate"), "Bearer", r)
                self.assertErrorBody(r, "CG009")
                r = self.call(method, path, bearer(BAD_KEY))
                self.assertEqual(r.status, 401, r)
                self.assertIn("Bearer", r.header("www-authenticate"))
                r = self.call(method, path, {"Authorization": "Basic " + USER_KEY})
                self.assertEqual(r.status, 401, r)
                r = self.call(method, path, bearer(USER_KEY))
                if cls == "admin":
                    self.assertEqual(r.status, 403, r)
                    self.assertErrorBody(r, "CG009")
                else:
                    self.assertNotIn(r.status, (401, 403), r)
                r = self.call(method, path, bearer(ADMIN_KEY))
                self.assertNotIn(r.status, (401, 403), r)
                checked += 1
        self.assertGreater(checked, 5)

    def test_scheme_is_case_insensitive_and_prefix_required(self):
        self.assertEqual(self.server.get("/api/v1/projects",
                                         {"Authorization": "bearer " + USER_KEY}).status, 200)
        self.assertEqual(self.server.get("/api/v1/projects",
                                         {"Authorization": USER_KEY}).status, 401)

    def test_secrets_never_logged_or_exported(self):
        for k in (USER_KEY, BAD_KEY, ADMIN_KEY):
            self.server.get("/api/v1/projects", bearer(k))
            self.server.get("/metrics", bearer(k))
        m = self.server.get("/metrics")
        self.assertEqual(m.status, 200)
        self.assertIn(b"codegraph_security_rejections_total", m.body)
        time.sleep(0.3)
        logs = self.server.stdout() + self.server.stderr()
        self.assertIn("/api/v1/projects", logs)  # requests are logged...
        for secret in (USER_KEY, BAD_KEY, ADMIN_KEY, USER_KEY[6:]):
            self.assertNotIn(secret, logs)       # ...their credentials are not
            self.assertNotIn(secret.encode(), m.body)


class KeysFromEnvAndRotation(unittest.TestCase):

    def test_env_keys_and_sighup_rotation(self):
        import tempfile
        d = tempfile.mkdtemp(prefix="cg-sec-")
        keyfile = os.path.join(d, "admin.key")
        with open(keyfile, "w") as f:
            f.write(ADMIN_KEY + "\n")
        cfg = {"security": {"api_key_required": True, "api_keys": ["file-key-1234567"]}}
        srv = Server(cfg, env={"CODEGRAPH_API_KEY": "env-key-7654321",
                               "CODEGRAPH_ADMIN_API_KEY_FILE": keyfile})
        try:
            self.assertEqual(srv.get("/api/v1/projects", bearer("file-key-1234567")).status, 200)
            self.assertEqual(srv.get("/api/v1/projects", bearer("env-key-7654321")).status, 200)
            self.assertEqual(srv.get("/api/v1/projects", bearer(ADMIN_KEY)).status, 200)
            self.assertEqual(srv.get("/api/v1/projects").status, 401)
            # rotate: the config-file key and the key file's content are replaced
            srv.write_config(merge(base_config(srv.tmp),
                                   {"security": {"api_key_required": True,
                                                 "api_keys": ["file-key-ROTATED"]}}))
            with open(keyfile, "w") as f:
                f.write("admin-key-ROTATED\n")
            srv.signal(signal.SIGHUP)
            self.assertTrue(srv.wait_log(lambda e: e.get("message") == "configuration reloaded"))
            self.assertEqual(srv.get("/api/v1/projects", bearer("file-key-1234567")).status, 401)
            self.assertEqual(srv.get("/api/v1/projects", bearer("file-key-ROTATED")).status, 200)
            self.assertEqual(srv.get("/api/v1/projects", bearer("env-key-7654321")).status, 200)
            self.assertEqual(srv.get("/api/v1/projects", bearer(ADMIN_KEY)).status, 401)
            self.assertEqual(srv.get("/api/v1/projects", bearer("admin-key-ROTATED")).status, 200)
            # the same process served all of it
            self.assertIsNone(srv.proc.poll())
            logs = srv.stdout() + srv.stderr()
            for s in ("file-key-1234567", "file-key-ROTATED", "env-key-7654321", ADMIN_KEY,
                      "admin-key-ROTATED"):
                self.assertNotIn(s, logs)
        finally:
            srv.stop()


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt(payload, alg="HS256", secret=JWT_SECRET):
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(payload).encode())
    signing = (head + "." + body).encode()
    if alg == "none":
        return head + "." + body + "."
    sig = hmac.new(secret.encode(), signing, hashlib.sha256).digest()
    return head + "." + body + "." + b64(sig)


class Jwt(ServerTest):
    config = {"security": {"api_key_required": True, "jwt_enabled": True,
                           "jwt_secret": JWT_SECRET, "admin_api_key_required": True}}

    def status(self, path, token):
        return self.server.get(path, bearer(token)).status

    def test_tokens(self):
        far = int(time.time()) + 3600
        self.assertEqual(self.status("/api/v1/projects", jwt({"sub": "a", "exp": far})), 200)
        self.assertEqual(self.status("/api/v1/projects", jwt({"sub": "a"})), 401)  # no exp
        self.assertEqual(self.status("/api/v1/projects",
                                     jwt({"sub": "a", "exp": int(time.time()) - 5})), 401)
        self.assertEqual(self.status("/api/v1/projects",
                                     jwt({"sub": "a", "exp": far}, alg="none")), 401)
        self.assertEqual(self.status("/api/v1/projects",
                                     jwt({"sub": "a", "exp": far}, secret="x" * 32)), 401)
        self.assertEqual(self.status("/api/v1/projects",
                                     jwt({"sub": "a", "exp": far}, alg="HS512")), 401)
        self.assertEqual(self.status("/api/v1/projects",
                                     jwt({"sub": "a", "exp": far, "nbf": far})), 401)
        # valid for longer than security.jwt_expiration (24h by default): refused
        self.assertEqual(self.status("/api/v1/projects",
                                     jwt({"sub": "a", "exp": int(time.time()) + 3 * 86400})),
                         401)
        admin_paths = [p for m, p, _ in routes_from_source()
                       if m == "GET" and expected_class(p) == "admin"]
        for p in admin_paths[:3]:
            with self.subTest(path=p):
                self.assertEqual(self.status(concrete(p), jwt({"sub": "u", "exp": far})), 403)
                self.assertNotIn(self.status(concrete(p),
                                             jwt({"sub": "r", "exp": far, "role": "admin"})),
                                 (401, 403))


class RemoteBind(unittest.TestCase):

    def test_refused_without_credentials(self):
        with self.assertRaises(StartError) as cm:
            Server({"server": {"host": "0.0.0.0"}})
        out = cm.exception.stdout + cm.exception.stderr
        self.assertIn("allow_unauthenticated_remote", out)
        self.assertNotEqual(cm.exception.returncode, 0)

    def test_override_and_keys_start(self):
        for cfg in ({"server": {"host": "0.0.0.0"},
                     "security": {"allow_unauthenticated_remote": True}},
                    {"server": {"host": "0.0.0.0"},
                     "security": {"api_key_required": True, "api_keys": [USER_KEY]}}):
            with self.subTest(cfg=cfg):
                srv = Server(cfg)
                try:
                    self.assertEqual(srv.get("/health").status, 200)
                finally:
                    srv.stop()


class RateLimits(ServerTest):
    config = {"security": {"rate_limiting": True, "rate_limit_per_client": 2,
                           "rate_limit_burst": 3, "rate_limit_window": "1m",
                           "rate_limit_global": 100000, "trusted_proxies": ["127.0.0.1"],
                           "api_keys": [USER_KEY, ADMIN_KEY]}}

    def burst(self, headers, n=6):
        return [self.server.get("/api/v1/projects", headers).status for _ in range(n)]

    def test_per_client_burst_and_retry_after(self):
        h = {"X-Forwarded-For": "203.0.113.7"}
        self.assertEqual(self.burst(h), [200, 200, 200, 429, 429, 429])
        r = self.server.get("/api/v1/projects", h)
        self.assertEqual(r.status, 429)
        self.assertErrorBody(r, "CG017")
        self.assertGreaterEqual(int(r.header("retry-after")), 1)
        self.assertEqual(self.burst({"X-Forwarded-For": "203.0.113.8"}, 3), [200] * 3)
        self.assertEqual(self.burst(bearer(USER_KEY), 3), [200] * 3)  # a key is its own client
        for _ in range(20):
            self.assertEqual(self.server.get("/health", h).status, 200)

    def test_xff_rightmost_untrusted_and_real_ip(self):
        # "spoofed" on the left is what a client could write; the proxy appended 198.51.100.1
        a = {"X-Forwarded-For": "10.9.9.9, 198.51.100.1"}
        b = {"X-Forwarded-For": "10.9.9.10, 198.51.100.1"}
        self.assertEqual(self.burst(a, 3), [200] * 3)
        self.assertEqual(self.burst(b, 1), [429])
        self.assertEqual(self.burst({"X-Real-IP": "198.51.100.2"}, 4), [200] * 3 + [429])


class XffUntrusted(ServerTest):
    config = {"security": {"rate_limiting": True, "rate_limit_per_client": 1,
                           "rate_limit_burst": 2, "rate_limit_global": 100000}}

    def test_xff_ignored_without_trusted_proxies(self):
        got = [self.server.get("/api/v1/projects", {"X-Forwarded-For": "192.0.2.%d" % i}).status
               for i in range(4)]
        self.assertEqual(got, [200, 200, 429, 429])


class IpLists(unittest.TestCase):

    def closed_without_answer(self, srv, host="127.0.0.1"):
        c = Conn(srv.port, host=host)  # the kernel completes the handshake; we then close
        try:
            try:
                c.send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            except OSError:
                return True
            return c.is_closed(3)
        finally:
            c.close()

    def test_lists(self):
        for cfg, served in (({"ip_blocklist": ["127.0.0.0/8"]}, False),
                            ({"ip_allowlist": ["10.0.0.0/8", "::1"]}, False),
                            ({"ip_allowlist": ["127.0.0.1/32"], "ip_blocklist": ["10.0.0.0/8"]},
                             True),
                            ({"ip_allowlist": ["::ffff:127.0.0.0/104"]}, True)):
            with self.subTest(cfg=cfg):
                srv = Server({"security": cfg})
                try:
                    if served:
                        self.assertEqual(srv.get("/health").status, 200)
                    else:
                        self.assertTrue(self.closed_without_answer(srv))
                finally:
                    srv.stop()

    def test_ipv6_listener(self):
        for cfg, served in (({"ip_allowlist": ["::1/128"]}, True),
                            ({"ip_blocklist": ["::/0"]}, False)):
            with self.subTest(cfg=cfg):
                srv = Server({"server": {"host": "::1"}, "security": cfg})
                try:
                    if served:
                        with Conn(srv.port, host="::1") as c:
                            self.assertEqual(c.request("GET", "/health").status, 200)
                    else:
                        self.assertTrue(self.closed_without_answer(srv, "::1"))
                finally:
                    srv.stop()

    def test_lists_change_with_sighup(self):
        srv = Server({"security": {"ip_allowlist": ["127.0.0.1"]}})
        try:
            self.assertEqual(srv.get("/health").status, 200)
            srv.write_config(merge(base_config(srv.tmp),
                                   {"security": {"ip_blocklist": ["127.0.0.1"]}}))
            srv.signal(signal.SIGHUP)
            self.assertTrue(srv.wait_log(lambda e: e.get("message") == "configuration reloaded"))
            self.assertTrue(self.closed_without_answer(srv))
        finally:
            srv.stop()


class Cors(ServerTest):
    config = {"server": {"cors_enabled": True, "cors_origins": ["https://app.example"],
                         "cors_methods": ["GET", "POST"],
                         "cors_headers": ["Content-Type", "Authorization"]},
              "security": {"api_key_required": True, "api_keys": [USER_KEY]}}

    def test_actual_requests(self):
        r = self.server.get("/api/v1/projects",
                            dict(bearer(USER_KEY), Origin="https://app.example"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("access-control-allow-origin"), "https://app.example")
        self.assertEqual(r.header("access-control-allow-credentials"), "true")
        self.assertIn("Origin", r.header("vary"))
        r = self.server.get("/api/v1/projects", {"Origin": "https://app.example"})
        self.assertEqual(r.status, 401)  # errors carry CORS too, so browsers can read them
        self.assertEqual(r.header("access-control-allow-origin"), "https://app.example")
        r = self.server.get("/api/v1/projects", dict(bearer(USER_KEY), Origin="https://evil"))
        self.assertIsNone(r.header("access-control-allow-origin"))
        self.assertIsNone(r.header("access-control-allow-credentials"))

    def preflight(self, origin, method, headers=None):
        h = {"Origin": origin, "Access-Control-Request-Method": method}
        if headers:
            h["Access-Control-Request-Headers"] = headers
        with self.conn() as c:
            return c.request("OPTIONS", "/api/v1/projects", headers=h)

    def test_preflight(self):
        r = self.preflight("https://app.example", "POST", "content-type, authorization")
        self.assertEqual(r.status, 204)
        self.assertEqual(r.header("access-control-allow-origin"), "https://app.example")
        self.assertIn("POST", r.header("access-control-allow-methods"))
        self.assertIn("Authorization", r.header("access-control-allow-headers"))
        self.assertEqual(r.header("access-control-max-age"), "3600")
        for origin, method, hdrs in (("https://evil", "POST", None),
                                     ("https://app.example", "DELETE", None),
                                     ("https://app.example", "POST", "x-secret")):
            with self.subTest(origin=origin, method=method, hdrs=hdrs):
                r = self.preflight(origin, method, hdrs)
                self.assertEqual(r.status, 204)
                self.assertIsNone(r.header("access-control-allow-origin"))


class CorsWildcard(ServerTest):
    config = {"server": {"cors_enabled": True, "cors_origins": ["*"]}}

    def test_star_never_with_credentials(self):
        r = self.server.get("/api/v1/projects", {"Origin": "https://any.example"})
        self.assertEqual(r.header("access-control-allow-origin"), "*")
        self.assertIsNone(r.header("access-control-allow-credentials"))
        with self.conn() as c:
            r = c.request("OPTIONS", "/api/v1/projects",
                          headers={"Origin": "https://x", "Access-Control-Request-Method": "GET"})
        self.assertEqual(r.header("access-control-allow-origin"), "*")
        self.assertIsNone(r.header("access-control-allow-credentials"))


class MemoryPressure(unittest.TestCase):

    def test_writes_shed_reads_served(self):
        cfg = {"performance": {"max_memory_usage": "16MB", "memory_pressure_threshold": 0.01}}
        srv = Server(cfg)
        try:
            time.sleep(0.3)
            with srv.conn() as c:
                r = c.request("POST", "/api/v1/projects", body=b'{"path": "/nonexistent"}')
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.json()["error"]["code"], "CG010")
            self.assertGreaterEqual(int(r.header("retry-after")), 1)
            with srv.conn() as c:
                self.assertEqual(c.request("DELETE", "/api/v1/projects/1").status, 503)
            self.assertEqual(srv.get("/api/v1/projects").status, 200)
            self.assertEqual(srv.get("/health").status, 200)
            srv.write_config(merge(base_config(srv.tmp),
                                   {"performance": {"max_memory_usage": "64GB",
                                                    "memory_pressure_threshold": 0.9}}))
            srv.signal(signal.SIGHUP)
            self.assertTrue(srv.wait_log(lambda e: e.get("message") == "configuration reloaded"))
            time.sleep(0.3)
            with srv.conn() as c:
                r = c.request("POST", "/api/v1/projects", body=b'{"path": "/nonexistent"}')
            self.assertNotEqual(r.status, 503, r)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
