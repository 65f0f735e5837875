"""The indexer over a Jekyll site with every odd case the issue names, through the real
binary: nested */_posts/, folder categories, _drafts, an output collection, Markdown pages,
exclude:, _data/authors.yml, tags and categories in every form, dates with time zones and
from file names, TOML and missing front matter, BOMs, UTF-16, CRLF, invalid UTF-8, Liquid,
raw HTML, code and alt text, and the skip rules."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SiteTestCase, index, query_json  # noqa: E402

CONFIG = """title: Odd
timezone: Europe/Berlin
permalink: /:categories/:year/:month/:day/:title:output_ext
baseurl: /blog
exclude: [private, "*.draft.md"]
collections:
  recipes:
    output: true
    permalink: /recipes/:path/
  notes:
    output: false
"""

FILES = {
    "_data/authors.yml": "ada:\n  name: Ada Lindqvist\n",
    "_posts/2024-01-02-plain.md": "---\ntitle: Plain post\nauthor: ada\ntags: one two\ntag: three\n"
                                  "category: News\ndate: 2024-01-02 23:30:00 -0500\n---\nPlainword body.\n",
    "travel/_posts/2023-05-06-nested.md": "---\ntitle: Nested\ncategories: [europe]\n---\nNestedword.\n",
    "_posts/2023/2023-07-08-subfolder.md": "---\ntitle: In a subfolder\n---\nSubfolderword.\n",
    "_posts/2022-02-03-toml.md": "+++\ntitle = \"TOML front matter\"\ntags = [\"toml\"]\n+++\nTomlword.\n",
    "_posts/2022-02-04-no-front-matter.md": "# Heading as title\n\nNofrontword.\n",
    "_posts/2022-02-05-crlf.md": "---\r\ntitle: CRLF post\r\n---\r\nCrlfword.\r\n",
    "_posts/2022-02-07-badbytes.md": b"---\ntitle: Bad bytes\n---\nBadbyteword \xff\xfe here.\n",
    "_posts/2022-02-08-markup.md": "---\ntitle: Markup\n---\n{% raw %}{{ keptword }}{% endraw %} {{ site.title }}\n\n"
                                   "<div>Htmlword &amp; more<script>scriptword()</script></div>\n\n"
                                   "![Alt kiteword](k.jpg)\n\n```\ncodeword();\n```\n\n## Deep Section\n\nSectionword.\n",
    "_posts/2022-02-09-unpublished.md": "---\ntitle: Unpublished\npublished: false\n---\nx\n",
    "_posts/2022-02-10-hidden.md": "---\ntitle: Hidden\nnoindex: true\n---\nx\n",
    "_posts/2099-01-01-future.md": "---\ntitle: Future\n---\nFutureword.\n",
    "_posts/not-a-post.md": "---\ntitle: Not a post\n---\nx\n",
    "_drafts/a-draft.md": "---\ntitle: A draft\n---\nDraftword.\n",
    "_recipes/bread/sourdough.md": "---\ntitle: Sourdough recipe\n---\nRecipeword.\n",
    "_notes/hidden-note.md": "---\ntitle: Not output\n---\nNoteword.\n",
    "about.md": "---\ntitle: About\n---\nPageword.\n",
    "private/secret.md": "---\ntitle: Secret\n---\nSecretword.\n",
    "_posts/2022-02-11-skip.draft.md": "---\ntitle: Excluded by glob\n---\nGlobword.\n",
}


class OddSite(SiteTestCase):
    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "odd")
        os.makedirs(self.site)
        self.write("_config.yml", CONFIG)
        for rel, text in FILES.items():
            self.write(rel, text, "wb" if isinstance(text, bytes) else "w")
        path = os.path.join(self.site, "_posts", "2022-02-06-utf16.md")
        with open(path, "wb") as f:
            f.write(b"\xff\xfe" + "---\r\ntitle: UTF-16 post\r\n---\r\nUtfsixteenword.\r\n".encode("utf-16-le"))
        with open(os.path.join(self.site, "_posts", "2022-02-12-bom.md"), "wb") as f:
            f.write(b"\xef\xbb\xbf---\ntitle: BOM post\n---\nBomword.\n")

    def hit(self, word):
        """The one post that has `word` (not a spelling correction of it), or None."""
        out = query_json(self.idx, "--per-page", "100", word, check=None)
        return out["hits"][0] if len(out["hits"]) == 1 and not out["corrected"] else None

    def test_what_goes_in_and_where_it_points(self):
        summary, proc = index(self.site, self.idx)
        self.assertEqual(summary["failed"], 0, proc.stderr)
        self.assertEqual(summary["skipped_by_reason"], {
            "published: false": 1, "noindex: true": 1, "dated in the future": 1,
            "not a post file name (Jekyll publishes only YYYY-MM-DD-title files from _posts)": 1})
        self.assertIn("_posts/2022-02-07-badbytes.md:4: warning: invalid UTF-8", proc.stderr)
        p = self.hit("plainword")
        # 23:30 at -05:00 is 05:30 the next day in Berlin, where Jekyll places it.
        self.assertEqual(p["url"], "/blog/news/2024/01/03/plain.html")
        self.assertEqual(p["authors"], ["Ada Lindqvist"])
        self.assertEqual(p["tags"], ["one", "two", "three"])
        self.assertEqual(p["date"], "2024-01-03T05:30:00+01:00")
        self.assertEqual(self.hit("nestedword")["categories"], ["travel", "europe"])
        self.assertEqual(self.hit("nestedword")["url"], "/blog/travel/europe/2023/05/06/nested.html")
        self.assertEqual(self.hit("subfolderword")["url"], "/blog/2023/07/08/subfolder.html")
        self.assertEqual(self.hit("tomlword")["title"], "TOML front matter")
        self.assertEqual(self.hit("nofrontword")["title"], "Heading as title")
        self.assertEqual(self.hit("crlfword")["title"], "CRLF post")
        self.assertEqual(self.hit("utfsixteenword")["title"], "UTF-16 post")
        self.assertEqual(self.hit("bomword")["title"], "BOM post")
        self.assertEqual(self.hit("badbyteword")["title"], "Bad bytes")
        self.assertEqual(self.hit("recipeword")["url"], "/blog/recipes/bread/sourdough/")
        for word in ("keptword", "htmlword", "kiteword", "codeword", "sectionword"):
            self.assertIsNotNone(self.hit(word), word)
        self.assertEqual((self.hit("pageword")["url"], self.hit("pageword")["type"]), ("/blog/about.html", "page"))
        for word in ("scriptword", "futureword", "draftword", "noteword", "secretword", "globword"):
            self.assertIsNone(self.hit(word), word)
        self.assertEqual(self.hit("sectionword")["sections"][0]["url"],
                         "/blog/2022/02/08/markup.html#deep-section")

    def test_flags_bring_in_drafts_future_and_pages(self):
        summary, _ = index(self.site, self.idx, "--drafts", "--future", "--pages")
        self.assertEqual(self.hit("draftword")["title"], "A draft")
        self.assertEqual(self.hit("futureword")["title"], "Future")
        self.assertEqual(self.hit("pageword")["url"], "/blog/about.html")
        self.assertIsNone(self.hit("secretword"))

    def test_code_weighs_less_than_prose(self):
        self.write("_posts/2022-03-01-prose.md", "---\ntitle: Prose\n---\nZebrafish zebrafish.\n")
        self.write("_posts/2022-03-02-code.md", "---\ntitle: Code\n---\n```\nzebrafish(); zebrafish();\n```\n")
        index(self.site, self.idx)
        hits = query_json(self.idx, "zebrafish", check=0)["hits"]
        self.assertEqual([h["title"] for h in hits], ["Prose", "Code"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
