"""Builds examples/site with the real Jekyll (Debian's jekyll package) and checks that every
URL in the index is a page Jekyll wrote, and every section anchor is an id in that page."""
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SiteTestCase, index, run, site_problems  # noqa: E402


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class JekyllBuild(SiteTestCase):
    def build(self, *extra):
        dest = os.path.join(self.tmp, "_site")
        p = run(["jekyll", "build", "--source", self.site, "--destination", dest, "--quiet", *extra], timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        return dest

    def check_all(self, dest, *index_args):
        summary, _ = index(self.site, self.idx, *index_args)
        problems, checked = site_problems(self.idx, dest)
        self.assertEqual(checked, summary["documents"])
        self.assertEqual(problems, [])
        return checked

    def test_every_url_and_anchor_exists(self):
        self.assertEqual(self.check_all(self.build()), 50)  # 47 posts, 3 pages

    def test_drafts_and_other_permalink_styles(self):
        for style in ("date", "pretty", "ordinal", "none", "/blog/:year/:i_month/:slug:output_ext"):
            with self.subTest(style=style):
                cfg = os.path.join(self.site, "_config.yml")
                with open(cfg) as f:
                    old = f.read()
                head, tail = old.split("\npermalink:", 1)
                text = head + f"\npermalink: {style}\n" + tail.split("\n", 1)[1]
                with open(cfg, "w") as f:
                    f.write(text)
                shutil.rmtree(os.path.join(self.tmp, "_site"), ignore_errors=True)
                self.check_all(self.build("--drafts"), "--drafts")


if __name__ == "__main__":
    unittest.main(verbosity=2)
