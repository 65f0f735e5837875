"""query serve through the real binary on an ephemeral loopback port: every endpoint, every
error path, CORS, ETag/304, gzip, signals, and re-indexing under a stream of requests."""
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import INDEXER, QUERY, SiteTestCase, index, run  # noqa: E402

SOURDOUGH = "_posts/2019-11-30-sourdough-for-programmers.md"


class Service:
    """A running `query serve` on 127.0.0.1 with a free port."""

    def __init__(self, idx, *extra, env=None, listen="127.0.0.1:0", cwd=None):
        """idx None: the index is in `extra` (--shard, or a --config file). Requests go to
        127.0.0.1 whatever `listen` says (0.0.0.0:0: every address)."""
        index = ["--index", idx] if idx else []
        self.proc = subprocess.Popen([os.path.abspath(QUERY), "serve", *index, "--listen", listen, *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                     cwd=cwd)
        line = self.proc.stdout.readline()
        m = re.search(r"http://(?:127\.0\.0\.1|0\.0\.0\.0):(\d+)/", line)
        if not m:
            self.proc.kill()
            raise AssertionError("service did not start: " + line + self.proc.stderr.read())
        self.port = int(m.group(1))

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
        finally:
            conn.close()

    def get_json(self, path, headers=None):
        status, hdrs, data = self.request("GET", path, headers=headers)
        return status, hdrs, (json.loads(data) if data else None)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return self.proc.returncode


class HttpTestCase(SiteTestCase):
    def setUp(self):
        super().setUp()
        index(self.site, self.idx)
        self.svc = Service(self.idx, "--rate-limit", "0", "--cors-origin", "http://blog.example")

    def tearDown(self):
        self.svc.stop()
        super().tearDown()


def without_timing(j):
    j = dict(j)
    j.pop("took_ms", None)
    return j


class Endpoints(HttpTestCase):
    def test_search_get_equals_query_json(self):
        status, hdrs, body = self.svc.get_json("/api/search?q=sourdough&tag=cooking&per_page=5")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("application/json"))
        cli = json.loads(run([QUERY, "--index", self.idx, "--json", "--tag", "cooking", "--per-page", "5",
                              "sourdough"], check=0).stdout)
        self.assertEqual(without_timing(body), without_timing(cli))

    def test_search_post_with_json_body(self):
        payload = json.dumps({"q": "bread", "tag": ["cooking", "bread"], "per_page": 3, "sort": "-date"})
        status, _, data = self.svc.request("POST", "/api/search", body=payload,
                                           headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200)
        body = json.loads(data)
        get = self.svc.get_json("/api/search?q=bread&tag=cooking&tag=bread&per_page=3&sort=-date")[2]
        self.assertEqual(without_timing(body), without_timing(get))

    def test_continue_is_sent_before_the_body_is_read(self):
        # The connection layer holds small writes back until the answer is complete; the
        # interim "100 Continue" must still reach a client that waits for it before sending.
        import socket
        payload = json.dumps({"q": "bread"}).encode()
        with socket.create_connection(("127.0.0.1", self.svc.port), timeout=10) as s:
            s.sendall(b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Expect: 100-continue\r\nContent-Length: " + str(len(payload)).encode() +
                      b"\r\n\r\n")
            s.settimeout(3)
            interim = s.recv(100)
            self.assertTrue(interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n"), interim)
            s.sendall(payload)
            s.settimeout(10)
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += s.recv(65536)
            self.assertTrue(answer.startswith(b"HTTP/1.1 200 "), answer[:100])

    def test_answers_large_and_small_on_one_connection(self):
        # Answers whole, in order, on one keep-alive connection: large ones (sent as they
        # are written) and small ones (held until complete) alike.
        conn = http.client.HTTPConnection("127.0.0.1", self.svc.port, timeout=30)
        try:
            for path, expect in [("/api/search?q=bread&facets=true", 200), ("/healthz", 200),
                                 ("/api/search?q=", 200), ("/api/search?per_page=0", 400),
                                 ("/api/search?q=sourdough&facets=true", 200)]:
                conn.request("GET", path)
                r = conn.getresponse()
                data = r.read()
                self.assertEqual(r.status, expect, path)
                self.assertEqual(len(data), int(r.getheader("Content-Length")), path)
                json.loads(data)
        finally:
            conn.close()

    def test_suggest_related_posts(self):
        status, _, body = self.svc.get_json("/api/suggest?q=sourd")
        self.assertEqual(status, 200)
        self.assertEqual(body["completions"][0]["text"], "sourdough")
        status, _, data = self.svc.request("GET", "/api/suggest?q=sourd&format=opensearch")
        self.assertEqual(json.loads(data), ["sourd", ["sourdough"]])
        status, _, body = self.svc.get_json("/api/related/" + SOURDOUGH)
        self.assertEqual(status, 200)
        self.assertIn("Winter solstice bread", [h["title"] for h in body["hits"]])
        status, _, body = self.svc.get_json("/api/posts/" + urllib.parse.quote(SOURDOUGH))
        self.assertEqual(body["title"], "Sourdough for programmers")
        self.assertEqual(body["url"], "/kitchen/2019/11/30/sourdough-for-programmers/")

    def test_health_ready_metrics(self):
        self.assertEqual(self.svc.get_json("/healthz")[2], {"status": "ok"})
        status, _, body = self.svc.get_json("/readyz")
        self.assertEqual(status, 200)
        self.assertTrue(body["ready"])
        self.assertEqual(body["documents"], 50)
        self.assertEqual(body["schema_version"], 6)
        self.assertRegex(body["revision"], r"^gen-\d+:\d+:[0-9a-f]{8}$")
        self.svc.get_json("/api/search?q=x")
        # The access logger records a request just after its answer is sent.
        for _ in range(50):
            text = self.svc.request("GET", "/metrics")[2].decode()
            if 'route="search"' in text:
                break
            time.sleep(0.02)
        self.assertIn('postsearch_http_requests_total{route="search",status="200"}', text)
        self.assertIn("postsearch_http_request_duration_seconds_bucket", text)
        self.assertIn("postsearch_index_documents 50", text)
        self.assertIn("postsearch_index_age_seconds", text)
        self.assertIn("postsearch_index_reopens_total", text)

    def test_opensearch_and_atom(self):
        status, hdrs, data = self.svc.request("GET", "/opensearch.xml")
        self.assertEqual(status, 200)
        self.assertIn(f"http://127.0.0.1:{self.svc.port}/search?q={{searchTerms}}", data.decode())
        status, hdrs, data = self.svc.request("GET", "/search.atom?tag=cooking")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("application/atom+xml"))
        text = data.decode()
        dates = re.findall(r"<entry>.*?<updated>([^<]+)</updated>", text, re.S)
        self.assertGreater(len(dates), 3)
        self.assertEqual(dates, sorted(dates, reverse=True))

    def test_search_page_and_assets(self):
        status, hdrs, data = self.svc.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(b"/assets/postsearch.js", data)
        status, _, data = self.svc.request("GET", "/search?q=sourdough")
        self.assertIn(b"Sourdough</mark> for programmers", data)
        status, _, data = self.svc.request("GET", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
        self.assertEqual(status, 200)
        self.assertNotIn(b"<script>alert(1)", data)
        self.assertIn(b"&lt;script&gt;alert(1)", data)
        for name, ctype in (("postsearch.js", "text/javascript"), ("postsearch.css", "text/css")):
            status, hdrs, data = self.svc.request("GET", "/assets/" + name)
            self.assertEqual(status, 200)
            self.assertTrue(hdrs["content-type"].startswith(ctype))
        self.assertEqual(self.svc.request("GET", "/assets/nope.js")[0], 404)
        self.assertEqual(self.svc.request("GET", "/assets/..%2f..%2fetc%2fpasswd")[0], 404)


class Errors(HttpTestCase):
    def assert_error(self, status, body, code, expect_status, param=None):
        self.assertEqual(status, expect_status)
        self.assertEqual(body["error"]["code"], code)
        self.assertTrue(body["error"]["message"])
        self.assertEqual(body["error"]["param"], param)

    def test_bad_parameters_name_the_parameter(self):
        for path, param in (("/api/search?per_page=abc", "per_page"), ("/api/search?page=0", "page"),
                            ("/api/search?sort=up", "sort"), ("/api/search?after=soon", "after"),
                            ("/api/search?q=%ff%fe", "q"), ("/api/search?q=a&q=b", "q"),
                            ("/api/search?facets=maybe", "facets")):
            status, _, body = self.svc.get_json(path)
            self.assert_error(status, body, "bad_parameter", 400, param)
        status, _, data = self.svc.request("POST", "/api/search", body="{not json")
        self.assert_error(status, json.loads(data), "bad_parameter", 400, "body")
        status, _, data = self.svc.request("POST", "/api/search", body='{"bogus": 1}')
        self.assert_error(status, json.loads(data), "bad_parameter", 400, "bogus")

    def test_not_found_and_method(self):
        status, _, body = self.svc.get_json("/api/nothing")
        self.assert_error(status, body, "not_found", 404)
        status, _, body = self.svc.get_json("/api/posts/nope")
        self.assert_error(status, body, "not_found", 404, "id")
        status, hdrs, data = self.svc.request("DELETE", "/api/search")
        self.assert_error(status, json.loads(data), "method_not_allowed", 405)
        self.assertEqual(hdrs["allow"], "GET, HEAD, POST")
        status, _, data = self.svc.request("POST", "/healthz", body="x")
        self.assertEqual(status, 405)

    def test_oversized_requests(self):
        status, _, data = self.svc.request("POST", "/api/search", body="x" * (200 * 1024),
                                           headers={"Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertEqual(json.loads(data)["error"]["code"], "payload_too_large")
        status, _, data = self.svc.request("GET", "/api/search?q=" + "a" * 9000)
        self.assertEqual(status, 414)
        self.assertEqual(json.loads(data)["error"]["code"], "uri_too_long")

    def test_user_input_never_causes_500(self):
        for q in ["%22unbalanced", "((((", "AND%20OR%20NOT", "*", "%00", "a" * 4000, "tag:", "title:%22%22"]:
            status, _, _ = self.svc.request("GET", "/api/search?q=" + q)
            self.assertIn(status, (200, 400), msg=q[:30])


class Caching(HttpTestCase):
    def test_etag_and_304(self):
        status, hdrs, _ = self.svc.request("GET", "/api/search?q=bread")
        etag = hdrs["etag"]
        self.assertIn("max-age", hdrs["cache-control"])
        status, _, data = self.svc.request("GET", "/api/search?q=bread", headers={"If-None-Match": etag})
        self.assertEqual(status, 304)
        self.assertEqual(data, b"")
        other = self.svc.request("GET", "/api/search?q=cheese")[1]["etag"]
        self.assertNotEqual(other, etag)
        self.write("_posts/2025-11-03-more-bread.md", "---\ntitle: More bread\n---\nBread again.\n")
        index(self.site, self.idx)
        status, hdrs, _ = self.svc.request("GET", "/api/search?q=bread", headers={"If-None-Match": etag})
        self.assertEqual(status, 200)
        self.assertNotEqual(hdrs["etag"], etag)
        # An incremental run commits in place, a rebuild publishes a new generation: the
        # service reads its revision anew either way.
        for extra in ((), ("--rebuild",)):
            before = hdrs["etag"]
            self.write("_posts/2025-11-04-bread-%d.md" % len(extra), "---\ntitle: Bread\n---\nBread.\n")
            index(self.site, self.idx, *extra)
            status, hdrs, _ = self.svc.request("GET", "/api/search?q=bread", headers={"If-None-Match": before})
            self.assertEqual(status, 200, msg=extra)
            self.assertNotEqual(hdrs["etag"], before)

    def test_gzip_for_large_responses(self):
        status, hdrs, data = self.svc.request("GET", "/api/search?q=&tag=cooking&per_page=50",
                                              headers={"Accept-Encoding": "gzip"})
        self.assertEqual(hdrs.get("content-encoding"), "gzip")
        self.assertTrue(json.loads(gzip.decompress(data))["hits"])


class Cors(HttpTestCase):
    def test_allowed_origin(self):
        _, hdrs, _ = self.svc.request("GET", "/api/search?q=x", headers={"Origin": "http://blog.example"})
        self.assertEqual(hdrs["access-control-allow-origin"], "http://blog.example")
        status, hdrs, _ = self.svc.request("OPTIONS", "/api/search", headers={
            "Origin": "http://blog.example", "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 204)
        self.assertIn("POST", hdrs["access-control-allow-methods"])

    def test_other_origins_get_nothing(self):
        _, hdrs, _ = self.svc.request("GET", "/api/search?q=x", headers={"Origin": "http://evil.example"})
        self.assertNotIn("access-control-allow-origin", hdrs)
        status, _, data = self.svc.request("OPTIONS", "/api/search", headers={
            "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(data)["error"]["code"], "forbidden")


class Behaviour(SiteTestCase):
    def test_rate_limit_answers_429_with_retry_after(self):
        index(self.site, self.idx)
        svc = Service(self.idx, "--rate-limit", "0.2", "--rate-burst", "3")
        try:
            statuses = [svc.request("GET", "/healthz")[0] for _ in range(6)]
            self.assertEqual(statuses[:3], [200, 200, 200])
            self.assertIn(429, statuses[3:])
            status, hdrs, data = svc.request("GET", "/healthz")
            self.assertEqual(status, 429)
            self.assertGreaterEqual(int(hdrs["retry-after"]), 1)
            self.assertEqual(json.loads(data)["error"]["code"], "rate_limited")
        finally:
            svc.stop()

    def test_no_index_is_503_and_recovers(self):
        svc = Service(self.idx, "--rate-limit", "0")
        try:
            status, _, body = svc.get_json("/api/search?q=x")
            self.assertEqual(status, 503)
            self.assertEqual(body["error"]["code"], "index_unavailable")
            self.assertIn("indexer", body["error"]["message"])
            self.assertEqual(svc.get_json("/readyz")[0], 503)
            self.assertEqual(svc.get_json("/healthz")[0], 200)
            index(self.site, self.idx)
            self.assertEqual(svc.get_json("/readyz")[0], 200)
            self.assertEqual(svc.get_json("/api/search?q=sourdough")[2]["hits"][0]["id"], SOURDOUGH)
        finally:
            svc.stop()

    def test_sigterm_exits_cleanly(self):
        index(self.site, self.idx)
        svc = Service(self.idx)
        self.assertEqual(svc.stop(signal.SIGTERM), 0)
        svc = Service(self.idx)
        self.assertEqual(svc.stop(signal.SIGINT), 0)

    def test_sighup_reloads_the_config(self):
        # A reload applies the reloadable settings (CORS origins, the site's title) and
        # keeps the others (the body limit) as the service started with them.
        index(self.site, self.idx)
        cfg = os.path.join(self.tmp, "serve.yml")
        body = json.dumps({"q": "bread", "per_page": 1, "tag": ["x" * 50]})
        with open(cfg, "w") as f:
            f.write(f"index: {self.idx}\ncors_origins: [http://one.example]\nrate_limit: 0\n"
                    "site_title: Before\nmax_body_bytes: 65536\n")
        svc = Service(self.idx, "--config", cfg)
        try:
            hdrs = svc.request("GET", "/healthz", headers={"Origin": "http://two.example"})[1]
            self.assertNotIn("access-control-allow-origin", hdrs)
            self.assertIn(b"Before", svc.request("GET", "/opensearch.xml")[2])
            self.assertEqual(svc.request("POST", "/api/search", body=body,
                                         headers={"Content-Type": "application/json"})[0], 200)
            with open(cfg, "w") as f:
                f.write(f"index: {self.idx}\ncors_origins: [http://two.example]\nrate_limit: 0\n"
                        "site_title: After\nmax_body_bytes: 10\n")
            svc.proc.send_signal(signal.SIGHUP)
            deadline = time.time() + 10
            while time.time() < deadline:
                hdrs = svc.request("GET", "/healthz", headers={"Origin": "http://two.example"})[1]
                if "access-control-allow-origin" in hdrs:
                    break
                time.sleep(0.1)
            self.assertEqual(hdrs.get("access-control-allow-origin"), "http://two.example")
            self.assertIn(b"After", svc.request("GET", "/opensearch.xml")[2])
            self.assertEqual(svc.request("POST", "/api/search", body=body,
                                         headers={"Content-Type": "application/json"})[0], 200)
        finally:
            svc.stop()

    def test_the_post_cache_changes_no_answer(self):
        # Decoded posts kept (default), none kept, and a budget so small that posts are
        # dropped all the time: the same answers, asked twice (the second time from the cache).
        index(self.site, self.idx)
        cfg = os.path.join(self.tmp, "small-cache.yml")
        with open(cfg, "w") as f:
            f.write(f"index: {self.idx}\npost_cache_mb: 1\n")
        queries = ["/api/search?q=bread", "/api/search?q=mountain&per_page=2&page=2",
                   "/api/search?q=water", "/api/search?q=bread"]
        answers = []
        for args in ([], ["--post-cache-mb", "0"], ["--config", cfg]):
            svc = Service(self.idx, "--rate-limit", "0", "-q", *args)
            try:
                got = []
                for q in queries * 2:
                    status, _, body = svc.get_json(q)
                    self.assertEqual(status, 200, q)
                    body.pop("took_ms")
                    got.append(body)
                answers.append(got)
            finally:
                svc.stop()
        self.assertTrue(any(a["hits"] for a in answers[0]))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0], answers[2])
        p = run([QUERY, "serve", "--index", self.idx, "--post-cache-mb", "-1"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--post-cache-mb", p.stderr)
        with open(cfg, "w") as f:
            f.write(f"index: {self.idx}\npost_cache_mb: lots\n")
        p = run([QUERY, "serve", "--config", cfg])
        self.assertEqual(p.returncode, 2)
        self.assertIn("small-cache.yml:2: post_cache_mb: bad value", p.stderr)

    def test_relative_paths_in_the_config_are_relative_to_the_file(self):
        # As the indexer reads its file: index, sites' indexes, web_dir and state_dir, wherever
        # the service starts.
        index(self.site, self.idx)
        conf_dir = os.path.join(self.tmp, "etc")
        os.makedirs(os.path.join(conf_dir, "web"))
        with open(os.path.join(conf_dir, "web", "postsearch.css"), "w") as f:
            f.write("/* from the config's folder */\n")
        for source in ["index: ../index\n", "sites:\n  - name: blog\n    index: ../index\n"]:
            with self.subTest(source=source.split(":")[0]):
                cfg = os.path.join(conf_dir, "serve.yml")
                with open(cfg, "w") as f:
                    f.write(source + "web_dir: web\nstate_dir: state\nrate_limit: 0\n")
                os.makedirs(os.path.join(conf_dir, "state"), exist_ok=True)
                svc = Service(None, "--config", cfg, "--analytics-flush-ms", "50", cwd="/")
                try:
                    status, _, body = svc.get_json("/api/search?q=sourdough")
                    self.assertEqual(status, 200, body)
                    self.assertEqual(body["hits"][0]["id"], SOURDOUGH)
                    self.assertIn(b"config's folder", svc.request("GET", "/assets/postsearch.css")[2])
                finally:
                    svc.stop()
                self.assertTrue(os.path.exists(os.path.join(conf_dir, "state", "analytics.sqlite")))

    def test_bad_config_and_listen_are_usage_errors(self):
        cfg = os.path.join(self.tmp, "bad.yml")
        with open(cfg, "w") as f:
            f.write("index: x\nthreads: many\n")
        p = run([QUERY, "serve", "--config", cfg])
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad.yml:2: threads: bad value", p.stderr)
        p = run([QUERY, "serve", "--index", self.idx, "--listen", "nonsense"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--listen", p.stderr)

    def test_caches_warmed_when_a_revision_opens(self):
        def metrics_until(svc, line):
            for _ in range(500):
                text = svc.request("GET", "/metrics")[2].decode()
                if line in text.splitlines():
                    return text
                time.sleep(0.02)
            self.fail(f"/metrics never showed {line!r}:\n{text}")

        index(self.site, self.idx)
        svc = Service(self.idx, "--rate-limit", "0")
        try:
            # Every post decoded at start, before any search asked for one.
            text = metrics_until(svc, "postsearch_warms_total 1")
            self.assertIn('postsearch_cache_entries{cache="posts"} 50', text.splitlines())
            self.assertRegex(text, r"postsearch_cache_bytes\{cache=\"posts\"\} [1-9]")
            self.assertRegex(text, r"postsearch_last_warm_seconds [0-9.e-]+")
            # A publish: the first search to see it wakes the warmer for the new revision.
            self.write("_posts/2025-12-01-warm.md", "---\ntitle: Warm\n---\nWarmword bread.\n")
            index(self.site, self.idx)
            self.assertEqual(len(svc.get_json("/api/search?q=warmword")[2]["hits"]), 1)
            text = metrics_until(svc, "postsearch_warms_total 2")
            self.assertIn('postsearch_cache_entries{cache="posts"} 51', text.splitlines())
        finally:
            svc.stop()
        svc = Service(self.idx, "--rate-limit", "0", "--no-warm")
        try:
            text = svc.request("GET", "/metrics")[2].decode().splitlines()
            self.assertIn("postsearch_warms_total 0", text)
            self.assertIn('postsearch_cache_entries{cache="posts"} 0', text)
            self.assertEqual(len(svc.get_json("/api/search?q=bread&per_page=3")[2]["hits"]), 3)
            metrics_until(svc, 'postsearch_cache_entries{cache="posts"} 3')
        finally:
            svc.stop()

    def test_thread_caches_bounded_unless_the_environment_says(self):
        def tunables(svc):
            with open(f"/proc/{svc.proc.pid}/environ", "rb") as f:
                env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
            return env.get(b"GLIBC_TUNABLES", b"").decode()

        index(self.site, self.idx)
        # (With other tunables set too, glibc's start-up parsing cuts the process's copy of
        # the variable at the first ':', so /proc cannot show the appended one.)
        cases = [({}, "glibc.malloc.tcache_count=1"),
                 ({"GLIBC_TUNABLES": "glibc.malloc.tcache_count=5"}, "glibc.malloc.tcache_count=5")]
        for extra, want in cases:
            env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
            svc = Service(self.idx, "--rate-limit", "0", env={**env, **extra})
            try:
                self.assertEqual(tunables(svc), want)  # the same process, started again
                self.assertEqual(svc.get_json("/api/search?q=bread&per_page=1")[0], 200)
            finally:
                svc.stop()

    def test_reindex_during_a_stream_of_requests(self):
        index(self.site, self.idx)
        svc = Service(self.idx, "--rate-limit", "0", "-q")
        failures, count, stop = [], [0], threading.Event()

        def hammer():
            while not stop.is_set():
                try:
                    status, _, data = svc.request("GET", "/api/search?q=bread&per_page=3")
                    if status != 200:
                        failures.append((status, data[:200]))
                    count[0] += 1
                except Exception as e:  # noqa: BLE001 - any failure counts
                    failures.append(repr(e))

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            for i in range(6):
                self.write(f"_posts/2025-11-1{i}-fresh-{i}.md", f"---\ntitle: Fresh {i}\n---\nNewword{i} bread.\n")
                extra = ("--rebuild",) if i % 2 else ()
                index(self.site, self.idx, *extra)
                time.sleep(0.2)
        finally:
            stop.set()
            for t in threads:
                t.join()
        try:
            self.assertEqual(failures, [])
            self.assertGreater(count[0], 50)
            for i in range(6):
                self.assertEqual(len(svc.get_json(f"/api/search?q=newword{i}")[2]["hits"]), 1)
        finally:
            svc.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
