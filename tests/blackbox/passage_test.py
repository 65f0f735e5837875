"""Passage links on examples/site built by the real Jekyll: for every hit and section of 30
queries, the text fragment of `passage_url` is looked for in the built page's visible text the
way a browser does (prefix, start and end terms, case and accents ignored, whole words, the
first match wins) and must select a range holding the snippet's words; a section whose text
is not on the page, and a site indexed without its build, link to the section's anchor."""
import html.parser
import os
import re
import shutil
import sys
import unicodedata
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE, SiteTestCase, index, page_path, query_json, run  # noqa: E402

QUERIES = [
    "xapian", "tutorial", "rust ownership", "sourdough", "bm25", "trail running", "camping",
    "keyboard", "search", "jekyll", "liquid", "commit", "perf", "swimming", "milky way",
    "ranges", "tests", "bread", "alps", "mushroom", "bouldering", "escaping html", "webextension",
    "index", "database", "release", "concurrent bugs", "advent of code", "night train", "schwarzwald",
]

BLOCKS = {"address", "article", "aside", "blockquote", "body", "br", "button", "caption", "dd",
          "details", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
          "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "legend", "li", "main", "nav",
          "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
          "thead", "tr", "ul"}
HIDDEN = {"head", "script", "style", "noscript", "template", "iframe", "svg", "select", "textarea"}
VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "base", "col"}


