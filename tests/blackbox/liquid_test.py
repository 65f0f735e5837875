"""Liquid in post bodies: builds tests/fixtures/liquid-site with the real Jekyll (Debian's jekyll)
and checks that the index holds, paragraph by paragraph, the text Jekyll rendered (page.*,
site.*, _data/ files, includes with parameters, assign/capture, where|first, if/unless/for, raw, filters), and that no
Liquid markup or variable name reached the index."""
import html
import html.parser
import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE, index, query_json, run  # noqa: E402

FIXTURE = os.path.join(SOURCE, "tests", "fixtures", "liquid-site")
POST = "_posts/2021-12-25-release.md"


class _Paragraphs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.paragraphs, self._open = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self._open = ""

    def handle_endtag(self, tag):
        if tag == "p" and self._open is not None:
            self.paragraphs.append(" ".join(self._open.split()))
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open += data


def plain(snippet_html):
    return html.unescape(re.sub(r"</?mark>", "", snippet_html))


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class LiquidAsJekyllRendersIt(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="postsearch-liquid-")
        cls.site = os.path.join(cls.tmp, "site")
        shutil.copytree(FIXTURE, cls.site, ignore=shutil.ignore_patterns("_site", ".jekyll-cache"))
        dest = os.path.join(cls.tmp, "_site")
        p = run(["jekyll", "build", "--source", cls.site, "--destination", dest, "--quiet"], timeout=600)
        assert p.returncode == 0, p.stderr
        parser = _Paragraphs()
        with open(os.path.join(dest, "2021", "12", "25", "release", "index.html"), encoding="utf-8") as f:
            parser.feed(f.read())
        cls.rendered = [p for p in parser.paragraphs if p.startswith("LQ")]
        cls.idx = os.path.join(cls.tmp, "index")
        index(cls.site, cls.idx)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_fixture_covers_each_pattern(self):
        self.assertEqual(len(self.rendered), 11, self.rendered)
        self.assertIn("LQA: We announce the release of Ruby 3.1.0. Ruby 3.2.0 adds more.", self.rendered)

    def test_each_paragraph_is_indexed_as_jekyll_rendered_it(self):
        for paragraph in self.rendered:
            with self.subTest(paragraph=paragraph):
                words = paragraph.split(":", 1)[1].strip().rstrip(".")
                out = query_json(self.idx, "--no-facets", '"' + words.replace('"', "") + '"', check=0)
                self.assertEqual([h["id"] for h in out["hits"]], [POST], words)
                # The snippet shows the indexed text itself: Jekyll's words, punctuation too
                # (as far as the snippet reaches).
                label, snippet = paragraph.split(":", 1)[0] + ": ", plain(out["hits"][0]["snippet_html"])
                if label in snippet:
                    shown = snippet.split(label, 1)[1][: len(words)]
                    self.assertEqual(shown, words[: len(shown)])

    def test_no_markup_or_variable_name_is_indexed(self):
        # The post's variable names appear only inside Liquid tags; raw Liquid in the index
        # would make them searchable.
        for word in ("zorbleflux", "frumpwidget", "grobblequux", "endif", "endcapture", "forloop", "assign"):
            with self.subTest(word=word):
                self.assertEqual(query_json(self.idx, "--no-facets", word)["hits"], [])
        out = query_json(self.idx, "--no-facets", "--per-page", "1", "Missing values vanish", check=0)
        snippet = plain(out["hits"][0]["snippet_html"])
        self.assertNotIn("{%", snippet)
        # The one {{ left is the {% raw %} one, as in Jekyll's page.
        self.assertEqual(re.findall(r"\{\{.*?\}\}", snippet), ["{{ verbatim_glimmerkin }}"])

    def assert_edit_reindexes_the_post(self, rel, old, new, phrase):
        """Replaces `old` by `new` in the site's file `rel`, re-indexes, and requires the post
        to be found by `phrase`; then puts the file back."""
        path = os.path.join(self.site, rel)
        with open(path) as f:
            text = f.read()
        try:
            with open(path, "w") as f:
                f.write(text.replace(old, new))
            index(self.site, self.idx)
            out = query_json(self.idx, "--no-facets", phrase, check=0)
            self.assertEqual([h["id"] for h in out["hits"]], [POST])
        finally:
            with open(path, "w") as f:
                f.write(text)
            index(self.site, self.idx)

    def test_an_include_change_reindexes_the_posts(self):
        self.assert_edit_reindexes_the_post(os.path.join("_includes", "badge.html"), ">v{{",
                                            ">zephyrbadge {{", '"zephyrbadge 4.1.1"')

    def test_a_data_change_reindexes_the_posts(self):
        self.assert_edit_reindexes_the_post(os.path.join("_data", "releases.yml"), "Borealite",
                                            "Spinelstone", '"Codename SPINELSTONE edition"')

if __name__ == "__main__":
    unittest.main(verbosity=2)
