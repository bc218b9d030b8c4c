"""test_http_smuggling.py — request-smuggling and framing attacks against the real server.

Proves: every ambiguous or malformed framing the parser documents in
include/codegraph/http.h is rejected with its exact status — CL.TE, TE.CL, TE.TE
variants, duplicate / list / signed / hex / overflowing Content-Length, bad chunk sizes
and chunk framing, bare CR, bare LF, whitespace before a colon, obs-fold, NUL and other
control bytes are 400; a well-formed but unknown transfer coding is 501; an HTTP
version other than 1.0/1.1 is 505 — and that after the answer the connection is closed
(recv returns EOF), so nothing after the bad request can be read as a second request.
Each case is sent whole and again one byte at a time: the verdict never depends on how
the bytes arrive. Control cases show that the legal spellings next to each attack are
accepted and keep the connection usable.
"""

import unittest

from harness import ServerTest, build_request

P = b"POST /health HTTP/1.1\r\nHost: x\r\n"
G = b"GET /health HTTP/1.1\r\nHost: x\r\n"
TE = b"Transfer-Encoding: chunked\r\n"

# (name, request bytes, expected status)
CASES = [
    # CL.TE / TE.CL: both framings present
    ("cl_te", P + b"Content-Length: 6\r\n" + TE + b"\r\n0\r\n\r\nG", 400),
    ("te_cl", P + TE + b"Content-Length: 6\r\n\r\n0\r\n\r\nG", 400),
    ("te_cl_zero", P + TE + b"Content-Length: 0\r\n\r\n0\r\n\r\n", 400),
    # TE.TE: obfuscated or repeated Transfer-Encoding
    ("te_twice", P + TE + TE + b"\r\n0\r\n\r\n", 400),
    ("te_twice_other", P + TE + b"Transfer-Encoding: identity\r\n\r\n0\r\n\r\n", 400),
    ("te_list_twice", P + b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
    ("te_not_last", P + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    ("te_space_colon", P + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
    ("te_vtab", P + b"Transfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n", 400),
    ("te_param", P + b"Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", 400),
    ("te_empty", P + b"Transfer-Encoding: \r\n\r\n", 400),
    ("te_leading_comma", P + b"Transfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n", 400),
    ("te_quoted", P + b'Transfer-Encoding: "chunked"\r\n\r\n0\r\n\r\n', 400),
    ("te_obs_fold", P + b"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400),
    ("te_http10", b"POST /health HTTP/1.0\r\n" + TE + b"\r\n0\r\n\r\n", 400),
    ("te_unknown", P + b"Transfer-Encoding: xchunked\r\n\r\n", 501),
    ("te_gzip_chunked", P + b"Transfer-Encoding: gzip, chunked\r\n\r\n", 501),
    ("te_identity", P + b"Transfer-Encoding: identity\r\n\r\n", 501),
    # Content-Length
    ("cl_dup_same", P + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
    ("cl_dup_diff", P + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
    ("cl_list", P + b"Content-Length: 5, 5\r\n\r\nhello", 400),
    ("cl_plus", P + b"Content-Length: +5\r\n\r\nhello", 400),
    ("cl_minus", P + b"Content-Length: -5\r\n\r\nhello", 400),
    ("cl_inner_space", P + b"Content-Length: 5 5\r\n\r\nhello", 400),
    ("cl_hex", P + b"Content-Length: 0x5\r\n\r\nhello", 400),
    ("cl_empty", P + b"Content-Length: \r\n\r\n", 400),
    ("cl_overflow", P + b"Content-Length: 99999999999999999999999\r\n\r\n", 400),
    ("cl_space_colon", P + b"Content-Length : 5\r\n\r\nhello", 400),
    # chunk sizes and chunk framing (the head is valid; the body is not)
    ("chunk_nonhex", P + TE + b"\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
    ("chunk_negative", P + TE + b"\r\n-1\r\nhello\r\n0\r\n\r\n", 400),
    ("chunk_0x", P + TE + b"\r\n0x5\r\nhello\r\n0\r\n\r\n", 400),
    ("chunk_17_digits", P + TE + b"\r\n00000000000000005\r\nhello\r\n0\r\n\r\n", 400),
    ("chunk_empty_size", P + TE + b"\r\n\r\nhello\r\n0\r\n\r\n", 400),
    ("chunk_ws_no_ext", P + TE + b"\r\n5 \r\nhello\r\n0\r\n\r\n", 400),
    ("chunk_data_too_long", P + TE + b"\r\n5\r\nhelloXX\r\n0\r\n\r\n", 400),
    ("chunk_bare_lf_size", P + TE + b"\r\n5\nhello\r\n0\r\n\r\n", 400),
    ("chunk_bare_lf_data", P + TE + b"\r\n5\r\nhello\n0\r\n\r\n", 400),
    ("chunk_bare_cr", P + TE + b"\r\n5\rhello\r\n0\r\n\r\n", 400),
    ("chunk_trailer_fold", P + TE + b"\r\n0\r\nX-T: a\r\n b\r\n\r\n", 400),
    # line endings
    ("bare_cr_request_line", b"GET /health HTTP/1.1\rHost: x\r\n\r\n", 400),
    ("bare_cr_value", G + b"X-A: a\rb\r\n\r\n", 400),
    ("bare_lf_all", b"GET /health HTTP/1.1\nHost: x\n\n", 400),
    ("bare_lf_one", b"GET /health HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n", 400),
    ("bare_lf_end", G + b"\n", 400),
    # field syntax
    ("space_before_colon", b"GET /health HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    ("tab_before_colon", G + b"X-A\t: b\r\n\r\n", 400),
    ("obs_fold", G + b"X-A: a\r\n b\r\n\r\n", 400),
    ("obs_fold_tab", G + b"X-A: a\r\n\tb\r\n\r\n", 400),
    ("first_field_folded", b"GET /health HTTP/1.1\r\n Host: x\r\n\r\n", 400),
    ("empty_name", G + b": x\r\n\r\n", 400),
    ("nul_value", G + b"X-A: a\x00b\r\n\r\n", 400),
    ("nul_name", G + b"X-\x00A: b\r\n\r\n", 400),
    ("ctl_value", G + b"X-A: a\x01b\r\n\r\n", 400),
    ("del_value", G + b"X-A: a\x7fb\r\n\r\n", 400),
    # request line and Host
    ("nul_target", b"GET /hea\x00lth HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("two_spaces", b"GET  /health HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("trailing_space", b"GET /health HTTP/1.1 \r\nHost: x\r\n\r\n", 400),
    ("lowercase_version", b"GET /health http/1.1\r\nHost: x\r\n\r\n", 400),
    ("no_host_11", b"GET /health HTTP/1.1\r\n\r\n", 400),
    ("two_hosts", G + b"Host: y\r\n\r\n", 400),
    ("host_space", b"GET /health HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    ("http2_version", b"GET /health HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    ("http09_version", b"GET /health HTTP/0.9\r\nHost: x\r\n\r\n", 505),
    # more mixed framings (added with the security work, issue 6)
    ("cl_te_upper", P + b"Content-Length: 6\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\nG", 400),
    ("te_cl_dup_cl", P + TE + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
    ("cl_fold_dup", P + b"Content-Length: 5\r\n Content-Length: 6\r\n\r\nhello", 400),
    ("te_nul", P + b"Transfer-Encoding: chunked\x00\r\n\r\n0\r\n\r\n", 400),
    ("chunk_ext_bare_cr", P + TE + b"\r\n5;a=b\rc\r\nhello\r\n0\r\n\r\n", 400),
    ("chunk_missing_crlf", P + TE + b"\r\n5\r\nhello0\r\n\r\n", 400),
]

# Legal spellings next to the attacks: accepted, framed right, connection kept.
CONTROLS = [
    ("te_upper", P + b"Transfer-Encoding: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 405),
    ("te_tab_ows", P + b"Transfer-Encoding:\tchunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 405),
    ("cl_ows", P + b"Content-Length:   5  \r\n\r\nhello", 405),
    ("cl_leading_zeros", P + b"Content-Length: 005\r\n\r\nhello", 405),
    ("chunk_ext", P + TE + b'\r\n5 ;a=b ; c="d"\r\nhello\r\n0\r\n\r\n', 405),
    ("chunk_upper_hex", P + TE + b"\r\nA\r\n0123456789\r\n0\r\n\r\n", 405),
    ("leading_empty_line", b"\r\n" + G + b"\r\n", 200),
    ("header_case", b"GET /health HTTP/1.1\r\nhOsT: x\r\ncontent-LENGTH: 0\r\n\r\n", 200),
    ("http10_no_host", b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200),
]


class Smuggling(ServerTest):

    def check_rejected(self, name, data, status, bytewise):
        with self.conn() as c:
            if bytewise:
                c.send_bytewise(data, sleep_s=0.0005)
            else:
                c.send(data)
            r = c.read_response(timeout=3)
            self.assertEqual(r.status, status, "%s: %r" % (name, r))
            self.assertEqual((r.header("connection") or "").lower(), "close", r)
            self.assertErrorBody(r, "CG011" if status == 400 else None)
            self.assertTrue(c.is_closed(3), "%s: connection left open" % name)

    def test_rejected_whole(self):
        for name, data, status in CASES:
            with self.subTest(case=name):
                self.check_rejected(name, data, status, False)

    def test_rejected_bytewise(self):
        for name, data, status in CASES:
            with self.subTest(case=name):
                self.check_rejected(name, data, status, True)

    def test_smuggled_request_never_answered(self):
        """CL.TE with a complete second request hidden in the body: one 400, then EOF."""
        hidden = build_request("GET", "/ready", [("X-Request-Id", "smuggled")])
        body = b"0\r\n\r\n" + hidden
        data = P + b"Content-Length: %d\r\n" % len(body) + TE + b"\r\n" + body
        with self.conn() as c:
            c.send(data)
            r = c.read_response(timeout=3)
            self.assertEqual(r.status, 400, r)
            rest = c.read_until_close(3)
            self.assertNotIn(b"smuggled", rest)
            self.assertEqual(rest, b"")

    def test_controls_accepted(self):
        for name, data, status in CONTROLS:
            for bytewise in (False, True):
                with self.subTest(case=name, bytewise=bytewise), self.conn() as c:
                    if bytewise:
                        c.send_bytewise(data, sleep_s=0.0005, stop_on_reply=False)
                    else:
                        c.send(data)
                    r = c.read_response(timeout=3)
                    self.assertEqual(r.status, status, "%s: %r" % (name, r))
                    r2 = c.request("GET", "/health", headers={"X-Request-Id": "next"})
                    self.assertEqual((r2.status, r2.header("x-request-id")), (200, "next"))


if __name__ == "__main__":
    unittest.main()
