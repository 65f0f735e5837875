"""The query command through its real binary: output, JSON, exit status, errors."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import INDEXER, QUERY, SOURCE, SiteTestCase, index, query_json, run  # noqa: E402


class Query(SiteTestCase):
    def setUp(self):
        super().setUp()
        index(self.site, self.idx)

    def test_exit_status_like_grep(self):
        self.assertEqual(run([QUERY, "--index", self.idx, "sourdough"]).returncode, 0)
        self.assertEqual(run([QUERY, "--index", self.idx, "zzzzqqqq"]).returncode, 1)
        self.assertEqual(run([QUERY, "--index", self.idx, "--sort", "sideways", "x"]).returncode, 2)
        self.assertEqual(run([QUERY, "--index", os.path.join(self.tmp, "none"), "x"]).returncode, 2)

    def test_readable_output_is_plain_when_piped(self):
        p = run([QUERY, "--index", self.idx, "sourdough"], check=0)
        self.assertIn("Sourdough for programmers", p.stdout)
        self.assertIn("/kitchen/2019/11/30/sourdough-for-programmers/", p.stdout)
        self.assertRegex(p.stdout, r"^1 post \(")
        self.assertNotIn("\033[", p.stdout)
        self.assertNotIn("<mark>", p.stdout)

    def test_json_shape(self):
        out = query_json(self.idx, "sourdough", "--tag", "cooking", check=0)
        for key in ("query", "did_you_mean", "corrected", "relaxed", "total", "page", "per_page", "hits",
                    "facets", "warnings", "took_ms"):
            self.assertIn(key, out)
        hit = out["hits"][0]
        for key in ("rank", "id", "url", "title", "date", "authors", "tags", "categories", "description",
                    "title_html", "snippet_html", "sections", "score"):
            self.assertIn(key, hit)
        self.assertIn("<mark>Sourdough</mark>", hit["title_html"])
        self.assertTrue(out["facets"]["tags"]["values"][0]["value"])

    def test_filters_and_paging_flags(self):
        out = query_json(self.idx, "--author", "Marek Nowak", "--per-page", "3", "--page", "2", check=0)
        self.assertEqual(out["page"], 2)
        self.assertEqual(len(out["hits"]), 3)
        self.assertEqual(out["hits"][0]["rank"], 4)
        for h in out["hits"]:
            self.assertIn("Marek Nowak", h["authors"])
        # Without words, newest first: the same order on every run and rebuild.
        dates = [h["date"] for h in out["hits"]]
        self.assertEqual(dates, sorted(dates, reverse=True))

    def test_repeatable_filters_take_one_value_each(self):
        # A filter flag before the words must not swallow them.
        out = query_json(self.idx, "--tag", "cooking", "--tag", "bread", "sourdough", check=0)
        self.assertEqual(out["query"], "sourdough")
        self.assertEqual([h["title"] for h in out["hits"]], ["Sourdough for programmers"])

    def test_words_given_as_separate_arguments_are_one_query(self):
        # `query --index IDX static sites`, as the README shows: each word its own argument,
        # before or after the flags, is the same search as the words given as one argument.
        cases = (
            ([], ["sourdough", "programmers"]),
            (["--tag", "cooking"], ["--tag", "cooking", "sourdough", "programmers"]),
            (["--per-page", "3", "--sort", "date"], ["sourdough", "--per-page", "3", "programmers", "--sort", "date"]),
        )
        for flags, args in cases:
            joined = query_json(self.idx, *flags, "sourdough programmers", check=0)
            out = query_json(self.idx, *args, check=0)
            self.assertEqual(out["query"], "sourdough programmers", args)
            self.assertTrue(out["hits"], args)
            self.assertEqual([h["id"] for h in out["hits"]], [h["id"] for h in joined["hits"]], args)
        p = run([QUERY, "--index", self.idx, "sourdough", "programmers"], check=0)
        self.assertIn("Sourdough for programmers", p.stdout)

    def test_a_word_with_a_dash_is_a_word_not_a_flag(self):
        # `query --index IDX rust -unsafe`, as the query language writes "without": a word that
        # starts with one dash is the query's, wherever it stands; the value of a flag that
        # starts with one (`--sort -date`) stays the flag's, and an unknown `--flag` is refused.
        joined = query_json(self.idx, "bread -sourdough", check=0)
        self.assertEqual([h["title"] for h in joined["hits"]], ["Winter solstice bread"])
        for args in (["bread", "-sourdough"], ["-sourdough", "bread"],
                     ["bread", "--sort", "-date", "-sourdough"], ["--", "bread", "-sourdough"]):
            out = query_json(self.idx, *args, check=0)
            self.assertEqual([h["id"] for h in out["hits"]], [h["id"] for h in joined["hits"]], args)
        self.assertEqual(query_json(self.idx, "-sourdough", "bread", check=0)["query"], "-sourdough bread")
        p = run([QUERY, "--index", self.idx, "bread", "--sourdough"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--sourdough", p.stderr)

    def test_an_identifier_is_searched_without_a_warning(self):
        # query-language.md: identifiers stay whole; `std:` is no field the query names.
        out = query_json(self.idx, "std::vector", check=0)
        self.assertEqual(out["warnings"], [])
        self.assertEqual(out["hits"][0]["title"], "How std::vector grows")

    def test_bad_parameters_name_the_flag(self):
        p = run([QUERY, "--index", self.idx, "--per-page", "5000", "x"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--per_page: must be between 1 and 100", p.stderr)
        p = run([QUERY, "--index", self.idx, "--after", "tomorrow", "x"])
        self.assertIn("--after:", p.stderr)

    def test_every_command_prints_the_project_version(self):
        with open(os.path.join(SOURCE, "CMakeLists.txt")) as f:
            version = re.search(r"project\(postsearch VERSION ([0-9.]+)", f.read()).group(1)
        for command in ([INDEXER], [QUERY], [QUERY, "serve"], [QUERY, "test"], [QUERY, "report"]):
            p = run([*command, "--version"], check=0)
            name = " ".join(os.path.basename(c) for c in command)
            self.assertRegex(p.stdout, rf"^{name} {re.escape(version)} \(Xapian 1\.4\.[0-9]+\)\n$")

    def test_help_documents_the_query_language(self):
        p = run([QUERY, "--help"], check=0)
        for text in ("\"exact phrase\"", "after:2023-01", "tag:cpp", "--related", "--suggest", "Exit status"):
            self.assertIn(text, p.stdout)

    def test_related_suggest_post_info(self):
        out = query_json(self.idx, "--related", "_posts/2019-11-30-sourdough-for-programmers.md", check=0)
        self.assertTrue(out["hits"])
        out = query_json(self.idx, "--suggest", "sourd", check=0)
        self.assertEqual(out["completions"][0]["text"], "sourdough")
        out = query_json(self.idx, "--post", "_posts/2019-11-30-sourdough-for-programmers.md", check=0)
        self.assertEqual(out["title"], "Sourdough for programmers")
        out = query_json(self.idx, "--info", check=0)
        self.assertEqual(out["documents"], 50)

    def test_hostile_queries_never_crash(self):
        for q in ['"unbalanced', "((((", "AND OR NOT", "\xff\xfe", "a" * 5000, "<script>alert(1)</script>", "*"]:
            p = subprocess.run([QUERY, "--index", self.idx, "--json", q], capture_output=True)
            self.assertIn(p.returncode, (0, 1), msg=q[:40])
        p = run([QUERY, "--index", self.idx, "a" * 20000])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--q: longer than 16384 bytes", p.stderr)

    def test_index_of_another_schema_version_is_refused(self):
        with open(os.path.join(self.idx, "XAPIANDB")) as stub:
            gen = stub.read().split()[1]
        run(["xapian-metadata", "set", os.path.join(self.idx, gen), "postsearch.schema_version", "999"], check=0)
        p = run([QUERY, "--index", self.idx, "x"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("schema version 999", p.stderr)
        self.assertIn("re-index", p.stderr)


class Synonyms(SiteTestCase):
    """The site's synonyms file (examples/site/_data/synonyms.yml) expands query words."""

    JS_POSTS = ["_posts/2020-06-19-indexing-markdown-with-xapian.md",
                "_posts/2023-08-19-webextension-auth-handlers.md",
                "_posts/2024-09-28-accessible-search-boxes.md"]

    def found(self, q):
        out = query_json(self.idx, "--per-page", "100", "--no-facets", q, check=None)
        return sorted(h["id"] for h in out["hits"]), out

    def test_each_word_of_a_group_finds_the_others(self):
        index(self.site, self.idx)
        for q in ["javascript", "js", "ecmascript", "JS", "learn js"]:
            ids, out = self.found(q)
            self.assertTrue(set(self.JS_POSTS) <= set(ids), q)
            self.assertIsNone(out["did_you_mean"], q)  # a synonym is not a misspelling
        without, _ = self.found("tramp")
        self.assertIn("_posts/2021-03-13-hiking-the-west-highland-way.md", without)

    def test_map_form_is_one_way_and_changes_are_picked_up(self):
        index(self.site, self.idx)
        self.write("_data/synonyms.yml", "jsx: [javascript]\n")
        summary, _ = index(self.site, self.idx)
        self.assertTrue(summary["rebuilt"])  # the synonyms changed: a new generation
        self.assertEqual(self.found("jsx")[0], self.JS_POSTS)
        self.assertEqual(self.found("js")[0], [])  # the old group is gone

    def test_bad_entries_are_reported_with_their_line_and_skipped(self):
        self.write("_data/synonyms.yml", "- [javascript, js]\n- [lonely]\n- [a, {b: c}]\n")
        summary, p = index(self.site, self.idx)
        self.assertIn("_data/synonyms.yml:2:", p.stderr)
        self.assertIn("a group needs two or more words", p.stderr)
        self.assertIn("_data/synonyms.yml:3:", p.stderr)
        self.assertEqual(self.found("js")[0], self.JS_POSTS)

    def test_a_file_given_with_the_flag(self):
        os.remove(os.path.join(self.site, "_data", "synonyms.yml"))
        path = os.path.join(self.tmp, "words.yml")
        with open(path, "w") as f:
            f.write("- [javascript, jscript]\n")
        index(self.site, self.idx, "--synonyms", path)
        self.assertEqual(self.found("jscript")[0], self.JS_POSTS)
        # A file the flag names that is not there is a usage error: exit 2, nothing changed.
        missing = os.path.join(self.tmp, "no-such-words.yml")
        p = run([INDEXER, self.site, "--index", self.idx, "--synonyms", missing])
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("no-such-words.yml", p.stderr)
        self.assertEqual(self.found("jscript")[0], self.JS_POSTS)


if __name__ == "__main__":
    unittest.main(verbosity=2)
