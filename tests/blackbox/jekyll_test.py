"""Builds examples/site with the real Jekyll (Debian's jekyll package) and checks that every
URL in the index is a page Jekyll wrote, and every section anchor is an id in that page."""
import html.parser
import os
import shutil
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import QUERY, SiteTestCase, index, query_json, run  # noqa: E402


class Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id" and v:
                self.ids.add(v)


def page_path(site_dir, url):
    path = urllib.parse.unquote(url.split("#", 1)[0])
    full = os.path.join(site_dir, path.lstrip("/"))
    return os.path.join(full, "index.html") if path.endswith("/") else full


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class JekyllBuild(SiteTestCase):
    def build(self, *extra):
        dest = os.path.join(self.tmp, "_site")
        p = run(["jekyll", "build", "--source", self.site, "--destination", dest, "--quiet", *extra], timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        return dest

    def check_all(self, dest, *index_args):
        summary, _ = index(self.site, self.idx, *index_args)
        hits = query_json(self.idx, "--per-page", "100", "--no-facets", check=0)["hits"]
        self.assertEqual(len(hits), summary["documents"])
        problems = []
        for h in hits:
            page = page_path(dest, h["url"])
            if not os.path.exists(page):
                problems.append(f"{h['id']}: {h['url']} is not a page Jekyll wrote")
                continue
            parser = Ids()
            with open(page, encoding="utf-8") as f:
                parser.feed(f.read())
            post = query_json(self.idx, "--post", h["id"], check=0)
            for s in post["sections"]:
                if s["anchor"] not in parser.ids:
                    problems.append(f"{h['id']}: #{s['anchor']} ({s['heading']!r}) is not an id in {h['url']}")
        self.assertEqual(problems, [])
        return len(hits)

    def test_every_url_and_anchor_exists(self):
        self.assertEqual(self.check_all(self.build()), 47)

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
