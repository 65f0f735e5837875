"""Links that work from anywhere, through the real `query serve`: the search page, Atom feeds,
OpenSearch and the JSON API link to the site where it is published (its _config.yml url +
baseurl, or the indexer's --site-url), the service's own links never come from the request's
Host header, and a refused CORS origin is logged once, naming the allow-list."""
import os
import re
import shutil
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE, SiteTestCase, index, query_json  # noqa: E402
from http_test import Service  # noqa: E402

SITE_URL = "https://blog.example.org/field"
EVIL = "evil.example"


def set_config(site, key, value):
    cfg = os.path.join(site, "_config.yml")
    with open(cfg) as f:
        text = f.read()
    text = re.sub(rf"^{key}:.*$", f'{key}: "{value}"', text, count=1, flags=re.M)
    with open(cfg, "w") as f:
        f.write(text)


class LinksToTheSite(SiteTestCase):
    def setUp(self):
        super().setUp()
        set_config(self.site, "url", "https://blog.example.org")
        set_config(self.site, "baseurl", "/field")
        index(self.site, self.idx)
        self.svc = Service(self.idx, "--rate-limit", "0", "--cors-origin", "http://127.0.0.1:4000")

    def tearDown(self):
        self.svc.stop()
        super().tearDown()

    def get(self, path, headers=None):
        status, hdrs, body = self.svc.request("GET", path, headers=headers)
        self.assertEqual(status, 200, body[:300])
        return hdrs, body.decode()

    def test_the_api_gives_each_hit_its_absolute_url(self):
        _, _, out = self.svc.get_json("/api/search?q=sourdough")
        self.assertTrue(out["hits"])
        for h in out["hits"]:
            self.assertTrue(h["url"].startswith("/field/"), h["url"])
            self.assertEqual(h["absolute_url"], "https://blog.example.org" + h["url"])
        self.assertEqual(query_json(self.idx, "--info")["site_url"], SITE_URL)

    def test_page_and_feed_link_to_the_site(self):
        _, page = self.get("/search?q=sourdough")
        post_links = re.findall(r'class="ps-title" href="([^"]+)"', page)
        self.assertTrue(post_links)
        for link in post_links:
            self.assertTrue(link.startswith(SITE_URL + "/"), link)
        _, feed = self.get("/search.atom?q=sourdough")
        entries = re.findall(r'<entry>.*?<link href="([^"]+)"', feed, re.S)
        self.assertTrue(entries)
        for link in entries:
            self.assertTrue(link.startswith(SITE_URL + "/"), link)

    def test_the_site_url_flag_wins_over_the_configuration(self):
        index(self.site, self.idx, "--site-url", "https://mirror.example.net/field")
        _, _, out = self.svc.get_json("/api/search?q=sourdough")
        self.assertTrue(out["hits"][0]["absolute_url"].startswith("https://mirror.example.net/field/"))

    def test_the_host_header_never_reaches_a_body(self):
        for path in ("/opensearch.xml", "/search.atom?q=sourdough", "/search?q=sourdough", "/",
                     "/api/search?q=sourdough", "/api/suggest?q=sour"):
            with self.subTest(path=path):
                hdrs, body = self.get(path, headers={"Host": EVIL})
                self.assertNotIn(EVIL, body)
                self.assertNotIn(EVIL, str(hdrs))
                # Bodies depend on Accept-Encoding (gzip) and CORS headers on Origin: both named.
                self.assertEqual(hdrs.get("vary"), "Origin, Accept-Encoding")
        _, hdrs, _ = self.svc.request("GET", "/api/search?q=sourdough&per_page=20",
                                      headers={"Accept-Encoding": "gzip"})
        self.assertEqual(hdrs.get("content-encoding"), "gzip")
        self.assertEqual(hdrs.get("vary"), "Origin, Accept-Encoding")
        _, plain = self.get("/opensearch.xml")
        _, evil = self.get("/opensearch.xml", headers={"Host": EVIL})
        self.assertEqual(plain, evil)
        self.assertIn(f'template="http://127.0.0.1:{self.svc.port}/search?q={{searchTerms}}"', plain)

    def test_opensearch_and_feed_self_links_use_the_public_url(self):
        svc = Service(self.idx, "--rate-limit", "0", "--public-url", "https://search.example.org/")
        try:
            _, _, body = svc.request("GET", "/opensearch.xml", headers={"Host": EVIL})
            body = body.decode()
            self.assertIn('template="https://search.example.org/search?q={searchTerms}"', body)
            self.assertIn('template="https://search.example.org/search.atom?q={searchTerms}"', body)
            _, _, feed = svc.request("GET", "/search.atom?q=sourdough", headers={"Host": EVIL})
            self.assertIn('<link rel="self" href="https://search.example.org/search.atom?q=sourdough"/>',
                          feed.decode())
            self.assertNotIn(EVIL, feed.decode())
        finally:
            svc.stop()

    def test_a_refused_origin_is_logged_once_with_the_allow_list(self):
        refused = "http://localhost:4000"
        for _ in range(3):
            _, hdrs, _ = self.svc.request("GET", "/api/search?q=sourdough", headers={"Origin": refused})
            self.assertNotIn("access-control-allow-origin", hdrs)
            status, _, _ = self.svc.request("OPTIONS", "/api/search", headers={
                "Origin": refused, "Access-Control-Request-Method": "GET"})
            self.assertEqual(status, 403)
        _, hdrs, _ = self.svc.request("GET", "/api/search?q=sourdough", headers={"Origin": "http://127.0.0.1:4000"})
        self.assertEqual(hdrs["access-control-allow-origin"], "http://127.0.0.1:4000")
        self.svc.proc.terminate()
        self.svc.proc.wait(timeout=20)
        log = self.svc.proc.stderr.read()
        lines = [line for line in log.splitlines() if "refused CORS origin" in line]
        self.assertEqual(len(lines), 1, log[-2000:])
        self.assertIn(refused, lines[0])
        self.assertIn("allowed: http://127.0.0.1:4000", lines[0])


