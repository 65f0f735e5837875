"""Publishes under load: a few rounds of bench/publish_stress.py (wrk searching a running
`query serve` while incremental and full indexer runs publish) against the binaries under
test, the sanitizer builds included. Every request must succeed, each round's change must be
found, and the service must exit cleanly with no sanitizer report."""
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, SOURCE  # noqa: E402


@unittest.skipUnless(shutil.which("wrk"), "wrk is not installed (scripts/install-deps)")
class PublishUnderLoad(unittest.TestCase):
    def test_rounds_of_incremental_and_full_publishes_fail_no_request(self):
        script = os.path.join(SOURCE, "bench", "publish_stress.py")
        p = subprocess.run([sys.executable, script, "--rounds", "6", "--rebuild-every", "3", "--posts", "150",
                            "--words", "150", "--connections", "16", "--pause", "0.2", "--timeout", "60"],
                           env=dict(os.environ, POSTSEARCH_BUILD=BIN), capture_output=True, text=True,
                           timeout=280)
        self.assertEqual(p.returncode, 0, p.stdout[-6000:] + p.stderr[-3000:])
        self.assertIn("PASS: 6 rounds, 0 failed requests", p.stdout)
        self.assertRegex(p.stdout, r"wrk, 16 connections: [1-9]\d* requests")


if __name__ == "__main__":
    unittest.main()
