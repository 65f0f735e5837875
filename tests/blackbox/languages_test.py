"""Each post indexed with its own language's stemmer (CJK as n-grams), searched with the
requested language's stemmer: hand-written posts in English, German, Russian, Japanese,
Chinese and Korean, and queries whose expected hits are known."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SiteTestCase, index, query_json  # noqa: E402

POSTS = {
    "en-running.md": ("en", "Running in the rain", "She runs every morning; running in the rain is the best."),
    "de-haeuser.md": ("de", "Alte Häuser", "Die alten Häuser der Stadt wurden renoviert. Jedes Haus hat eine Geschichte."),
    "ru-knigi.md": ("ru", "Старые книги", "В библиотеке много старых книг. Эта книга о путешествиях."),
    "ja-kyoto.md": ("ja", "京都の桜", "四月の京都は桜がとても美しいです。哲学の道を歩きました。"),
    "zh-beijing.md": ("zh", "北京的秋天", "北京大学的秋天非常美丽，我们在校园里散步。"),
    "ko-seoul.md": ("ko", "서울의 봄", "서울의 봄은 벚꽃으로 가득합니다. 한강을 따라 걸었습니다."),
}


class Languages(SiteTestCase):
    def setUp(self):
        super().setUp()
        self.site = os.path.join(self.tmp, "multi")
        os.makedirs(self.site)
        for name, (lang, title, body) in POSTS.items():
            self.write(name, f"---\ntitle: {title}\nlang: {lang}\n---\n{body}\n")
        index(self.site, self.idx)

    def ids(self, *args):
        out = query_json(self.idx, "--per-page", "20", "--no-facets", *args, check=None)
        return [] if out["corrected"] else sorted(h["id"] for h in out["hits"])

    def test_stemming_per_language(self):
        self.assertEqual(self.ids("--query-lang", "en", "run"), ["en-running.md"])
        self.assertEqual(self.ids("--query-lang", "de", "Haus"), ["de-haeuser.md"])
        self.assertEqual(self.ids("--query-lang", "ru", "книги"), ["ru-knigi.md"])
        self.assertEqual(self.ids("--query-lang", "ru", "книга"), ["ru-knigi.md"])

    def test_cjk_two_and_three_character_queries(self):
        self.assertEqual(self.ids("京都"), ["ja-kyoto.md"])
        self.assertEqual(self.ids("哲学"), ["ja-kyoto.md"])
        self.assertEqual(self.ids("北京"), ["zh-beijing.md"])
        self.assertEqual(self.ids("北京大学"), ["zh-beijing.md"])
        self.assertEqual(self.ids("서울"), ["ko-seoul.md"])
        self.assertEqual(self.ids("벚꽃"), ["ko-seoul.md"])

    def test_cjk_snippets_highlight_the_match(self):
        hit = query_json(self.idx, "桜", check=0)["hits"][0]
        self.assertIn("<mark>桜</mark>", hit["snippet_html"])

    def test_language_is_a_filter_and_a_facet(self):
        self.assertEqual(self.ids("--lang", "ru"), ["ru-knigi.md"])
        facets = query_json(self.idx, check=0)["facets"]["langs"]["values"]
        self.assertEqual(sorted(v["value"] for v in facets), ["de", "en", "ja", "ko", "ru", "zh"])

    def test_one_language_is_not_polluted_by_another(self):
        # "Haus" stemmed as English must not reach the German post through an English stem,
        # and German stems stay within German posts when asked for with the filter.
        self.assertEqual(self.ids("--query-lang", "de", "--lang", "de", "Häuser"), ["de-haeuser.md"])
        self.assertEqual(self.ids("--lang", "en", "Häuser"), [])


    def test_stop_words_of_the_query_language(self):
        # "über" is a German stop word: asked in German it need not match; in English it must.
        de = query_json(self.idx, "--query-lang", "de", "--no-facets", "über Häuser", check=0)
        self.assertEqual(([h["id"] for h in de["hits"]], de["relaxed"]), (["de-haeuser.md"], False))
        en = query_json(self.idx, "--no-facets", "über Häuser", check=None)
        self.assertTrue(en["relaxed"] or not en["hits"])
        # Russian: "в" and "о" are stop words.
        ru = query_json(self.idx, "--query-lang", "ru", "--no-facets", "о книге в библиотеке", check=0)
        self.assertEqual(([h["id"] for h in ru["hits"]], ru["relaxed"]), (["ru-knigi.md"], False))

    def test_language_without_a_stemmer_is_found_by_any_query_language(self):
        # Snowball has no Ukrainian: its words must still match a query parsed with the
        # index's English stemmer (and with its own language).
        self.write("uk-kyiv.md", "---\ntitle: Київ навесні\nlang: uk\n---\nКаштани цвітуть уздовж вулиць.\n")
        index(self.site, self.idx)
        for args in [(), ("--query-lang", "uk"), ("--query-lang", "de")]:
            self.assertEqual(self.ids(*args, "каштани цвітуть"), ["uk-kyiv.md"], args)


class LanguagesByFolder(SiteTestCase):
    """A plain folder laid out as en/, de/, ru/, ja/, zh/, ko/: the folder is the language."""

    def test_folder_gives_the_language_and_its_stemmer(self):
        site = os.path.join(self.tmp, "folders")
        for name, (lang, title, body) in POSTS.items():
            path = os.path.join(site, lang, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(f"---\ntitle: {title}\n---\n{body}\n")
        with open(os.path.join(site, "docs.md"), "w") as f:  # outside the language folders
            f.write("---\ntitle: Top level\n---\nNo folder, the default language.\n")
        os.makedirs(os.path.join(site, "js"))  # a folder that is not a language
        with open(os.path.join(site, "js", "notes.md"), "w") as f:
            f.write("Plain notes.\n")
        index(site, self.idx)
        hits = query_json(self.idx, "--per-page", "20", check=0)["hits"]
        self.assertEqual({h["id"]: h["lang"] for h in hits}, {
            **{f"{lang}/{name}": lang for name, (lang, _, _) in POSTS.items()},
            "docs.md": "en", "js/notes.md": "en"})
        de = query_json(self.idx, "--query-lang", "de", "Haus", check=0)["hits"]
        self.assertEqual([h["id"] for h in de], ["de/de-haeuser.md"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
