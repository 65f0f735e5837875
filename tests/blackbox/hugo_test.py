"""Builds examples/hugo-site with the real Hugo (Debian's hugo package) and checks that every
indexed URL, in every language, is a page Hugo wrote, and every section anchor (Goldmark's
ids) is an id in it."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE, index, query_json, run, site_problems  # noqa: E402

HUGO_SITE = os.path.join(SOURCE, "examples", "hugo-site")


@unittest.skipUnless(shutil.which("hugo"), "hugo is not installed (scripts/install-deps installs it)")
class HugoBuild(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="postsearch-hugo-")
        self.site = os.path.join(self.tmp, "site")
        shutil.copytree(HUGO_SITE, self.site, ignore=shutil.ignore_patterns("public", "resources"))
        self.idx = os.path.join(self.tmp, "index")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def build(self, *extra):
        dest = os.path.join(self.tmp, "public")
        p = run(["hugo", "--quiet", "--source", self.site, "--destination", dest, *extra], timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return dest

    def test_every_url_and_anchor_exists_in_every_language(self):
        dest = self.build()
        summary, _ = index(self.site, self.idx)
        self.assertEqual(summary["generator"], "hugo")
        problems, checked = site_problems(self.idx, dest)
        self.assertEqual(problems, [])
        self.assertEqual(checked, 7)
        langs = {h["lang"] for h in query_json(self.idx, "--per-page", "100", check=0)["hits"]}
        self.assertEqual(langs, {"en", "de", "ja"})

    def test_drafts(self):
        dest = self.build("--buildDrafts")
        summary, _ = index(self.site, self.idx, "--drafts")
        problems, checked = site_problems(self.idx, dest)
        self.assertEqual(problems, [])
        self.assertEqual(checked, 8)

    def test_languages_are_searched_with_their_own_stemmer(self):
        index(self.site, self.idx)
        de = query_json(self.idx, "--query-lang", "de", "--lang", "de", "Kardamomschnecke", check=0)["hits"]
        self.assertEqual([h["id"] for h in de], ["content/posts/winter-baking.de.md"])
        ja = query_json(self.idx, "カルダモン", check=0)["hits"]
        self.assertEqual([h["id"] for h in ja], ["content/posts/winter-baking.ja.md"])
        self.assertIn("<mark>", ja[0]["snippet_html"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
