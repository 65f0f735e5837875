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


if __name__ == "__main__":
    unittest.main(verbosity=2)
