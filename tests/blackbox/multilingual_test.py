"""Multilingual sites as readers see them: a Jekyll site laid out by language folder
(tests/fixtures/jekyll-multilingual, built with the real jekyll) and the Hugo sites
(translations by file name in examples/hugo-site, by folder in tests/fixtures/hugo-by-folder).
With a language, every answer (hits, completions, related posts, feeds, the search page) is
in it; without one, a post and its translations are one hit, in the reader's language."""
import json
import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE, index, query_json, run, site_problems  # noqa: E402
from http_test import Service  # noqa: E402

JEKYLL_SITE = os.path.join(SOURCE, "tests", "fixtures", "jekyll-multilingual")
HUGO_SITE = os.path.join(SOURCE, "examples", "hugo-site")
BY_FOLDER = os.path.join(SOURCE, "tests", "fixtures", "hugo-by-folder")
RELEASE = "news/_posts/2023-12-25-release-3-3.md"
ATOM = "{http://www.w3.org/2005/Atom}"


def q(idx, *args, check=None):
    return query_json(idx, "--per-page", "50", *args, check=check)


class JekyllByFolder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="postsearch-multilingual-")
        cls.site = os.path.join(cls.tmp, "site")
        shutil.copytree(JEKYLL_SITE, cls.site)
        cls.idx = os.path.join(cls.tmp, "index")
        index(cls.site, cls.idx)
        cls.svc = Service(cls.idx, "--rate-limit", "0")

    @classmethod
    def tearDownClass(cls):
        cls.svc.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def get(self, path, **params):
        status, _, body = self.svc.get_json(path + "?" + urllib.parse.urlencode(params, doseq=True))
        self.assertEqual(status, 200, body)
        return body

    @unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed")
    def test_every_url_is_a_page_jekyll_wrote(self):
        dest = os.path.join(self.tmp, "_site")
        p = run(["jekyll", "build", "--quiet", "-s", self.site, "-d", dest], timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        problems, checked = site_problems(self.idx, os.path.join(dest))
        self.assertEqual((problems, checked), ([], 9))

    def test_the_folder_gives_the_language(self):
        hits = q(self.idx, "--no-collapse", check=0)["hits"]
        self.assertEqual({h["id"]: h["lang"] for h in hits},
                         {h["id"]: h["id"].split("/")[0] for h in hits})
        self.assertEqual(len(hits), 9)

    def test_with_a_language_every_hit_is_in_it(self):
        for word in ["yjit", "security", "ruby", "3.3"]:
            body = self.get("/api/search", q=word, lang="en")
            self.assertTrue(body["hits"], word)
            self.assertEqual({h["lang"] for h in body["hits"]}, {"en"}, word)
            self.assertEqual(body["langs"], ["en"])
        # The German post about YJIT is not on the English pages; on the German ones it is.
        de = self.get("/api/search", q="yjit", lang="de")["hits"]
        self.assertEqual(de[0]["id"], "de/news/_posts/2024-06-01-yjit-feinabstimmung.md")

    def test_suggest_completes_and_offers_posts_in_the_language_only(self):
        everywhere = self.get("/api/suggest", q="rub")
        self.assertIn("rubrique", [c["text"] for c in everywhere["completions"]])
        en = self.get("/api/suggest", q="rub", lang="en")
        words = [c["text"] for c in en["completions"]]
        self.assertIn("ruby", words)
        self.assertNotIn("rubrique", words)
        self.assertTrue(en["posts"])
        self.assertEqual({p["lang"] for p in en["posts"]}, {"en"})
        # Counted in English posts: "ruby" is in the RubyGems post only there.
        self.assertEqual([c["posts"] for c in en["completions"] if c["text"] == "ruby"], [1])
        cli = q(self.idx, "--suggest", "rub", "--lang", "en", check=0)
        self.assertEqual([c["text"] for c in cli["completions"]], words)
        self.assertEqual({p["lang"] for p in cli["posts"]}, {"en"})

    def test_related_posts_are_in_the_posts_language_and_not_its_translations(self):
        en_release = "en/" + RELEASE
        hits = self.get("/api/related/" + en_release)["hits"]
        self.assertTrue(hits)
        self.assertEqual({h["lang"] for h in hits}, {"en"})
        cli = q(self.idx, "--related", en_release, check=0)["hits"]
        self.assertEqual([h["id"] for h in cli], [h["id"] for h in hits])
        anywhere = self.get("/api/related/" + en_release, lang="*")["hits"]
        ids = [h["id"] for h in anywhere]
        self.assertNotIn("de/" + RELEASE, ids)
        self.assertNotIn("ja/" + RELEASE, ids)
        self.assertGreater(len({h["lang"] for h in anywhere}), 1)
        de = self.get("/api/related/" + en_release, lang="de")["hits"]
        self.assertEqual({h["lang"] for h in de}, {"de"})

    def test_feed_entries_are_in_the_language(self):
        status, _, data = self.svc.request("GET", "/search.atom?q=security&lang=en")
        self.assertEqual(status, 200)
        links = [e.find(ATOM + "link").get("href") for e in ET.fromstring(data).iter(ATOM + "entry")]
        self.assertTrue(links)
        for link in links:
            self.assertIn("/en/news/", link)

    def test_without_a_language_one_hit_per_translation_group(self):
        body = self.get("/api/search", q="3.3")
        ids = [h["id"] for h in body["hits"]]
        release = [h for h in body["hits"] if h["id"].endswith(RELEASE)]
        self.assertEqual(len(release), 1, ids)
        shown = release[0]
        self.assertEqual(shown["id"], "en/" + RELEASE)  # the site's language
        self.assertEqual(sorted((t["lang"], t["url"], t["title"]) for t in shown["translations"]), [
            ("de", "/de/news/2023/12/25/release-3-3.html", "Version 3.3 veröffentlicht"),
            ("ja", "/ja/news/2023/12/25/release-3-3.html", "バージョン 3.3 リリース"),
            ("pt", "/pt/news/2023/12/25/release-3-3.html", "Versão 3.3 lançada")])
        # The pair tied by `ref` in front matter, with different file names.
        fix = self.get("/api/search", q="denial")["hits"]
        self.assertEqual([(h["id"], [t["lang"] for t in h["translations"]]) for h in fix],
                         [("en/news/_posts/2024-03-01-uri-security-fix.md", ["de"])])
        # Posts without translations have none.
        gems = self.get("/api/search", q="rubygems")["hits"]
        self.assertEqual([(h["id"], h["translations"]) for h in gems],
                         [("en/news/_posts/2024-05-10-rubygems-update.md", [])])
        # collapse=false shows every translation.
        every = self.get("/api/search", q="3.3", collapse="false")["hits"]
        self.assertEqual(len([h for h in every if h["id"].endswith(RELEASE)]), 4)
        self.assertEqual(len(q(self.idx, "--no-collapse", "3.3")["hits"]), len(every))

    def test_the_readers_language_is_shown_when_it_matches(self):
        for reader, shown in [("de", "de/"), ("ja", "ja/"), ("en", "en/"), ("pt-BR", "pt/")]:
            hits = self.get("/api/search", q="3.3", query_lang=reader)["hits"]
            release = [h for h in hits if h["id"].endswith(RELEASE)]
            self.assertEqual([h["id"] for h in release], [shown + RELEASE], reader)
            self.assertNotIn(shown[:2], [t["lang"] for t in release[0]["translations"]])
        # French has no translation of it: the site's language.
        hits = self.get("/api/search", q="3.3", query_lang="fr")["hits"]
        self.assertEqual([h["id"] for h in hits if h["id"].endswith(RELEASE)], ["en/" + RELEASE])
        # A translation that does not match is not shown: "parser" is in the English and
        # German posts, not the Japanese one.
        hits = self.get("/api/search", q="parser", query_lang="ja")["hits"]
        self.assertEqual([h["id"] for h in hits if h["id"].endswith(RELEASE)], ["en/" + RELEASE])

    def test_query_language_follows_the_reader(self):
        # German stemming: "Veröffentlichungen" finds "Veröffentlichung" on German pages.
        de = self.get("/api/search", q="Veröffentlichungen", lang="de")
        self.assertIn("de/" + RELEASE, [h["id"] for h in de["hits"]])
        self.assertFalse(de["relaxed"] or de["corrected"])
        cli = q(self.idx, "--lang", "de", "Veröffentlichungen", check=0)["hits"]
        self.assertIn("de/" + RELEASE, [h["id"] for h in cli])

    def test_region_and_fallback(self):
        # de-AT: the index has German without a region.
        body = self.get("/api/search", q="yjit", lang="de-AT")
        self.assertEqual(body["langs"], ["de"])
        self.assertEqual({h["lang"] for h in body["hits"]}, {"de"})
        # pt-BR: the index has Portuguese without a region.
        self.assertEqual(self.get("/api/search", q="yjit", lang="pt-BR")["langs"], ["pt"])
        # Spanish has no posts: the site's search.fallback (English) is searched.
        body = self.get("/api/search", q="release", lang="es-MX")
        self.assertEqual(body["langs"], ["en"])
        self.assertTrue(body["hits"])
        self.assertEqual({h["lang"] for h in body["hits"]}, {"en"})
        self.assertEqual({p["lang"] for p in self.get("/api/suggest", q="rub", lang="es")["posts"]}, {"en"})
        info = query_json(self.idx, "--info", check=0)
        self.assertEqual((info["langs"], info["fallback_lang"]), (["de", "en", "fr", "ja", "pt"], "en"))

    def test_the_search_page_without_script_keeps_the_language(self):
        status, _, page = self.svc.request("GET", "/search?q=yjit&lang=en")
        page = page.decode()
        self.assertEqual(status, 200)
        self.assertIn('<input type="hidden" name="lang" value="en">', page)
        self.assertIn('href="/search?q=yjit&amp;lang=de" hreflang="de">de (2)</a>', page)
        self.assertIn('href="/search?q=yjit&amp;lang=en" hreflang="en" aria-current="page">en (2)</a>', page)
        self.assertIn('<a href="/search?q=yjit">All languages</a>', page)
        hits = [u for u in page.split('class="ps-title" href="')[1:]]
        self.assertTrue(hits)
        for h in hits:
            self.assertTrue(h.startswith("/en/"), h[:60])
        all_langs = self.svc.request("GET", "/search?q=yjit")[2].decode()
        self.assertNotIn('name="lang"', all_langs)
        self.assertIn("Also in:", all_langs)

    def test_hostile_language_parameters(self):
        for bad in ["x" * 300, "\udcff"]:
            query = urllib.parse.urlencode({"q": "ru", "lang": bad}, errors="surrogateescape")
            status, _, body = self.svc.get_json("/api/suggest?" + query)
            self.assertEqual((status, body["error"]["param"]), (400, "lang"))
        many = "&".join(f"lang=l{i}" for i in range(21))
        status, _, body = self.svc.get_json("/api/related/en/" + RELEASE + "?" + many)
        self.assertEqual((status, body["error"]["param"]), (400, "lang"))


class HugoTranslations(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="postsearch-hugo-translations-")
        self.idx = os.path.join(self.tmp, "index")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_translations_by_file_name(self):
        index(HUGO_SITE, self.idx)
        hits = q(self.idx, "winter OR backen OR 冬")["hits"]
        baking = [h for h in hits if "winter-baking" in h["id"]]
        self.assertEqual([h["id"] for h in baking], ["content/posts/winter-baking.md"])
        self.assertEqual(sorted((t["lang"], t["url"]) for t in baking[0]["translations"]),
                         [("de", "/de/posts/winter-baking/"), ("ja", "/ja/posts/winter-baking/")])
        de = q(self.idx, "--lang", "de")["hits"]
        self.assertEqual({h["lang"] for h in de}, {"de"})
        reader = q(self.idx, "--query-lang", "de", "Kardamomschnecken OR cardamom")["hits"]
        self.assertEqual([h["id"] for h in reader if "winter-baking" in h["id"]],
                         ["content/posts/winter-baking.de.md"])

    def test_translations_by_folder(self):
        site = os.path.join(self.tmp, "site")
        shutil.copytree(BY_FOLDER, site)
        index(site, self.idx)
        hits = q(self.idx)["hits"]
        self.assertEqual(sorted(h["id"] for h in hits),
                         ["content/en/posts/green-tea.md", "content/en/posts/oolong.md"])
        tea = [h for h in hits if h["id"].endswith("green-tea.md")][0]
        self.assertEqual(sorted((t["lang"], t["url"]) for t in tea["translations"]),
                         [("ko", "/ko/posts/green-tea/"), ("zh", "/zh/posts/green-tea/")])
        zh = q(self.idx, "--query-lang", "zh")["hits"]
        self.assertIn("content/zh/posts/green-tea.md", [h["id"] for h in zh])
        ko = q(self.idx, "--lang", "ko")["hits"]
        self.assertEqual([sorted(t["lang"] for t in h["translations"]) for h in ko], [["en", "zh"]])


if __name__ == "__main__":
    unittest.main(verbosity=2)
