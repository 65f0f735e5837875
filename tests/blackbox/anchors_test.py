"""Heading ids exactly as the site's Markdown engine writes them: builds the posts of
tests/fixtures/anchors with the real Jekyll (kramdown: GFM input, kramdown input,
transliterated ids with prefix and stripping) and the real Hugo (Goldmark: github,
github-ascii, blackfriday, raw HTML on and off), indexes each site, and requires that every
section anchor the index gives is an id in the built page of that post, and that every
heading id the generator wrote is an anchor of the index."""
import html.parser
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE, index, page_path, query_json, run  # noqa: E402

POSTS = os.path.join(SOURCE, "tests", "fixtures", "anchors", "posts")
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class _PageIds(html.parser.HTMLParser):
    """Every id in a page, and those of its headings."""

    def __init__(self):
        super().__init__()
        self.ids = set()
        self.heading_ids = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id" and v:
                self.ids.add(v)
                if tag in HEADINGS:
                    self.heading_ids.append(v)


def page_ids(path):
    parser = _PageIds()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    return parser


class AnchorCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="postsearch-anchors-")
        self.site = os.path.join(self.tmp, "site")
        self.dest = os.path.join(self.tmp, "out")
        self.idx = os.path.join(self.tmp, "index")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rel, text):
        path = os.path.join(self.site, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def posts(self):
        for name in sorted(os.listdir(POSTS)):
            with open(os.path.join(POSTS, name), encoding="utf-8") as f:
                yield name, f.read()

    def check_anchors(self):
        """Compares the index's anchors with the ids in each built page; returns how many
        anchors matched."""
        summary, _ = index(self.site, self.idx)
        self.assertEqual(summary["documents"], len(os.listdir(POSTS)))
        hits = query_json(self.idx, "--per-page", "100", "--no-facets", check=0)["hits"]
        self.assertEqual(len(hits), summary["documents"])
        problems, matched = [], 0
        for h in hits:
            page = page_path(self.dest, h["url"])
            self.assertTrue(os.path.exists(page), f"{h['url']} is not a page the generator wrote")
            ids = page_ids(page)
            post = query_json(self.idx, "--post", h["id"], check=0)
            anchors = [s["anchor"] for s in post["sections"] if s["anchor"]]
            for s in post["sections"]:
                link = f"{h['url']}#{s['anchor']}" if s["anchor"] else h["url"]
                if s["url"] != link:  # a heading without an id links to the page, not "url#"
                    problems.append(f"{h['url']}: section {s['heading']!r} links to {s['url']}")
                if s["anchor"] and s["anchor"] not in ids.ids:
                    problems.append(f"{h['url']}: index gives #{s['anchor']} for {s['heading']!r}; "
                                    f"the page's heading ids are {ids.heading_ids}")
            for written in ids.heading_ids:
                if written not in anchors:
                    problems.append(f"{h['url']}: the page has heading id #{written}; the index has "
                                    f"{[(s['heading'], s['anchor']) for s in post['sections']]}")
            matched += sum(1 for a in anchors if a in ids.ids)
        self.assertEqual(problems, [])
        return matched


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class JekyllAnchors(AnchorCase):
    def build(self, kramdown):
        config = "title: anchors\n"
        if kramdown:
            config += "kramdown:\n" + "".join(f"  {k}: {v}\n" for k, v in kramdown.items())
        self.write("_config.yml", config)
        for name, text in self.posts():
            self.write(f"_posts/2024-01-01-{name}", text)
        p = run(["jekyll", "build", "--source", self.site, "--destination", self.dest, "--quiet"],
                timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_gfm_input(self):
        self.build({})
        self.assertGreaterEqual(self.check_anchors(), 40)

    def test_gfm_input_with_prefix(self):
        self.build({"auto_id_prefix": "sec-"})
        self.assertGreaterEqual(self.check_anchors(), 40)

    def test_kramdown_input(self):
        self.build({"input": "kramdown"})
        self.assertGreaterEqual(self.check_anchors(), 40)

    @unittest.skipIf(run(["ruby", "-e", "gem 'stringex'"]).returncode != 0,
                     "kramdown's transliteration needs ruby-stringex (scripts/install-deps)")
    def test_kramdown_transliterated_stripped_prefixed(self):
        self.build({"input": "kramdown", "transliterated_header_ids": "true",
                    "auto_id_stripping": "true", "auto_id_prefix": "h-"})
        self.assertGreaterEqual(self.check_anchors(), 40)

    def test_kramdown_without_auto_ids(self):
        self.build({"input": "kramdown", "auto_ids": "false"})
        self.assertGreaterEqual(self.check_anchors(), 5)


@unittest.skipUnless(shutil.which("hugo"), "hugo is not installed (scripts/install-deps installs it)")
class HugoAnchors(AnchorCase):
    def build(self, parser, unsafe):
        self.write("hugo.toml", "baseURL = 'https://example.org/'\ntitle = 'anchors'\n"
                   "disableKinds = ['taxonomy', 'term', 'RSS', 'sitemap']\n"
                   f"[markup.goldmark.renderer]\nunsafe = {unsafe}\n"
                   "[markup.goldmark.parser]\n" + "".join(f"{k} = {v}\n" for k, v in parser.items()))
        self.write("layouts/_default/single.html", "{{ .Content }}\n")
        self.write("layouts/_default/list.html", "list\n")
        for name, text in self.posts():
            self.write(f"content/posts/{name}", text)
        p = run(["hugo", "--source", self.site, "--destination", self.dest, "--quiet"], timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_github(self):
        self.build({}, "true")
        self.assertGreaterEqual(self.check_anchors(), 40)

    def test_github_ascii(self):
        self.build({"autoHeadingIDType": "'github-ascii'"}, "false")
        self.assertGreaterEqual(self.check_anchors(), 40)

    def test_blackfriday(self):
        self.build({"autoHeadingIDType": "'blackfriday'"}, "true")
        self.assertGreaterEqual(self.check_anchors(), 40)

    def test_without_auto_ids_or_attributes(self):
        self.build({"autoHeadingID": "false", "attribute": "{ title = false }"}, "true")
        self.assertGreaterEqual(self.check_anchors(), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
