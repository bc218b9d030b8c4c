"""test_embed_providers.py — the HTTP embedding providers against a local fake service.

Proves, by running the real binary (`codegraph embed`, which builds the embedder exactly as
[vector] configures it) against fake_embed_server.py on 127.0.0.1:
  * each of the three shapes (OpenAI-compatible, Ollama, HF TEI) returns the vectors the
    fake computed for the texts sent, in input order (also when OpenAI's data[] comes back
    shuffled), L2-normalised when configured and raw when not, with the model id
    "<provider>:<model>" and the dimension recorded;
  * inputs are split into requests of embedding_batch_size;
  * 429 (Retry-After honoured) and 500 are retried and then succeed; a permanent 500 and a
    refused connection stop after embedding_retries + 1 attempts; a 4xx is not retried;
  * a wrong dimension, a wrong count, non-JSON, a non-number, a non-finite number, a
    repeated index each fail with CG005, one request, a message naming the problem, and no
    vector; a slow provider hits embedding_timeout (CG015);
  * calls from several threads at once share one embedder correctly; the health probe is
    one request, never retried;
  * chunked and close-delimited responses are read; https:// is refused as unsupported;
  * the API key is sent as a bearer token and never printed.
"""

import json
import math
import os
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_embed_server as fake  # noqa: E402
import harness  # noqa: E402

DIM = 8
TEXTS = ["def parse_args(argv): return argv[1:]", "class GraphStore", "ünïcode ✓ \"quoted\"\t"]


def l2(v):
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v] if n > 0 else v


class EmbedProviderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        harness.require_binary()
        cls.srv, cls.port = fake.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.shutdown()
        cls.srv.server_close()

    def setUp(self):
        req = urllib.request.Request("http://127.0.0.1:%d/_reset" % self.port, data=b"{}")
        urllib.request.urlopen(req, timeout=5).read()

    def log(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/_log" % self.port, timeout=5) as r:
            return json.loads(r.read())

    def embed(self, provider, mode, texts=TEXTS, dim=DIM, url=None, env=None, cli=(), **sets):
        """Run `codegraph embed`: (exit code, JSON output or None, stderr)."""
        cfg = {"embedding_provider": provider, "embedding_model": "test-model",
               "dimension": dim, "embedding_retries": 2, "embedding_timeout": "10s",
               "embedding_url": url if url is not None
               else "http://127.0.0.1:%d/m/%s/d/%d" % (self.port, mode, dim)}
        cfg.update(sets)
        args = ["embed"] + list(cli)
        for k, v in cfg.items():
            args += ["--set", "vector.%s=%s" % (k, v)]
        for t in texts:
            args += ["--text", t]
        rc, out, err = harness.run_cli(args, env=env, timeout=60)
        try:
            doc = json.loads(out) if out.strip() else None
        except ValueError:
            doc = None
        return rc, doc, err

    def assertVectors(self, doc, texts, normalized=True, dim=DIM):
        self.assertEqual(len(doc["vectors"]), len(texts))
        for got, text in zip(doc["vectors"], texts):
            want = fake.vector(text, dim)
            if normalized:
                want = l2(want)
            self.assertEqual(len(got), dim)
            for g, w in zip(got, want):
                self.assertAlmostEqual(g, w, delta=1e-6)

    def assertFails(self, rc, doc, err, code, *phrases):
        self.assertEqual(rc, 1, err)
        self.assertIsNotNone(doc, err)
        self.assertNotIn("vectors", doc)
        self.assertEqual(doc["error"]["code"], code, doc)
        for p in phrases:
            self.assertIn(p, doc["error"]["message"])
        self.assertIn(code, err)

    # ------------------------------------------------------------------ the three shapes

    def test_each_shape_returns_the_fakes_vectors(self):
        for provider, endpoint in (("openai", "/v1/embeddings"), ("ollama", "/api/embed"),
                                   ("tei", "/embed")):
            with self.subTest(provider=provider):
                self.setUp()
                rc, doc, err = self.embed(provider, "ok")
                self.assertEqual(rc, 0, err)
                self.assertEqual(doc["model"], provider + ":test-model")
                self.assertEqual(doc["dim"], DIM)
                self.assertTrue(doc["normalized"])
                self.assertVectors(doc, TEXTS)
                log = self.log()
                self.assertEqual(len(log), 1)
                self.assertTrue(log[0]["path"].endswith(endpoint), log[0]["path"])
                body = log[0]["body"]
                if provider == "tei":
                    self.assertEqual(body, {"inputs": TEXTS})
                else:
                    self.assertEqual(body, {"model": "test-model", "input": TEXTS})

    def test_raw_vectors_when_normalisation_is_off(self):
        rc, doc, err = self.embed("ollama", "ok", embedding_normalize="false")
        self.assertEqual(rc, 0, err)
        self.assertFalse(doc["normalized"])
        self.assertVectors(doc, TEXTS, normalized=False)

    def test_openai_rows_follow_index_not_position(self):
        rc, doc, err = self.embed("openai", "shuffled")
        self.assertEqual(rc, 0, err)
        self.assertVectors(doc, TEXTS)

    def test_chunked_and_close_delimited_responses(self):
        for mode in ("chunked", "closedelim"):
            with self.subTest(mode=mode):
                rc, doc, err = self.embed("tei", mode)
                self.assertEqual(rc, 0, err)
                self.assertVectors(doc, TEXTS)

    def test_empty_text_gets_a_zero_vector_without_a_request_slot(self):
        rc, doc, err = self.embed("ollama", "ok", texts=["alpha", "", "beta"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc["vectors"][1], [0] * DIM)
        self.assertVectors({"vectors": [doc["vectors"][0], doc["vectors"][2]]}, ["alpha", "beta"])
        self.assertEqual(self.log()[0]["body"]["input"], ["alpha", "beta"])

    # ------------------------------------------------------------------ batching

    def test_batches_of_embedding_batch_size(self):
        texts = ["text number %d" % i for i in range(10)]
        rc, doc, err = self.embed("openai", "ok", texts=texts, embedding_batch_size=3)
        self.assertEqual(rc, 0, err)
        self.assertVectors(doc, texts)
        sent = [e["body"]["input"] for e in self.log()]
        self.assertEqual([len(s) for s in sent], [3, 3, 3, 1])
        self.assertEqual(sum(sent, []), texts)

    def test_parallel_calls_share_one_embedder(self):
        texts = ["parallel text %d" % i for i in range(24)]
        rc, doc, err = self.embed("ollama", "ok", texts=texts, cli=["--threads", "4"],
                                  embedding_batch_size=2)
        self.assertEqual(rc, 0, err)
        self.assertVectors(doc, texts)
        log = self.log()
        self.assertEqual(len(log), 12)
        self.assertEqual(sorted(sum((e["body"]["input"] for e in log), [])), sorted(texts))
        self.assertEqual((doc["stats"]["calls"], doc["stats"]["requests"],
                          doc["stats"]["vectors"]), (4, 12, 24))

    def test_probe_is_one_request_without_retries(self):
        rc, doc, err = self.embed("tei", "ok", texts=[], cli=["--probe"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(doc["probe"], "ok")
        self.assertTrue(doc["stats"]["last_ok"])
        self.assertEqual([e["body"] for e in self.log()], [{"inputs": ["codegraph health probe"]}])
        self.setUp()
        rc, doc, err = self.embed("tei", "fail500", texts=[], cli=["--probe"],
                                  embedding_retries=3)
        self.assertFails(rc, doc, err, "CG005", "HTTP 500")
        self.assertFalse(doc["stats"]["last_ok"])
        self.assertEqual(len(self.log()), 1)

    # ------------------------------------------------------------------ retries

    def test_429_is_retried_after_retry_after(self):
        rc, doc, err = self.embed("ollama", "retry429")
        self.assertEqual(rc, 0, err)
        self.assertVectors(doc, TEXTS)
        log = self.log()
        self.assertEqual(len(log), 2)
        self.assertGreaterEqual(log[1]["time"] - log[0]["time"], 0.9)  # Retry-After: 1
        self.assertEqual(doc["stats"]["retries"], 1)
        self.assertEqual(doc["stats"]["requests"], 2)

    def test_500_once_is_retried(self):
        rc, doc, err = self.embed("tei", "fail500once")
        self.assertEqual(rc, 0, err)
        self.assertVectors(doc, TEXTS)
        self.assertEqual(len(self.log()), 2)
        self.assertIn("retrying", err)

    def test_permanent_500_stops_after_the_retry_limit(self):
        for retries in (0, 2):
            with self.subTest(retries=retries):
                self.setUp()
                rc, doc, err = self.embed("openai", "fail500", embedding_retries=retries)
                n = retries + 1
                self.assertFails(rc, doc, err, "CG005", "HTTP 500", "model exploded",
                                 "%d attempt" % n)
                self.assertEqual(len(self.log()), n)
                self.assertEqual(doc["stats"]["requests"], n)

    def test_retry_after_beyond_the_cap_fails_at_once(self):
        rc, doc, err = self.embed("ollama", "retrylong")
        self.assertFails(rc, doc, err, "CG005", "HTTP 429", "retry after 3600 s")
        self.assertEqual(len(self.log()), 1)

    def test_client_error_is_not_retried(self):
        rc, doc, err = self.embed("openai", "unauthorized")
        self.assertFails(rc, doc, err, "CG005", "HTTP 401", "invalid api key",
                         "embedding_api_key", "1 attempt")
        self.assertEqual(len(self.log()), 1)

    def test_refused_connection_is_retried_then_fails(self):
        url = "http://127.0.0.1:%d" % harness.free_port()
        rc, doc, err = self.embed("tei", "ok", url=url, embedding_retries=1)
        self.assertFails(rc, doc, err, "CG005", "cannot connect", "2 attempts")
        self.assertEqual(doc["stats"]["requests"], 2)

    def test_timeout_is_respected_and_retried(self):
        rc, doc, err = self.embed("ollama", "slow", embedding_timeout="300ms",
                                  embedding_retries=1)
        self.assertFails(rc, doc, err, "CG015", "timeout", "2 attempts")
        self.assertEqual(len(self.log()), 2)

    # ------------------------------------------------------------------ bad answers

    def test_each_bad_answer_is_cg005_without_vectors(self):
        cases = (("openai", "wrongdim", "9-dimensional vectors but [vector] dimension is 8"),
                 ("ollama", "wrongdim", "set dimension = 9"),
                 ("tei", "wrongcount", "returned 2 vectors for 3 inputs"),
                 ("openai", "wrongcount", "returned 2 vectors for 3 inputs"),
                 ("ollama", "garbage", "not valid JSON"),
                 ("tei", "nonnumeric", "non-numeric value in vector 0 at element 0"),
                 ("openai", "nonfinite", "non-finite"),
                 ("ollama", "nonfinite", "non-finite"),
                 ("openai", "badindex", "repeated or out-of-range index"))
        for provider, mode, phrase in cases:
            with self.subTest(provider=provider, mode=mode):
                self.setUp()
                rc, doc, err = self.embed(provider, mode)
                self.assertFails(rc, doc, err, "CG005", phrase, "1 attempt")
                self.assertEqual(len(self.log()), 1)  # a bad answer is not retried

    # ------------------------------------------------------------------ configuration

    def test_https_is_refused_as_unsupported(self):
        rc, doc, err = self.embed("openai", "ok", url="https://api.openai.com")
        self.assertEqual(rc, harness_exit_config(), err)
        self.assertIsNone(doc)
        self.assertIn("https:// is not supported", err)
        self.assertIn("no TLS library", err)

    def test_openai_needs_a_url(self):
        rc, _, err = self.embed("openai", "ok", url="")
        self.assertEqual(rc, harness_exit_config(), err)
        self.assertIn("needs embedding_url", err)

    def test_api_key_is_sent_and_never_printed(self):
        key = "sekret-KEY-4711"
        for mode in ("fail500", "echoauth"):  # echoauth: the server quotes the key back
            with self.subTest(mode=mode):
                self.setUp()
                rc, doc, err = self.embed("openai", mode, embedding_retries=1,
                                          env={"CODEGRAPH_VECTOR_EMBEDDING_API_KEY": key})
                self.assertFails(rc, doc, err, "CG005")
                self.assertEqual(self.log()[0]["authorization"], "Bearer " + key)
                self.assertNotIn(key, err)
                self.assertNotIn(key, json.dumps(doc))
        self.assertIn("rejected credentials: Bearer ***", doc["error"]["message"])

    def test_builtin_is_the_default(self):
        rc, out, err = harness.run_cli(["embed", "--text", "parse the arguments"])
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual(doc["model"], "builtin-hash-v1")
        self.assertEqual(doc["dim"], 768)
        self.assertNotIn("stats", doc)
        self.assertEqual(self.log(), [])


def harness_exit_config():
    return 78  # CG_EXIT_CONFIG (cli.h)


if __name__ == "__main__":
    unittest.main()
