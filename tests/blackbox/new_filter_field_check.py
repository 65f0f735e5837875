"""Checks a build whose schema has a `series` filter field (scripts/demo-new-filter-field adds
it to common/schema.h alone): indexes tests/fixtures/hugo-series and finds the field in every
place a filter field reaches. Fails on a build without the field, or on one where any of those
places still spells the filter fields by hand.

POSTSEARCH_BIN: the build to check; POSTSEARCH_SOURCE: the source tree (fixtures, the box)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import QUERY, SOURCE, free_port, index, query_json, run, wait_for_port  # noqa: E402

SITE = os.path.join(SOURCE, "tests", "fixtures", "hugo-series")
RUST = ["content/posts/rust-one.md", "content/posts/rust-two.md"]
KITCHEN = ["content/posts/kitchen-one.md"]


def ids(answer):
    return sorted(h["id"] for h in answer["hits"])


class NewFilterField(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.idx = os.path.join(cls.tmp.name, "index")
        index(SITE, cls.idx)
        port = free_port()
        cls.server = subprocess.Popen([QUERY, "serve", "--index", cls.idx, "--listen", f"127.0.0.1:{port}",
                                       "--rate-limit", "0", "-q"])
        if not wait_for_port(port):
            raise AssertionError("query serve did not start")
        cls.base = f"http://127.0.0.1:{port}"

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=10)
        cls.tmp.cleanup()

    def get(self, path, **params):
        url = f"{self.base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()

    def test_cli_flag(self):
        self.assertEqual(ids(query_json(self.idx, "borrow checker", "--series", "Rust in anger", check=0)), RUST)
        self.assertEqual(ids(query_json(self.idx, "borrow checker", "--series", "rust IN  anger", check=0)), RUST)
        p = run([QUERY, "--help"], check=0)
        self.assertIn("--series", p.stdout)

    def test_query_language_prefix(self):
        self.assertEqual(ids(query_json(self.idx, 'borrow series:"Kitchen notes"', check=0)), KITCHEN)
        self.assertEqual(ids(query_json(self.idx, 'borrow -series:"Rust in anger"', check=0)),
                         sorted(KITCHEN + ["content/posts/alone.md"]))

    def test_http_parameter_and_facet(self):
        answer = json.loads(self.get("/api/search", q="borrow checker", series="Rust in anger"))
        self.assertEqual(ids(answer), RUST)
        # The facet counts the series of every match but its own filter's (multi-select).
        facet = {v["value"]: v["count"] for v in answer["facets"]["series"]["values"]}
        self.assertEqual(facet, {"Rust in anger": 2, "Kitchen notes": 1, "Mountain life": 1})
        selected = [v["value"] for v in answer["facets"]["series"]["values"] if v["selected"]]
        self.assertEqual(selected, ["Rust in anger"])
        # Other facets follow the selection: only the two Rust posts' tags.
        tags = {v["value"]: v["count"] for v in answer["facets"]["tags"]["values"]}
        self.assertEqual(tags, {"rust": 2, "async": 1})
        # The box learns the field from the answer.
        self.assertIn({"facet": "series", "label": "Series", "param": "series"}, answer["filters"])

    def test_no_js_page_keeps_the_filter_in_its_language_links(self):
        page = self.get("/search", q="borrow", series="Kitchen notes")
        self.assertTrue("series=Kitchen%20notes" in page, "the language links lose the series filter")
        self.assertIn("Bread at altitude", page)
        self.assertNotIn("part two: async", page)

    def test_search_box_shows_the_facet(self):
        script = os.path.join(SOURCE, "tests", "web", "new_filter_field.mjs")
        p = run(["node", script, self.base], timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