class VisibleText(html.parser.HTMLParser):
    """The page's visible text, one string per block, white space collapsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks, self.current, self.hidden = [], "", 0

    def flush(self):
        text = " ".join(self.current.split())
        if text:
            self.blocks.append(text)
        self.current = ""

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN and tag not in VOID:
            self.hidden += 1
        if tag in BLOCKS:
            self.flush()

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag in BLOCKS:
            self.flush()

    def handle_data(self, data):
        if not self.hidden:
            self.current += data


def visible_blocks(path):
    parser = VisibleText()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    parser.flush()
    return parser.blocks


def fold(text):
    """Each character folded as a text-fragment match compares it (case, accents), keeping one
    output character per input character so that offsets stay put."""
    out = []
    for c in text:
        base = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch))
        out.append((base.casefold() or c)[:1])
    return "".join(out)


def bounded(text, at, end):
    def word(c):
        return c.isalnum()
    return (at == 0 or not (word(text[at - 1]) and word(text[at]))) and \
           (end == len(text) or not (word(text[end - 1]) and word(text[end])))


def find_in_block(block, term, start=0):
    folded, t = fold(block), fold(term)
    at = folded.find(t, start)
    while at >= 0 and not bounded(block, at, at + len(t)):
        at = folded.find(t, at + 1)
    return at


def followed_by(text, at, suffix):
    """Whether `suffix` follows text[at:] after white space, as a whole word."""
    while at < len(text) and text[at] == " ":
        at += 1
    return fold(text[at:at + len(suffix)]) == fold(suffix) and bounded(text, at, at + len(suffix))


def match(blocks, prefix, start, end, suffix=None):
    """The text a browser selects for the directive: (block index, offset) of the start and the
    selected text; None when it finds nothing."""
    for b, block in enumerate(blocks):
        at = 0
        while True:
            if prefix:
                p = find_in_block(block, prefix, at)
                if p < 0:
                    break
                s = p + len(prefix)
                while s < len(block) and block[s] == " ":
                    s += 1
                at = p + 1
                if fold(block[s:s + len(start)]) != fold(start) or not bounded(block, s, s + len(start)):
                    continue
            else:
                s = find_in_block(block, start, at)
                if s < 0:
                    break
            selected = block[s:s + len(start)]
            if not end:
                return (b, s), selected
            rest, first = block[s + len(start):], True
            for b2 in range(b, len(blocks)):
                text = rest if first else blocks[b2]
                e = find_in_block(text, end)
                while e >= 0 and suffix and not followed_by(text, e + len(end), suffix):
                    e = find_in_block(text, end, e + 1)
                if e >= 0:
                    return (b, s), selected + " " + text[:e + len(end)]
                selected += " " + text
                first = False
            return None
    return None


def parse_directive(url):
    if ":~:text=" not in url:
        return None
    value = url.split(":~:text=", 1)[1]
    parts = value.split(",")
    prefix = urllib.parse.unquote(parts.pop(0)[:-1]) if parts[0].endswith("-") else None
    suffix = urllib.parse.unquote(parts.pop()[1:]) if parts[-1].startswith("-") else None
    start = urllib.parse.unquote(parts[0])
    end = urllib.parse.unquote(parts[1]) if len(parts) > 1 else None
    return prefix, start, end, suffix


def words(text):
    return [fold(w) for w in re.findall(r"\w+", text)]


def plain(snippet_html):
    return re.sub(r"<[^>]+>", "", snippet_html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def snippet_words(snippet_html):
    w = words(plain(snippet_html).replace("…", " "))
    return w[1:-1]  # the first and last may be cut


def is_subsequence(needle, hay):
    it = iter(hay)
    return all(any(w == h for h in it) for w in needle)


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class PassageLinks(SiteTestCase):
    def build(self):
        dest = os.path.join(self.site, "_site")
        p = run(["jekyll", "build", "--source", self.site, "--destination", dest, "--quiet"], timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        return dest

    def check(self, dest, url, snippet_html, section_url):
        """Checks one passage link; returns True when it carries a text fragment."""
        self.assertTrue(url.startswith(section_url), (url, section_url))
        d = parse_directive(url)
        if d is None:
            self.assertEqual(url, section_url)
            return False
        prefix, start, end, suffix = d
        self.assertNotRegex(url.split(":~:text=", 1)[1], r"[^A-Za-z0-9!$'()*+./:;=?@_~%,-]")
        blocks = visible_blocks(page_path(dest, url.split("#", 1)[0]))
        found = match(blocks, prefix, start, end, suffix)
        self.assertIsNotNone(found, f"{url}: the fragment finds nothing on the page")
        _, selected = found
        expected = snippet_words(snippet_html)
        self.assertTrue(is_subsequence(expected, words(selected)),
                        f"{url}\n selects {selected!r}\n snippet {snippet_html!r}")
        return True

    def check_queries(self, dest, queries):
        """Checks every link of every hit of `queries`; returns the links from a passage of
        the text and how many of them carry a fragment."""
        links = fragments = 0
        for q in queries:
            for h in (query_json(self.idx, q, "--no-facets") or {}).get("hits", []):
                first = h["passage_url"].split("#", 1)[0]
                self.assertEqual(first, h["url"])
                section = h["passage_url"].split(":~:", 1)[0]
                items = [(h["passage_url"], h["snippet_html"], section, h["description"])]
                items += [(s["passage_url"], s["snippet_html"], s["url"], s["heading"]) for s in h["sections"]]
                for url, snippet, section_url, not_text in items:
                    has_fragment = self.check(dest, url, snippet, section_url)
                    if plain(snippet) == not_text:
                        # The description or a heading: no passage of the text to link to.
                        self.assertFalse(has_fragment, url)
                        continue
                    links += 1
                    fragments += has_fragment
        return links, fragments

    def test_every_passage_of_30_queries_is_found_on_the_built_page(self):
        dest = self.build()
        index(self.site, self.idx)
        links, fragments = self.check_queries(dest, QUERIES)
        self.assertGreater(links, 120)
        self.assertEqual(fragments, links)

    def test_smart_quotes_come_from_the_page(self):
        self.build()
        index(self.site, self.idx)
        hit = query_json(self.idx, "xapian tutorial", "--no-facets", check=0)["hits"][0]
        self.assertIn("%E2%80%9Cxapian%E2%80%9D", hit["passage_url"])  # “xapian” as kramdown wrote it

    def test_text_not_on_the_page_falls_back_to_the_anchor(self):
        dest = self.build()
        page = page_path(dest, "/engineering/2021/07/18/understanding-bm25/")
        with open(page, encoding="utf-8") as f:
            text = f.read()
        # The section's words no longer on the page: its link must be its anchor.
        text = text.replace("Rare terms weigh more than common ones.", "Something else entirely.")
        text = re.sub(r"A query for “the xapian tutorial” is decided by\s*“xapian”, not by “the”.",
                      "Nothing of the kind here.", text)
        with open(page, "w", encoding="utf-8") as f:
            f.write(text)
        index(self.site, self.idx)
        hit = query_json(self.idx, "xapian tutorial", "--no-facets", check=0)["hits"][0]
        self.assertEqual(hit["url"], "/engineering/2021/07/18/understanding-bm25/")
        self.assertEqual(hit["passage_url"], hit["url"] + "#inverse-document-frequency")
        self.assertEqual(hit["sections"][0]["passage_url"], hit["sections"][0]["url"])

    def test_without_the_build_links_are_anchors(self):
        index(self.site, self.idx)
        out = query_json(self.idx, "xapian", "--no-facets", check=0)
        for h in out["hits"]:
            self.assertNotIn(":~:", h["passage_url"])
            for s in h["sections"]:
                self.assertEqual(s["passage_url"], s["url"])


@unittest.skipUnless(shutil.which("hugo"), "hugo is not installed (scripts/install-deps installs it)")
class HugoPassageLinks(PassageLinks):
    """The same on examples/hugo-site built by the real Hugo (Goldmark's typographer)."""

    def setUp(self):
        super().setUp()
        shutil.rmtree(self.site)
        shutil.copytree(os.path.join(SOURCE, "examples", "hugo-site"), self.site,
                        ignore=shutil.ignore_patterns("public", "resources"))

    def build(self):
        dest = os.path.join(self.site, "public")
        p = run(["hugo", "--quiet", "--source", self.site, "--destination", dest], timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        return dest

    def test_every_passage_of_30_queries_is_found_on_the_built_page(self):
        dest = self.build()
        index(self.site, self.idx)
        links, fragments = self.check_queries(dest, QUERIES + ["hugo", "shortcode", "theme", "post"])
        self.assertGreater(links, 10)
        self.assertEqual(fragments, links)

    test_smart_quotes_come_from_the_page = None
    test_text_not_on_the_page_falls_back_to_the_anchor = None
    test_without_the_build_links_are_anchors = None


if __name__ == "__main__":
    unittest.main(verbosity=2)
