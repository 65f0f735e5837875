"""Faults under a running service: the index directory removed, truncated, garbled or built
anew under it (503 with a clear message, then recovery by itself), and a full disk during
indexing (the previous index keeps serving; the next run completes the work)."""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import INDEXER, SiteTestCase, index, live_generation, run  # noqa: E402
from http_test import Service  # noqa: E402

SOURDOUGH = "_posts/2019-11-30-sourdough-for-programmers.md"


class IndexPulledFromUnderTheService(SiteTestCase):
    def setUp(self):
        super().setUp()
        index(self.site, self.idx)
        self.svc = Service(self.idx, "--rate-limit", "0", "-q")
        self.good = self.search()

    def tearDown(self):
        self.assertIsNone(self.svc.proc.poll(), "the service must never exit")
        self.svc.stop()
        super().tearDown()

    def search(self):
        status, hdrs, body = self.svc.get_json("/api/search?q=bread&per_page=20")
        if status == 200:
            body.pop("took_ms")
        return status, body

    def assert_unavailable(self, message_pattern):
        status, body = self.search()
        self.assertEqual(status, 503, body)
        self.assertEqual(body["error"]["code"], "index_unavailable")
        self.assertRegex(body["error"]["message"], message_pattern)
        self.assertEqual(self.svc.get_json("/readyz")[0], 503)
        self.assertEqual(self.svc.get_json("/healthz")[0], 200)

    def test_removed_then_put_back(self):
        shutil.move(self.idx, self.idx + ".away")
        self.assert_unavailable("no index at " + self.idx)
        shutil.move(self.idx + ".away", self.idx)
        self.assertEqual(self.search(), self.good)

    def test_truncated_tables_then_a_good_copy(self):
        gen = live_generation(self.idx)
        saved = os.path.join(self.tmp, "saved")
        shutil.copytree(gen, saved)
        os.truncate(os.path.join(gen, "postlist.glass"), 0)
        with open(os.path.join(gen, "termlist.glass"), "r+b") as f:
            f.write(os.urandom(20000))
        for _ in range(3):  # every searcher that meets the damage is dropped, none crashes
            self.assert_unavailable("damaged|cannot be opened")
        shutil.rmtree(gen)
        shutil.copytree(saved, gen)
        self.assertEqual(self.search(), self.good)

    def test_garbled_stub(self):
        with open(os.path.join(self.idx, "XAPIANDB"), "w") as f:
            f.write("garbage\n")
        self.assert_unavailable("cannot be opened")
        index(self.site, self.idx, "--rebuild")
        self.assertEqual(self.search(), self.good)

    def test_removed_and_built_anew_under_the_same_generation_name(self):
        etag = self.svc.request("GET", "/api/search?q=bread")[1]["etag"]
        shutil.rmtree(self.idx)
        os.remove(os.path.join(self.site, SOURDOUGH))
        index(self.site, self.idx)  # gen-000001 again, with other contents
        status, body = self.search()
        self.assertEqual(status, 200)
        ids = [h["id"] for h in body["hits"]]
        self.assertNotIn(SOURDOUGH, ids)
        self.assertEqual(body["total"]["estimate"], self.good[1]["total"]["estimate"] - 1)
        status, hdrs, _ = self.svc.request("GET", "/api/search?q=bread", headers={"If-None-Match": etag})
        self.assertEqual(status, 200, "an ETag of the old index must not match the new one")
        self.assertNotEqual(hdrs["etag"], etag)


def can_mount():
    return os.geteuid() == 0 and shutil.which("mount") is not None


@unittest.skipUnless(can_mount(), "mounting a size-limited tmpfs needs root")
class DiskFull(SiteTestCase):
    def setUp(self):
        super().setUp()
        self.mnt = tempfile.mkdtemp(prefix="postsearch-full-")
        run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", self.mnt], check=0)
        self.idx = os.path.join(self.mnt, "index")

    def tearDown(self):
        subprocess.run(["umount", "-l", self.mnt], check=False)
        os.rmdir(self.mnt)
        super().tearDown()

    def add_posts(self, n):
        rng = random.Random(7)
        letters = "abcdefghijklmnopqrstuvwxyz"
        for i in range(n):
            words = " ".join("".join(rng.choice(letters) for _ in range(7)) for _ in range(800))
            self.write(f"_posts/2025-10-{i % 28 + 1:02d}-fill-{i}.md", f"---\ntitle: Fill {i}\n---\nfillword {words}\n")

    def test_the_previous_index_keeps_serving_and_the_next_run_completes(self):
        index(self.site, self.idx)
        svc = Service(self.idx, "--rate-limit", "0", "-q")
        try:
            self.add_posts(400)
            for extra in ((), ("--rebuild",)):
                p = run([INDEXER, self.site, "--index", self.idx, *extra], check=2)
                self.assertRegex(p.stderr, r"indexer: error: writing the index failed: .*No space left on device.*; "
                                           r"the published index is unchanged")
                self.assertEqual(run(["xapian-check", live_generation(self.idx)]).returncode, 0)
                status, _, body = svc.get_json("/api/search?q=bread")
                self.assertEqual(status, 200)
                self.assertEqual(svc.get_json("/readyz")[2]["documents"], 50)
                self.assertEqual(svc.get_json("/api/search?q=fillword")[2]["total"]["estimate"], 0)
            run(["mount", "-o", "remount,size=200m", self.mnt], check=0)
            summary, _ = index(self.site, self.idx)
            self.assertEqual(summary["documents"], 450)
            self.assertEqual(run(["xapian-check", live_generation(self.idx)]).returncode, 0)
            self.assertEqual(svc.get_json("/api/search?q=fillword")[2]["total"]["estimate"], 400)
        finally:
            svc.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