class HugoBaseUrl(SiteTestCase):
    def test_hugo_base_url_is_the_site_url(self):
        site = os.path.join(self.tmp, "hugo-site")
        shutil.copytree(os.path.join(SOURCE, "examples", "hugo-site"), site)
        cfg = os.path.join(site, "hugo.toml")
        with open(cfg) as f:
            text = f.read()
        with open(cfg, "w") as f:
            f.write(re.sub(r'^baseURL = .*$', 'baseURL = "https://hugo.example.org/docs/"', text, count=1, flags=re.M))
        index(site, self.idx)
        self.assertEqual(query_json(self.idx, "--info")["site_url"], "https://hugo.example.org/docs")
        hits = query_json(self.idx, "--no-facets", "--per-page", "100", "--after", "1900")["hits"]
        self.assertTrue(hits)
        for h in hits:
            self.assertTrue(h["url"].startswith("/docs/"), h["url"])
            self.assertEqual(h["absolute_url"], "https://hugo.example.org" + h["url"])


class WithoutASiteUrl(SiteTestCase):
    def test_links_stay_relative_and_never_point_at_the_service(self):
        set_config(self.site, "url", "")
        index(self.site, self.idx)
        svc = Service(self.idx, "--rate-limit", "0")
        try:
            _, _, out = svc.get_json("/api/search?q=sourdough")
            self.assertIsNone(out["hits"][0]["absolute_url"])
            _, _, feed = svc.request("GET", "/search.atom?q=sourdough")
            entries = re.findall(r'<entry>.*?<link href="([^"]+)"', feed.decode(), re.S)
            self.assertTrue(entries)
            for link in entries:
                self.assertTrue(link.startswith("/"), link)
        finally:
            svc.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
