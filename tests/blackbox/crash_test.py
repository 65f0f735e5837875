"""kill -9 of the indexer at random moments: every time the index still opens, passes
xapian-check, a running service keeps answering from it, and holds either the old set of posts or the new one; the next run
completes the work."""
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import INDEXER, SiteTestCase, index, live_generation, query_json, run  # noqa: E402
from http_test import Service  # noqa: E402


@unittest.skipUnless(shutil.which("xapian-check"), "xapian-check (xapian-tools) is not installed")
class KillNine(SiteTestCase):
    def add_posts(self, n, tag):
        for i in range(n):
            self.write(f"_posts/2025-10-{(i % 28) + 1:02d}-{tag}-{i}.md",
                       f"---\ntitle: {tag} {i}\ntags: [{tag}]\n---\n" + f"{tag}word body text {i}. " * 200)

    def post_ids(self):
        return sorted(h["id"] for h in query_json(self.idx, "--per-page", "100", "--no-facets", check=None)["hits"]) \
            if os.path.exists(os.path.join(self.idx, "XAPIANDB")) else []

    def all_ids(self):
        out = query_json(self.idx, "--info", check=0)
        return out["documents"]

    def timed_index(self, idx):
        started = time.monotonic()
        index(self.site, idx)
        return time.monotonic() - started

    def check_consistent(self, allowed_counts):
        p = run(["xapian-check", live_generation(self.idx)])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(self.all_ids(), allowed_counts)

    def test_kill_during_incremental_and_rebuild_runs(self):
        index(self.site, self.idx)
        svc = Service(self.idx, "--rate-limit", "0", "-q")
        self.addCleanup(svc.stop)
        before = self.all_ids()
        rng = random.Random(1234)
        interrupted = 0
        self.add_posts(150, "batch0")
        # How long a run that adds one batch takes on this machine (a rebuild takes longer), so that the kills
        # land at random points inside runs however fast the machine is.
        scratch = os.path.join(self.tmp, "scratch-index")
        shutil.copytree(self.idx, scratch)
        run_time = self.timed_index(scratch)
        shutil.rmtree(scratch)
        for round_no in range(8):
            if round_no:
                self.add_posts(150, f"batch{round_no}")
            expected_after = before + 150
            args = [INDEXER, self.site, "--index", self.idx, "-q"]
            if round_no % 2:
                args.append("--rebuild")
            proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 0.7) * run_time)
            interrupted += proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.check_consistent({before, expected_after})
            # The service kept serving through the kill, old posts or new, never an error.
            status, _, ready = svc.get_json("/readyz")
            self.assertEqual(status, 200, ready)
            self.assertIn(ready["documents"], {before, expected_after})
            self.assertEqual(svc.get_json("/api/search?q=bread")[0], 200)
            # The next run completes the work.
            started = time.monotonic()
            summary, _ = index(self.site, self.idx)
            run_time = time.monotonic() - started
            self.assertEqual(summary["documents"], expected_after)
            self.check_consistent({expected_after})
            self.assertEqual(svc.get_json("/readyz")[2]["documents"], expected_after)
            before = expected_after
        print("interrupted", interrupted, "of 8", file=sys.stderr)
        self.assertGreaterEqual(interrupted, 4, "the kills should land while the indexer runs")


if __name__ == "__main__":
    unittest.main(verbosity=2)
