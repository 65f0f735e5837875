"""Builds examples/hugo-site with the real Hugo (Debian's hugo package) and checks that every
indexed URL, in every language, is a page Hugo wrote, and every section anchor (Goldmark's
ids) is an id in it."""
import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE, index, query_json, run, site_problems  # noqa: E402

HUGO_SITE = os.path.join(SOURCE, "examples", "hugo-site")
BY_FOLDER = os.path.join(SOURCE, "tests", "fixtures", "hugo-by-folder")
REFRESH = re.compile(r'http-equiv="refresh" content="0; url=http://127\.0\.0\.1:1313(/[^"]*)"')


def redirects(dest):
    """{alias path: target path} for every alias page Hugo wrote (not the default language's
    /en/ -> / redirect)."""
    out = {}
    for dirpath, _, files in os.walk(dest):
        if "index.html" in files:
            with open(os.path.join(dirpath, "index.html"), encoding="utf-8") as f:
                m = REFRESH.search(f.read())
            if m and m.group(1) != "/":
                out["/" + os.path.relpath(dirpath, dest) + "/"] = m.group(1)
    return out


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
        langs = {h["lang"] for h in query_json(self.idx, "--per-page", "100", "--no-collapse", check=0)["hits"]}
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


    def test_list_pages_are_listings_and_other_sections_are_typed(self):
        dest = self.build()
        summary, _ = index(self.site, self.idx)
        self.assertTrue(os.path.exists(os.path.join(dest, "posts", "index.html")))
        self.assertEqual(query_json(self.idx, "listpageonly", check=1)["hits"], [])
        self.assertEqual(summary["listing_pages_skipped"], 1)
        # posts is the main section; notes/ is a section of its own type.
        hits = query_json(self.idx, "ibex", check=0)["hits"]
        self.assertEqual([(h["url"], h["type"]) for h in hits], [("/notes/2021/field-note/", "notes")])
        summary, _ = index(self.site, self.idx, "--posts-only")
        self.assertEqual(set(summary["documents_by_type"]), {"post"})
        self.assertEqual(query_json(self.idx, "ibex", check=1)["hits"], [])

    def test_skip_rules_match_what_hugo_writes(self):
        dest = self.build()
        summary, _ = index(self.site, self.idx)
        self.assertEqual(summary["skipped_by_reason"], {
            "draft: true": 1, "dated in the future": 1, "expired (expiryDate)": 1,
            "headless: true": 1, "not rendered (build render: never)": 1,
            "listing page (Hugo list page, _index.md)": 1})
        for word, page in [("publishlaterword", "posts/coming-soon"), ("expiredofferword", "posts/old-offer"),
                           ("headlessword", "snippets/footer"), ("neverrenderedword", "posts/not-rendered")]:
            self.assertFalse(os.path.exists(os.path.join(dest, page, "index.html")), page)
            self.assertEqual(query_json(self.idx, word, check=1)["hits"], [], word)
        # With future posts on both sides, the publishDate post is a page and a hit.
        dest = self.build("--buildFuture")
        index(self.site, self.idx, "--future")
        hits = query_json(self.idx, "publishlaterword", check=0)["hits"]
        self.assertEqual([h["url"] for h in hits], ["/posts/coming-soon/"])
        self.assertTrue(os.path.exists(os.path.join(dest, "posts", "coming-soon", "index.html")))

    def test_every_alias_page_hugo_wrote_finds_its_post(self):
        dest = self.build()
        index(self.site, self.idx)
        aliases = redirects(dest)
        self.assertEqual(sorted(aliases), ["/2019/alpine-trail/", "/posts/alps-trail/"])
        for alias, target in aliases.items():
            hits = query_json(self.idx, f"url:{alias}", check=0)["hits"]
            self.assertEqual([h["url"] for h in hits], [target], alias)
        # The post's own URL, with or without its trailing slash or index.html, finds it too.
        for form in ["/posts/trail-notes/", "/posts/trail-notes", "/posts/trail-notes/index.html"]:
            hits = query_json(self.idx, f"url:{form}", check=0)["hits"]
            self.assertEqual([h["url"] for h in hits], ["/posts/trail-notes/"], form)


@unittest.skipUnless(shutil.which("hugo"), "hugo is not installed (scripts/install-deps installs it)")
class HugoLanguagesByFolder(unittest.TestCase):
    """content/<lang>/ per language (contentDir), with Chinese and Korean."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="postsearch-hugo-folders-")
        self.site = os.path.join(self.tmp, "site")
        shutil.copytree(BY_FOLDER, self.site)
        shutil.copytree(os.path.join(HUGO_SITE, "layouts"), os.path.join(self.site, "layouts"))
        self.idx = os.path.join(self.tmp, "index")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_every_url_and_anchor_in_every_language(self):
        dest = os.path.join(self.tmp, "public")
        p = run(["hugo", "--quiet", "--source", self.site, "--destination", dest], timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        summary, _ = index(self.site, self.idx)
        self.assertEqual(summary["documents"], 4)
        problems, checked = site_problems(self.idx, dest)
        self.assertEqual(problems, [])
        self.assertEqual(checked, 4)
        langs = {h["id"]: h["lang"] for h in query_json(self.idx, "--per-page", "100", "--no-collapse",
                                                         check=0)["hits"]}
        self.assertEqual(langs, {"content/en/posts/green-tea.md": "en", "content/en/posts/oolong.md": "en",
                                 "content/zh/posts/green-tea.md": "zh", "content/ko/posts/green-tea.md": "ko"})
        for q, url in [("绿茶", "/zh/posts/green-tea/"), ("泡时", "/zh/posts/green-tea/"),
                       ("녹차", "/ko/posts/green-tea/"), ("boiling", "/posts/green-tea/")]:
            hits = query_json(self.idx, q, check=0)["hits"]
            self.assertEqual([h["url"] for h in hits], [url], q)


if __name__ == "__main__":
    unittest.main(verbosity=2)
