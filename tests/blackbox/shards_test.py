"""`indexer --shards N`: N shard databases behind one stub, searched as one index.

Through the real binaries: the stub lists the shards and any Xapian tool opens the whole;
searches give what one database with the same posts gives; an incremental run rewrites only
the shards whose posts changed (the others are hard links of the previous generation) and
publishes them together; a running service follows it."""
import os
import shutil
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import INDEXER, SiteTestCase, index, query_json, run  # noqa: E402
from http_test import Service  # noqa: E402

# Typed in full (a trailing space: no word is being typed), as a search box sends on Enter.
SAME_QUERIES = ["bread ", "search engine ", "sourdough starter ", '"cold water"', "xapian ", "tag:cooking",
                "sourdugh ", "static site generator ", "bm25 ranking ",
                "how do i index posts with front matter ", "why does my sourdough starter smell of acetone ",
                "rust ownership borrow checker explained simply ", "mountains OR bread "]
# A word being typed: the same posts match (the weights of its completions can differ, see
# docs/SCALING.md).
PREFIX_QUERIES = ["st", "sourd", "bre", "static si"]


def without_timing(d):
    """The answer without its timing, and scores to 9 decimals: a sum of term weights taken
    in another order (shard by shard) can differ in the last bit."""
    d.pop("took_ms", None)
    for h in d.get("hits", []):
        h["score"] = round(h["score"], 9)
    return d


def stub_lines(idx):
    with open(os.path.join(idx, "XAPIANDB")) as f:
        return f.read().split("\n")[:-1]


@unittest.skipUnless(shutil.which("xapian-check"), "xapian-check (xapian-tools) is not installed")
class Shards(SiteTestCase):
    def setUp(self):
        super().setUp()
        self.one = os.path.join(self.tmp, "one")
        index(self.site, self.one)
        self.summary, _ = index(self.site, self.idx, "--shards", "3")

    def shard_dirs(self):
        return [os.path.join(self.idx, line.split()[1]) for line in stub_lines(self.idx)]

    def test_stub_lists_the_shards_and_xapian_opens_them_as_one(self):
        self.assertEqual(self.summary["shards"], 3)
        self.assertEqual(self.summary["documents"], 50)
        lines = stub_lines(self.idx)
        self.assertEqual(lines, [f"glass gen-000001/shard-{k}" for k in range(3)])
        counts = []
        for d in self.shard_dirs():
            p = run(["xapian-check", d])
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            delve = run(["xapian-delve", d], check=0).stdout
            counts.append(int(delve.split("number of documents = ")[1].split()[0]))
        self.assertEqual(sum(counts), 50)
        self.assertTrue(all(c > 0 for c in counts), counts)  # the hash spreads the posts
        whole = run(["xapian-delve", self.idx], check=0).stdout
        self.assertIn("number of documents = 50", whole)
        self.assertEqual(query_json(self.idx, "--info", check=0)["documents"], 50)

    def test_searches_equal_one_database(self):
        for q in SAME_QUERIES:
            with self.subTest(q=q):
                a = without_timing(query_json(self.one, "--", q, check=0))
                b = without_timing(query_json(self.idx, "--", q, check=0))
                self.assertTrue(a["hits"], q)
                self.assertEqual(a, b)
        for q in PREFIX_QUERIES:
            with self.subTest(q=q):
                a = query_json(self.one, "--per-page", "50", "--", q, check=0)
                b = query_json(self.idx, "--per-page", "50", "--", q, check=0)
                self.assertEqual(a["total"], b["total"])
                self.assertEqual(sorted(h["id"] for h in a["hits"]), sorted(h["id"] for h in b["hits"]))
                self.assertEqual(a["facets"], b["facets"])
        post = "_posts/2019-11-30-sourdough-for-programmers.md"
        for args in (["--related", post], ["--post", post], ["--suggest", "sour"]):
            with self.subTest(args=args):
                self.assertEqual(without_timing(query_json(self.one, *args, check=0)),
                                 without_timing(query_json(self.idx, *args, check=0)))

    def test_the_service_answers_what_one_database_answers(self):
        # The service counts facets its own way (a per-revision table where it can), so it is
        # compared with the one database's command line too.
        svc = Service(self.idx, "--rate-limit", "0", "-q")
        self.addCleanup(svc.stop)
        for q in SAME_QUERIES + ["", "bread tag:cooking "]:
            with self.subTest(q=q):
                status, _, body = svc.get_json("/api/search?" + urllib.parse.urlencode({"q": q}))
                self.assertEqual(status, 200, body)
                self.assertEqual(without_timing(body), without_timing(query_json(self.one, "--", q, check=0)))

    def test_incremental_run_rewrites_only_the_changed_shards(self):
        before = self.shard_dirs()
        inodes = {d: {f: os.stat(os.path.join(d, f)).st_ino for f in os.listdir(d)} for d in before}
        svc = Service(self.idx, "--rate-limit", "0", "-q")
        self.addCleanup(svc.stop)
        self.assertEqual(svc.get_json("/api/search?q=zanzibarword")[2]["total"]["estimate"], 0)
        self.write("_posts/2026-01-02-zanzibar.md", "---\ntitle: Zanzibar\n---\nzanzibarword spice.\n")
        summary, _ = index(self.site, self.idx)  # no --shards: the index keeps its 3
        self.assertFalse(summary["rebuilt"])
        self.assertEqual(summary["shards"], 3)
        self.assertEqual(summary["documents"], 51)
        self.assertLessEqual(summary["shards_written"], 2)  # the post's shard, and shard 0
        after = self.shard_dirs()
        self.assertEqual(stub_lines(self.idx), [f"glass gen-000002/shard-{k}" for k in range(3)])
        linked = 0
        for old, new in zip(before, after):
            same = all(os.stat(os.path.join(new, f)).st_ino == ino for f, ino in inodes[old].items())
            linked += same
            p = run(["xapian-check", new])
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(linked, 3 - summary["shards_written"])
        self.assertGreaterEqual(linked, 1)
        hits = query_json(self.idx, "zanzibarword ", check=0)["hits"]
        self.assertEqual([h["id"] for h in hits], ["_posts/2026-01-02-zanzibar.md"])
        # The running service follows the new generation.
        deadline = time.time() + 10
        while time.time() < deadline:
            if svc.get_json("/api/search?q=zanzibarword")[2]["total"]["estimate"] == 1:
                break
            time.sleep(0.2)
        self.assertEqual(svc.get_json("/api/search?q=zanzibarword")[2]["total"]["estimate"], 1)
        # Deleting a post works the same way.
        os.remove(os.path.join(self.site, "_posts/2026-01-02-zanzibar.md"))
        summary, _ = index(self.site, self.idx)
        self.assertEqual((summary["deleted"], summary["documents"]), (1, 50))
        self.assertEqual(query_json(self.idx, "zanzibarword ")["hits"], [])  # exit 1: no hits

    def test_a_different_shard_count_rebuilds(self):
        summary, _ = index(self.site, self.idx, "--shards", "2")
        self.assertTrue(summary["rebuilt"])
        self.assertEqual(len(stub_lines(self.idx)), 2)
        self.assertEqual(summary["documents"], 50)
        summary, _ = index(self.site, self.idx, "--shards", "1")
        self.assertEqual(stub_lines(self.idx), ["glass gen-000003"])  # one database, as before
        self.assertEqual(summary["documents"], 50)
        p = run([INDEXER, self.site, "--index", self.idx, "--shards", "0"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--shards", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
