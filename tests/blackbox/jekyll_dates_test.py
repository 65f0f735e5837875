"""Dates as the generator places them, and the generator's output as ground truth.

Builds tests/fixtures/jekyll-releases (Jekyll's 102 release posts, dated like
"2013-05-06 02:12:52 +0200") with the real `jekyll` under several time zones (the site's
`timezone:`, or none and the build machine's TZ), and requires every post URL the index
gives to be a page Jekyll wrote, with the date Jekyll gave it (its layout prints the date
into <time datetime>). Then: front matter that YAML 1.1 and duplicate keys decide, checked
against the real build; the same for Hugo (`timeZone`, dates with and without offsets);
and a post a plugin moves, found in the built output by --site-output."""
import html.parser
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import INDEXER, SOURCE, anchor_problems, index, page_path, query_json, run  # noqa: E402

FIXTURES = os.path.join(SOURCE, "tests", "fixtures")
RELEASES = os.path.join(FIXTURES, "jekyll-releases")


class _Times(html.parser.HTMLParser):
    """The datetime of the page's first <time> element."""

    def __init__(self):
        super().__init__()
        self.datetime = None

    def handle_starttag(self, tag, attrs):
        if tag == "time" and self.datetime is None:
            self.datetime = dict(attrs).get("datetime")


def page_datetime(page):
    parser = _Times()
    with open(page, encoding="utf-8") as f:
        parser.feed(f.read())
    return parser.datetime


def all_hits(idx):
    hits = []
    for page in (1, 2, 3):  # query exits 1 on a page without hits
        out = query_json(idx, "--per-page", "100", "--page", str(page), "--no-facets")
        hits += out["hits"]
        if len(out["hits"]) < 100:
            break
    return hits


def env_with_tz(tz):
    env = dict(os.environ)
    env.pop("TZ", None)
    if tz is not None:
        env["TZ"] = tz
    return env


class GeneratorCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="postsearch-dates-")
        self.site = os.path.join(self.tmp, "site")
        self.out = os.path.join(self.tmp, "out")  # outside the site: the URLs are computed
        self.idx = os.path.join(self.tmp, "index")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def copy(self, fixture):
        shutil.copytree(fixture, self.site)

    def append_config(self, name, text):
        with open(os.path.join(self.site, name), "a") as f:
            f.write(text)

    def write(self, rel, text):
        path = os.path.join(self.site, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def jekyll(self, tz=None):
        p = run(["jekyll", "build", "--source", self.site, "--destination", self.out, "--quiet"],
                timeout=300, env=env_with_tz(tz))
        self.assertEqual(p.returncode, 0, p.stderr)

    def hugo(self, tz=None):
        p = run(["hugo", "--quiet", "--source", self.site, "--destination", self.out],
                timeout=300, env=env_with_tz(tz))
        self.assertEqual(p.returncode, 0, p.stderr)

    def urls_match(self, tz, expected_posts):
        """Every post URL in the index is a page the generator wrote, with its date, and every
        section anchor an id in that page."""
        p = run([INDEXER, self.site, "--index", self.idx, "--json", "--rebuild"], env=env_with_tz(tz))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("is not a page", p.stderr)
        hits = all_hits(self.idx)
        self.assertEqual(len(hits), expected_posts)
        wrong = []
        for h in hits:
            page = page_path(self.out, h["url"])
            if not os.path.exists(page):
                wrong.append(f"{h['id']}: {h['url']} is not a page")
                continue
            # The day (what the URL, the year and month filters and facets use). Not the time:
            # Ruby's Time.parse reads "2023-01-29 18:30:22 2023 -0800" (one release post) as
            # 18:30:22 local time, where the indexer warns and takes the file name's day.
            wrong += anchor_problems(self.idx, h, page)
            built = page_datetime(page)
            if built is not None and h.get("date", "")[:10] != built[:10]:
                wrong.append(f"{h['id']}: dated {h.get('date')}, the generator says {built}")
        self.assertEqual(wrong, [], f"{len(wrong)} of {len(hits)} wrong")
        return hits


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class JekyllReleaseDates(GeneratorCase):
    def test_site_time_zones(self):
        self.copy(RELEASES)
        with open(os.path.join(self.site, "_config.yml")) as f:
            base = f.read()
        for zone in ("America/Los_Angeles", "Asia/Tokyo"):
            with self.subTest(timezone=zone):
                with open(os.path.join(self.site, "_config.yml"), "w") as f:
                    f.write(base + f"timezone: {zone}\n")
                shutil.rmtree(self.out, ignore_errors=True)
                # The machine's TZ must not matter when the site names its zone.
                self.jekyll(tz="Pacific/Honolulu")
                hits = self.urls_match("Pacific/Honolulu", 102)
                moved = [h for h in hits if h["url"].startswith("/release/2013/05/05/")]
                if zone == "America/Los_Angeles":  # "2013-05-06 02:12:52 +0200" is May 5th there
                    self.assertEqual(len(moved), 1, [h["url"] for h in hits][:5])

    def test_machine_time_zone(self):
        self.copy(RELEASES)
        for tz in ("Asia/Tokyo", "Pacific/Honolulu"):
            with self.subTest(TZ=tz):
                shutil.rmtree(self.out, ignore_errors=True)
                self.jekyll(tz=tz)
                self.urls_match(tz, 102)


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class JekyllFrontMatter(GeneratorCase):
    """YAML as Ruby reads it: the posts below were built by Jekyll 4.3.1 with TZ=Pacific/Honolulu."""

    POSTS = {
        "2013-05-06-quoted-offset.md": 'date: "2013-05-06 02:12:52 +0200"',  # /2013/05/05/
        "2013-05-06-plain-offset.md": "date: 2013-05-06 02:12:52 +0200",  # /2013/05/05/
        "2013-05-06-quoted-local.md": 'date: "2013-05-06 02:12:52"',  # Honolulu time: /05/06/
        "2013-05-06-plain-utc.md": "date: 2013-05-06 02:12:52",  # UTC to Ruby's YAML: /05/05/
        "2013-05-06-plain-minutes.md": "date: 2013-05-06 23:30",  # not a YAML timestamp: /05/06/
        "2013-05-06-date-only.md": "date: 2013-05-07",  # /2013/05/07/
        "2013-05-06-from-name.md": "",  # /2013/05/06/
        "2013-05-06-twice.md": "date: 2013-05-07 10:00:00\ndate: 2013-05-09 10:00:00",  # the last
        "2013-05-06-title-twice.md": "title: First\ntitle: Last title",
        "2013-05-06-published-n.md": "published: n",  # a string: published
        "2013-05-06-published-quoted-no.md": 'published: "no"',  # a string: published
        "2013-05-06-published-no.md": "published: no",  # left out
        "2013-05-06-published-NO.md": "published: NO",  # left out
        "2013-05-06-published-off.md": "published: Off",  # left out
        "2013-05-06-published-mixed.md": "published: fALSE",  # left out
        "2013-05-06-published-twice.md": "published: true\npublished: off",  # left out
    }

    def test_dates_booleans_and_duplicate_keys(self):
        os.makedirs(self.site)
        self.write("_config.yml", "title: t\n")
        self.write("_layouts/default.html", open(os.path.join(RELEASES, "_layouts", "default.html")).read())
        for name, fields in self.POSTS.items():
            title = "" if "title:" in fields else f"title: {name[11:-3]}\n"
            self.write(f"_posts/{name}", f"---\nlayout: default\n{title}{fields}\n---\nText of {name}.\n")
        self.jekyll(tz="Pacific/Honolulu")
        written = sorted(os.path.relpath(os.path.join(d, f), self.out)
                         for d, _, fs in os.walk(self.out) for f in fs if f.endswith(".html"))
        self.assertEqual(len(written), 11, written)  # the five unpublished left out
        hits = self.urls_match("Pacific/Honolulu", 11)
        by_id = {h["id"]: h for h in hits}
        self.assertEqual(by_id["_posts/2013-05-06-plain-utc.md"]["url"], "/2013/05/05/plain-utc.html")
        self.assertEqual(by_id["_posts/2013-05-06-twice.md"]["url"], "/2013/05/09/twice.html")
        self.assertEqual(by_id["_posts/2013-05-06-title-twice.md"]["title"], "Last title")


@unittest.skipUnless(shutil.which("hugo"), "hugo is not installed (scripts/install-deps installs it)")
class HugoDates(GeneratorCase):
    POSTS = {
        "quoted-offset": 'date: "2013-05-06T02:12:52+02:00"',
        "plain-offset": "date: 2013-05-06T02:12:52+02:00",
        "space-offset": 'date: "2013-05-06 02:12:52 +0200"',
        "local": 'date: "2013-05-06T23:12:52"',
        "plain-local": "date: 2013-05-06 23:12:52",
        "utc": "date: 2013-05-06T03:30:00Z",
        "day": "date: 2013-05-07",
        "twice": "date: 2013-05-07\ndate: 2013-05-09",
        "draft-n": "date: 2013-05-07\ndraft: n",  # published
        "draft-yEs": "date: 2013-05-07\ndraft: yEs",  # not a boolean to Go's YAML: published
        "draft-y": "date: 2013-05-07\ndraft: y",  # left out
        "draft-On": "date: 2013-05-07\ndraft: On",  # left out
    }

    def test_time_zone_and_offsets(self):
        os.makedirs(self.site)
        self.write("hugo.toml", 'baseURL = "https://example.org/"\ntimeZone = "Pacific/Honolulu"\n'
                   '[permalinks]\nposts = "/:year/:month/:day/:filename/"\n')
        self.write("layouts/_default/single.html",
                   '<html><head><title>{{ .Title }}</title></head><body>'
                   '<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}"></time>'
                   '{{ .Content }}</body></html>')
        self.write("layouts/_default/list.html", "<html><body>{{ range .Pages }}{{ .Title }}{{ end }}</body></html>")
        for name, fields in self.POSTS.items():
            self.write(f"content/posts/{name}.md", f"---\ntitle: {name}\n{fields}\n---\nText of {name}.\n")
        self.write("content/posts/toml-local.md", '+++\ntitle = "toml-local"\ndate = 2013-05-06T23:12:52\n+++\nText.\n')
        self.write("content/posts/toml-offset.md", '+++\ntitle = "toml-offset"\ndate = 2013-05-06T02:12:52+02:00\n+++\nText.\n')
        self.hugo(tz="Asia/Tokyo")  # Hugo ignores the machine's zone
        hits = self.urls_match("Asia/Tokyo", 12)
        by_id = {h["id"]: h for h in hits}
        self.assertEqual(by_id["content/posts/twice.md"]["url"], "/2013/05/09/twice/")
        self.assertEqual(by_id["content/posts/local.md"]["date"], "2013-05-06T23:12:52-10:00")


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class SiteOutputTruth(GeneratorCase):
    def test_a_post_moved_by_a_plugin(self):
        self.copy(os.path.join(FIXTURES, "jekyll-moved-by-plugin"))
        self.jekyll()
        summary, p = index(self.site, self.idx, "--site-output", self.out)
        self.assertIn("_posts/2024-02-03-moved.md", p.stderr)
        self.assertIn("computed URL /2024/02/03/moved.html is not a page", p.stderr)
        urls = sorted(h["url"] for h in all_hits(self.idx))
        self.assertEqual(urls, ["/2024/02/02/kept.html", "/elsewhere/by-a-plugin/"])
        for url in urls:
            self.assertTrue(os.path.exists(page_path(self.out, url)), url)

    def test_site_output_in_the_config_file(self):
        self.copy(os.path.join(FIXTURES, "jekyll-moved-by-plugin"))
        self.jekyll()
        config = os.path.join(self.tmp, "indexer.yml")
        with open(config, "w") as f:
            f.write("site: site\nindex: index\nsite_output: out\n")  # relative to the file
        run([INDEXER, "--config", config, "-q"], check=0)
        self.assertIn("/elsewhere/by-a-plugin/", [h["url"] for h in all_hits(self.idx)])

    def test_found_by_itself_when_newer_than_the_sources(self):
        self.copy(os.path.join(FIXTURES, "jekyll-moved-by-plugin"))
        p = run(["jekyll", "build", "--source", self.site, "--destination", os.path.join(self.site, "_site"),
                 "--quiet"], timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        index(self.site, self.idx)
        self.assertIn("/elsewhere/by-a-plugin/", [h["url"] for h in all_hits(self.idx)])
        # A source edited after the build: _site is stale and not used.
        post = os.path.join(self.site, "_posts", "2024-02-02-kept.md")
        with open(post, "a") as f:
            f.write("\nMore.\n")
        _, p = index(self.site, self.idx)
        self.assertIn("older than the sources", p.stderr)
        self.assertIn("/2024/02/03/moved.html", [h["url"] for h in all_hits(self.idx)])

    def test_not_a_folder(self):
        self.copy(os.path.join(FIXTURES, "jekyll-moved-by-plugin"))
        p = run([INDEXER, self.site, "--index", self.idx, "--site-output", os.path.join(self.tmp, "nowhere")],
                check=2)
        self.assertIn("not a folder", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
