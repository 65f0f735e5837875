"""Two sites searched as one (docs/federation.md): the Jekyll example site and the Hugo example
site, each indexed by its own indexer run, served together by `query serve --site`. Their top
10 must equal the top 10 of ONE database holding both sites' documents (xapian-compact -m of
the two indexes: the same documents, one set of statistics), hits carry their site and links
absolute to it, the `sites` facet counts each site's matches, and republishing one site
under load fails no request."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import (EXAMPLE_SITE, QUERY, SOURCE, free_port, index, live_generation,  # noqa: E402
                     query_json, run, wait_for_port)
from remote_test import TCPSRV, ShardServer  # noqa: E402

HUGO_SITE = os.path.join(SOURCE, "examples", "hugo-site")
HUGO_URL = "https://hugo.example.org"
JEKYLL_URL = "http://127.0.0.1:4000"  # what examples/site/_config.yml records
QUERIES = ["notes", "field notes", "release", "winter", "trail", "the", "post", "search"]


class Federation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="postsearch-fed-")
        cls.jekyll = os.path.join(cls.tmp, "jekyll")
        cls.hugo = os.path.join(cls.tmp, "hugo")
        shutil.copytree(EXAMPLE_SITE, cls.jekyll, ignore=shutil.ignore_patterns("_site", ".jekyll-cache"))
        shutil.copytree(HUGO_SITE, cls.hugo, ignore=shutil.ignore_patterns("public", "resources"))
        cls.ij = os.path.join(cls.tmp, "index-jekyll")
        cls.ih = os.path.join(cls.tmp, "index-hugo")
        index(cls.jekyll, cls.ij)
        index(cls.hugo, cls.ih)
        cls.sites = ["--site", f"jekyll={cls.ij}", "--site", f"hugo={cls.ih},url={HUGO_URL}/"]
        cls.port = free_port()
        cls.server = subprocess.Popen(
            [QUERY, "serve", *cls.sites, "--listen", f"127.0.0.1:{cls.port}", "--quiet",
             "--no-analytics", "--rate-limit", "0", "--cpu-limit", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not wait_for_port(cls.port):
            cls.server.kill()
            raise AssertionError("query serve did not start: " + cls.server.communicate()[1])

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.communicate(timeout=10)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def api(self, **params):
        url = f"http://127.0.0.1:{self.port}/api/search?" + urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(url, timeout=30) as r:
            return json.load(r)

    def combined(self):
        """One database made of both sites' documents: what one index of every post ranks."""
        out = os.path.join(self.tmp, "combined")
        shutil.rmtree(out, ignore_errors=True)
        run(["xapian-compact", "-m", live_generation(self.ij), live_generation(self.ih), out], check=0)
        return out

    def test_top_ten_equals_one_index_of_both_sites(self):
        combined = self.combined()
        both_sites = 0
        for q in QUERIES:
            with self.subTest(q=q):
                one = run([QUERY, "--shard", combined, "--json", q, "--no-facets"], check=None)
                one_ids = [h["id"] for h in json.loads(one.stdout)["hits"]] if one.stdout.strip() else []
                hits = self.api(q=q, per_page=10)["hits"]
                self.assertEqual([h["id"] for h in hits], one_ids)
                self.assertTrue(one_ids, q)
                both_sites += len({h["site"] for h in hits}) == 2
        self.assertGreaterEqual(both_sites, 3)  # the queries mix the two sites' posts

    def test_links_are_absolute_to_each_site(self):
        seen = set()
        for q in QUERIES:
            for h in self.api(q=q, per_page=100)["hits"]:
                base = {"jekyll": JEKYLL_URL, "hugo": HUGO_URL}[h["site"]]
                seen.add(h["site"])
                for link in [h["url"], h["absolute_url"], h["passage_url"]] + \
                        [s["url"] for s in h["sections"]] + [s["passage_url"] for s in h["sections"]]:
                    self.assertTrue(link.startswith(base + "/"), (h["site"], link))
        self.assertEqual(seen, {"jekyll", "hugo"})

    def test_sites_facet_and_filter(self):
        for q in ["notes", "the", "winter"]:
            with self.subTest(q=q):
                r = self.api(q=q, collapse="false")
                counts = {v["value"]: v["count"] for v in r["facets"]["sites"]["values"]}
                for name, idx in [("jekyll", self.ij), ("hugo", self.ih)]:
                    own = query_json(idx, q, "--no-collapse", "--per-page", "100")
                    self.assertEqual(counts.get(name, 0), own["total"]["estimate"] if own else 0, name)
                    only = self.api(q=q, site=name, per_page=100, collapse="false")
                    self.assertEqual({h["site"] for h in only["hits"]} - {name}, set())
                    self.assertEqual(only["total"]["estimate"], counts.get(name, 0))
                    chosen = [v for v in only["facets"]["sites"]["values"] if v["selected"]]
                    self.assertEqual([v["value"] for v in chosen], [name])
        r = self.api(q="notes", site="nosuchsite")
        self.assertEqual(r["hits"], [])
        self.assertTrue(any("nosuchsite" in w for w in r["warnings"]))

    def test_one_site_republished_under_load(self):
        failures, done = [], []
        stop = threading.Event()

        def load():
            while not stop.is_set():
                try:
                    r = self.api(q="notes", per_page=10)
                    if not r["hits"]:
                        failures.append("no hits")
                    done.append(1)
                except Exception as e:  # noqa: BLE001 - every failure counts
                    failures.append(repr(e))

        jekyll_stub = os.stat(os.path.join(self.ij, "XAPIANDB")).st_mtime_ns
        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            time.sleep(0.5)
            for word, how in [("zanzibarword", ["--rebuild"]), ("quokkaword", [])]:
                post = os.path.join(self.hugo, "content", "posts", word + ".md")
                with open(post, "w") as f:
                    f.write(f"---\ntitle: {word} notes\ndate: 2024-05-01\n---\n{word} trail notes.\n")
                index(self.hugo, self.ih, *how)  # a new generation, then a commit in place
                time.sleep(0.5)
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(failures, [])
        self.assertGreater(len(done), 20)
        self.assertEqual(os.stat(os.path.join(self.ij, "XAPIANDB")).st_mtime_ns, jekyll_stub)
        for word in ["zanzibarword", "quokkaword"]:
            hits = self.api(q=word)["hits"]
            self.assertEqual([(h["site"], h["id"]) for h in hits], [("hugo", f"content/posts/{word}.md")])
            self.assertTrue(hits[0]["url"].startswith(HUGO_URL + "/"))
        self.assertTrue(self.api(q="notes", site="jekyll")["hits"])

    def cli_ids(self, *args):
        p = run([QUERY, *args, "--json", "--no-facets"], check=None)
        return [h["id"] for h in json.loads(p.stdout)["hits"]] if p.stdout.strip() else []

    def test_cli_site_filter_ranks_as_that_sites_own_index(self):
        for q in ["notes", "the"]:
            for name, idx in [("jekyll", self.ij), ("hugo", self.ih)]:
                with self.subTest(q=q, site=name):
                    own = self.cli_ids("--index", idx, q)
                    self.assertTrue(own)
                    self.assertEqual(self.cli_ids(*self.sites, "--only-site", name, q), own)

    @unittest.skipUnless(TCPSRV, "xapian-tcpsrv (xapian-tools) is not installed")
    def test_sites_of_local_and_remote_shards_rank_as_one_index(self):
        combined = self.combined()
        sharded_j = os.path.join(self.tmp, "sharded-jekyll")
        sharded_h = os.path.join(self.tmp, "sharded-hugo")
        index(self.jekyll, sharded_j, "--shards", "3")
        index(self.hugo, sharded_h, "--shards", "2")
        # The Jekyll site: shard 0 on this disk, shards 1 and 2 behind xapian-tcpsrv.
        gen = os.path.join(sharded_j, "gen-000001")
        servers = [ShardServer(os.path.join(gen, f"shard-{k}")) for k in (1, 2)]
        for server in servers:
            self.addCleanup(server.stop)
        mixed = os.path.join(self.tmp, "mixed-jekyll")
        os.makedirs(mixed, exist_ok=True)
        with open(os.path.join(mixed, "XAPIANDB"), "w") as f:
            f.write(f"glass {os.path.join(gen, 'shard-0')}\n")
            f.writelines(f"remote 127.0.0.1:{s.port}\n" for s in servers)
        sites = ["--site", f"jekyll={mixed}", "--site", f"hugo={sharded_h},url={HUGO_URL}"]
        for q in QUERIES:
            with self.subTest(q=q):
                self.assertEqual(self.cli_ids(*sites, q), self.cli_ids("--shard", combined, q))
        for name, idx in [("jekyll", self.ij), ("hugo", self.ih)]:
            self.assertEqual(self.cli_ids(*sites, "--only-site", name, "notes"), self.cli_ids("--index", idx, "notes"))
        p = run([QUERY, *sites, "--json", "notes", "--per-page", "100"], check=0)
        for h in json.loads(p.stdout)["hits"]:
            self.assertTrue(h["url"].startswith({"jekyll": JEKYLL_URL, "hugo": HUGO_URL}[h["site"]] + "/"), h)

    def test_bad_site_flags_are_refused_with_their_part(self):
        p = run([QUERY, "--site", f"a={self.ij},boost=-1", "notes"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("boost", p.stderr)
        p = run([QUERY, "--site", f"a={self.ij}", "--site", f"a={self.ih}", "notes"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("named twice", p.stderr)
        p = run([QUERY, "--site", f"a={self.ij}", "--index", self.ih, "notes"])
        self.assertEqual(p.returncode, 2)

    def test_boost_multiplies_a_sites_scores(self):
        plain = {h["id"]: h["score"] for h in query_json(self.ij, "notes", "--per-page", "100")["hits"]}
        fed = run([QUERY, "--site", f"jekyll={self.ij},boost=2", "--site", f"hugo={self.ih},url={HUGO_URL}",
                   "--json", "notes", "--per-page", "100"], check=0)
        one = run([QUERY, *self.sites, "--json", "notes", "--per-page", "100"], check=0)
        base = {h["id"]: h["score"] for h in json.loads(one.stdout)["hits"]}
        boosted = json.loads(fed.stdout)["hits"]
        self.assertTrue(plain)
        for h in boosted:
            factor = 2 if h["site"] == "jekyll" else 1
            self.assertAlmostEqual(h["score"], factor * base[h["id"]], places=6, msg=h["id"])


if __name__ == "__main__":
    unittest.main()
