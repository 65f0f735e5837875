"""Queries that real readers type, through the real indexer and query binaries, on
tests/fixtures/release-notes (release notes and news written for these tests): version
numbers, one decision per query whatever page is asked for, phrases and whole values in
fields, and the correction of one misspelt word among others."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE, index, query_json  # noqa: E402

SITE = os.path.join(SOURCE, "tests", "fixtures", "release-notes")


class Queries(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="postsearch-queries-")
        site = os.path.join(cls.tmp, "site")
        shutil.copytree(SITE, site)
        cls.idx = os.path.join(cls.tmp, "index")
        index(site, cls.idx)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def search(self, *args):
        return query_json(self.idx, "--query-lang", "en", *args)

    def titles(self, *args):
        return [h["title"] for h in self.search("--per-page", "50", *args)["hits"]]

    # Version numbers.

    def test_a_shorter_version_finds_longer_ones_and_its_own_release_first(self):
        out = self.search("--per-page", "50", "ruby 3.3 released")
        titles = [h["title"] for h in out["hits"]]
        self.assertEqual(titles[0], "Ruby 3.3.0 Released")
        for t in ("Ruby 3.3.11 Released", "Ruby 3.3.4 Released", "Ruby 3.3.0-preview1 Released"):
            self.assertIn(t, titles)
        # 3.3.0, its preview and 3.3.1 to 3.3.11: every one has every word.
        self.assertEqual(out["total"]["estimate"], 13)
        self.assertFalse(out["relaxed"])
        self.assertEqual(self.titles("version:3.3.11"), ["Ruby 3.3.11 Released"])

    def test_an_exact_version_outranks_its_pre_releases(self):
        titles = self.titles("ruby 3.4.0")
        self.assertEqual(titles[0], "Ruby 3.4.0 Released")
        self.assertEqual(set(titles[1:4]), {"Ruby 3.4.0 preview1 Released", "Ruby 3.4.0 preview2 Released",
                                            "Ruby 3.4.0 rc1 Released"})
        self.assertNotIn("Ruby 3.4.2 Released", titles[:4])  # 3.4.0 does not find 3.4.2
        self.assertEqual(self.titles("3.4.0-rc1")[0], "Ruby 3.4.0 rc1 Released")
        self.assertEqual(self.titles("ruby 3.4.0 preview2")[0], "Ruby 3.4.0 preview2 Released")
        self.assertEqual(self.titles("1.9.3-p429"), ["Ruby 1.9.3-p448 is released"])
        self.assertEqual(self.titles("v1.9.3")[0], "Ruby 1.9.3-p448 is released")

    def test_titles_with_versions_find_their_post_first(self):
        self.assertEqual(self.titles("Ruby 3.0.0 est disponible")[0], "Ruby 3.0.0 est disponible")
        self.assertEqual(self.titles("Ruby 2.3 desteği sona erdi")[0], "Ruby 2.3 desteği sona erdi")
        self.assertEqual(self.titles("Ruby 3.0 Released")[0], "Ruby 3.0.0 Released")

    def test_a_long_page_whose_title_is_the_query_comes_first(self):
        # "Download Mirrors" is a list of 300 servers (4,900 words); two short posts have both
        # words in their titles and bodies. BM25 scales every term of the long page down by
        # its length; the whole-title lift does not depend on it.
        for q in ("download mirrors", "Download Mirrors"):
            titles = self.titles(q)
            self.assertEqual(titles[0], "Download Mirrors", q)
            self.assertEqual(set(titles[1:3]), {"New download mirrors in Japan", "Two download mirrors retired"})
        # Words of the title, not the whole of it: the short posts that have them all lead.
        self.assertNotEqual(self.titles("new download mirrors")[0], "Download Mirrors")

    # One decision per query.

    def test_total_relaxation_and_correction_do_not_depend_on_the_page(self):
        for q in ("ruby 3.3 released", "ruby 3.4 released", "securty advisory", "ruby released"):
            for facets in ((), ("--no-facets",)):
                answers = {}
                for page, per_page in ((1, 5), (2, 5), (1, 17), (2, 17), (1, 50)):
                    out = self.search(*facets, "--page", str(page), "--per-page", str(per_page), q)
                    answers[(page, per_page)] = out
                decisions = {(o["total"]["estimate"], o["total"]["exact"], o["relaxed"], o["corrected"],
                              o["did_you_mean"]) for o in answers.values()}
                self.assertEqual(len(decisions), 1, f"{q} {facets}: {decisions}")
                ids = lambda o: [h["id"] for h in o["hits"]]  # noqa: E731
                self.assertEqual(ids(answers[(1, 5)]) + ids(answers[(2, 5)]), ids(answers[(1, 50)])[:10], q)
                self.assertEqual(ids(answers[(2, 17)]), ids(answers[(1, 50)])[17:34], q)
        # Fewer than ten posts with every word: relaxed, on page 1 of five as on the others.
        self.assertTrue(self.search("--per-page", "5", "ruby 3.4 released")["relaxed"])

    # Fields.

    def test_phrases_in_text_fields(self):
        self.assertEqual(sorted(self.titles('title:"server maintenance"')),
                         ["Scheduled server maintenance", "Server maintenance on January 15"])
        self.assertEqual(len(self.titles("title:server title:maintenance")), 3)
        self.assertEqual(sorted(self.titles('heading:"what is"')),
                         ["A closer look at the new JIT", "Ruby 3.4.0 Released"])
        self.assertEqual(self.titles('description:"planned downtime"'), ["Server maintenance on January 15"])
        self.assertEqual(self.titles('description:"downtime planned"'), [])

    def test_quoted_author_and_tag_match_the_whole_value(self):
        by_flag = sorted(self.titles("--author", "Shugo Maeda"))
        self.assertEqual(len(by_flag), 3)
        self.assertEqual(sorted(self.titles('author:"Shugo Maeda"')), by_flag)
        self.assertEqual(sorted(self.titles("author:shugo")), by_flag)
        self.assertEqual(self.titles('author:"Maeda Shugo"'), [])
        self.assertEqual(self.titles('tag:"security advisory"'), ["Security advisory: denial of service in REXML"])
        self.assertEqual(self.titles('imap author:"Shugo Maeda"'), ["net-imap gets a new release"])

    def test_a_field_that_cannot_be_searched_is_reported(self):
        out = self.search('body:"server maintenance"')
        self.assertTrue(any("`body:` is not a field" in w for w in out["warnings"]), out["warnings"])
        out = self.search("title: maintenance")
        self.assertTrue(any("`title:` has no value" in w for w in out["warnings"]), out["warnings"])
        self.assertEqual(self.search('title:"server maintenance"')["warnings"], [])

    # Spelling.

    def test_a_misspelt_word_among_others_is_corrected(self):
        out = self.search("securty advisory")
        self.assertTrue(out["corrected"])
        self.assertEqual(out["did_you_mean"], "security advisory")
        self.assertEqual(out["hits"][0]["title"], "Security advisory: denial of service in REXML")
        out = self.search("ruby securty fixes")
        self.assertEqual(out["did_you_mean"], "ruby security fixes")
        self.assertEqual(out["hits"][0]["title"], "Security fixes in the 3.3 series")

    def test_a_word_that_matched_is_never_corrected(self):
        out = self.search("strings.Contains")
        self.assertEqual(out["did_you_mean"], None)
        self.assertFalse(out["corrected"])
        self.assertEqual(out["hits"][0]["title"], "Checking for substrings with strings.Contains")
        for q in ("string formatting", "strings", "maintenance releases"):
            out = self.search(q)
            self.assertEqual((out["did_you_mean"], out["corrected"]), (None, False), q)
            self.assertTrue(out["hits"], q)


if __name__ == "__main__":
    unittest.main()
