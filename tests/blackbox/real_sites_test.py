"""Cases reduced from real public sites (jekyll/jekyll's docs, letsencrypt/website,
gohugoio/hugoBasicExample), where
the indexer's URLs, dates, anchors or documents differed from what the real generator wrote. Each
fixture is built with Debian's jekyll or hugo, indexed, and compared page by page by
scripts/check-built-site: every URL is a page the generator wrote, every anchor an id in it,
title, date and language as the generator printed them into the page (a marker in the
fixture's layout), and every page written from a source file is indexed."""
import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, SOURCE, index, query_json, run  # noqa: E402
from jekyll_dates_test import GeneratorCase  # noqa: E402

FIXTURES = os.path.join(SOURCE, "tests", "fixtures")
CHECKER = os.path.join(SOURCE, "scripts", "check-built-site")


class BuiltSiteCase(GeneratorCase):
    """A fixture copied to self.site, built into self.out, indexed into self.idx."""

    def assert_index_matches_build(self, documents):
        """Runs the checker on the index against the built site: `documents` checked, no
        difference, no page written from a source and left out."""
        p = run([sys.executable, CHECKER, "--index", self.idx, "--output", self.out, "--bin", BIN,
                 "--json"], timeout=300)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        found = json.loads(p.stdout)
        self.assertEqual(found["details"], [])
        self.assertEqual(found["written_not_indexed"], [])
        self.assertEqual(found["checked"], documents)

    def hit(self, post_id):
        return query_json(self.idx, "--post", post_id, check=0)


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class JekyllConfigLikeJekyllsDocs(BuiltSiteCase):
    def test_a_config_opening_with_a_document_marker_a_posts_permalink_and_includes(self):
        self.copy(os.path.join(FIXTURES, "jekyll-docs-like"))
        self.jekyll()
        summary, _ = index(self.site, self.idx)
        # The docs collection is read: the configuration was, past its "---" line.
        self.assertEqual(summary["documents_by_type"], {"post": 3, "docs": 3})
        self.assert_index_matches_build(6)
        # collections.posts.permalink, with the day in the site's zone (America/Los_Angeles).
        self.assertEqual(self.hit("_posts/2013-05-06-jekyll-1-0-0-released.md")["url"],
                         "/news/2013/05/05/jekyll-1-0-0-released/")
        # A date only Ruby's lenient Time.parse reads, read as it does.
        self.assertEqual(self.hit("_posts/2023-01-29-jekyll-3-9-3-released.md")["date"],
                         "2023-01-29T18:30:22-08:00")
        # A heading's anchor is made from its text with the include rendered.
        self.assertEqual([s["anchor"] for s in self.hit("_docs/collections.md")["sections"]],
                         ["custom-sorting-of-documents", "excerpts-for-pages411"])


@unittest.skipUnless(shutil.which("hugo"), "hugo is not installed (scripts/install-deps installs it)")
class HugoConfigLikeLetsEncrypt(BuiltSiteCase):
    def test_a_config_directory_ugly_urls_lastmod_dates_and_html_content(self):
        self.copy(os.path.join(FIXTURES, "hugo-config-dir"))
        self.hugo()
        summary, _ = index(self.site, self.idx)
        self.assertEqual(summary["generator"], "hugo")
        self.assertEqual(summary["documents_by_type"], {"post": 2, "page": 2, "docs": 1})
        self.assert_index_matches_build(5)
        self.assertEqual(self.hit("content/fr/post/2024-03-01-first-steps.md")["url"],
                         "/fr/2024/03/01/premiers-pas.html")
        # No configured language reads content/uz/: Hugo writes nothing for it.
        self.assertIsNone(query_json(self.idx, "--post", "content/uz/contact.md"))
        # .Date falls back to lastmod, as Hugo's default frontmatter.date has it.
        self.assertEqual(self.hit("content/en/about.md")["date"], "2021-02-12T00:00:00Z")
        # An HTML content file is a page, its headings' ids as written.
        self.assertEqual([(s["heading"], s["anchor"]) for s in self.hit("content/en/ct-logs.html")["sections"]],
                         [("Sunlight", "sunlight"), ("Funding", "")])


@unittest.skipUnless(shutil.which("hugo"), "hugo is not installed (scripts/install-deps installs it)")
class HugoBundlesLikeHugoBasicExample(BuiltSiteCase):
    def test_markdown_inside_a_leaf_bundle_is_a_resource_not_a_page(self):
        self.copy(os.path.join(FIXTURES, "hugo-bundles"))
        self.hugo()
        summary, _ = index(self.site, self.idx)
        self.assertEqual(summary["skipped_by_reason"], {"headless: true": 1})
        self.assert_index_matches_build(3)
        for resource in ("content/homepage/about.md", "content/gallery/notes.md"):
            self.assertIsNone(query_json(self.idx, "--post", resource), resource)
        self.assertEqual([s["anchor"] for s in self.hit("content/post/markdown-syntax.md")["sections"]],
                         ["other-elements--abbr-sub-sup-kbd-mark", "examples",
                          "code-block-with-hugos-internal-highlight-shortcode", "examples-1"])
        for alias in ("/about-us/", "/contact/"):
            self.assertEqual(query_json(self.idx, f"url:{alias}", check=0)["hits"][0]["url"], "/about/")


if __name__ == "__main__":
    unittest.main(verbosity=2)
