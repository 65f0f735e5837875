"""The indexer through its real binary: full and incremental runs, errors, locking."""
import fcntl
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import INDEXER, SiteTestCase, index, query_json, run  # noqa: E402

SOURDOUGH = "_posts/2019-11-30-sourdough-for-programmers.md"


class FullAndIncremental(SiteTestCase):
    def test_full_index_of_the_example_site(self):
        s, p = index(self.site, self.idx)
        self.assertEqual(s["added"], 50)
        self.assertEqual(s["failed"], 0)
        self.assertEqual(s["skipped_by_reason"], {
            "published: false": 1, "search: false": 1, "error page (404)": 1,
            "listing page (loops over posts)": 2})
        self.assertTrue(s["rebuilt"])
        self.assertEqual(s["documents"], 50)
        self.assertEqual(s["generator"], "jekyll")
        self.assertTrue(os.path.exists(os.path.join(self.idx, "XAPIANDB")))

    def test_second_run_changes_nothing(self):
        index(self.site, self.idx)
        s, _ = index(self.site, self.idx)
        self.assertEqual((s["added"], s["updated"], s["deleted"], s["unchanged"]), (0, 0, 0, 55))
        self.assertFalse(s["rebuilt"])

    def test_touch_without_change_is_not_an_update(self):
        index(self.site, self.idx)
        path = os.path.join(self.site, SOURDOUGH)
        os.utime(path, (time.time() + 5, time.time() + 5))
        s, _ = index(self.site, self.idx)
        self.assertEqual(s["updated"], 0)
        self.assertEqual(s["unchanged"], 55)

    def test_changed_added_and_deleted_posts(self):
        index(self.site, self.idx)
        with open(os.path.join(self.site, SOURDOUGH), "a") as f:
            f.write("\nA new paragraph about quokkas.\n")
        self.write("_posts/2025-11-01-new-post.md", "---\ntitle: Brand new\n---\nWombats everywhere.\n")
        os.remove(os.path.join(self.site, "_posts/2021-01-09-new-year-new-keyboard.md"))
        s, _ = index(self.site, self.idx)
        self.assertEqual((s["added"], s["updated"], s["deleted"]), (1, 1, 1))
        self.assertEqual(s["documents"], 50)
        self.assertEqual(self.ids("quokkas"), [SOURDOUGH])
        self.assertEqual(self.ids("wombats"), ["_posts/2025-11-01-new-post.md"])
        self.assertEqual(self.ids('"split mechanical keyboard"'), [])

    def test_post_that_becomes_unsearchable_leaves_the_index(self):
        index(self.site, self.idx)
        path = os.path.join(self.site, SOURDOUGH)
        text = open(path).read().replace("author: tomas", "author: tomas\nsearch: false")
        open(path, "w").write(text)
        s, _ = index(self.site, self.idx)
        self.assertEqual(s["skipped_by_reason"].get("search: false"), 1)
        self.assertEqual(self.ids("sourdough"), [])

    def test_config_change_rebuilds(self):
        index(self.site, self.idx)
        cfg = os.path.join(self.site, "_config.yml")
        text = open(cfg).read().replace("permalink: /:categories/:year/:month/:day/:title/", "permalink: pretty")
        open(cfg, "w").write(text)
        s, _ = index(self.site, self.idx)
        self.assertTrue(s["rebuilt"])
        hit = query_json(self.idx, "sourdough")["hits"][0]
        self.assertEqual(hit["url"], "/kitchen/2019/11/30/sourdough-for-programmers/")
        gens = [d for d in os.listdir(self.idx) if d.startswith("gen-")]
        self.assertLessEqual(len(gens), 2)

    def test_drafts_flag(self):
        s, _ = index(self.site, self.idx, "--drafts")
        self.assertEqual(s["added"], 51)
        self.assertEqual(len(self.ids("draftonlyword")), 1)

    def test_dry_run_writes_nothing(self):
        s, _ = index(self.site, self.idx, "--dry-run")
        self.assertTrue(s["dry_run"])
        self.assertEqual(s["added"], 50)
        self.assertFalse(os.path.exists(os.path.join(self.idx, "XAPIANDB")))
        index(self.site, self.idx)
        self.write("_posts/2025-11-02-another.md", "---\ntitle: Another\n---\nZanzibarword.\n")
        s, _ = index(self.site, self.idx, "--dry-run")
        self.assertEqual(s["added"], 1)
        self.assertEqual(self.ids("zanzibarword"), [])


class BadInput(SiteTestCase):
    def test_bad_posts_are_reported_and_the_rest_go_in(self):
        self.write("_posts/2024-01-01-broken.md", "---\ntitle: [unclosed\n---\nbody\n")
        self.write("_posts/2024-01-02-unclosed.md", "---\ntitle: never closed\nbody\n")
        self.write("_posts/2024-01-03-binary.md", b"\x00\x01\x02PNG".decode("latin-1"))
        s, p = index(self.site, self.idx, check=1)
        self.assertEqual(s["failed"], 3)
        self.assertEqual(s["added"], 50)
        self.assertIn("_posts/2024-01-01-broken.md:", p.stderr)
        self.assertIn("_posts/2024-01-02-unclosed.md:1:1: error: front matter opened here is never closed", p.stderr)
        self.assertIn("_posts/2024-01-03-binary.md:1: error: binary file", p.stderr)
        # The failed ones are retried on the next run, and still fail the same way.
        s2, _ = index(self.site, self.idx, check=1)
        self.assertEqual(s2["failed"], 3)
        self.assertEqual(s2["unchanged"], 55)

    def test_warnings_name_file_line_and_field(self):
        self.write("_posts/2024-01-04-odd.md", "---\ntitle: Odd\ndate: 2017-2-30\n---\nbody\n")
        s, p = index(self.site, self.idx)
        self.assertIn("_posts/2024-01-04-odd.md:3: warning: date: invalid date '2017-2-30'", p.stderr)
        self.assertEqual(s["added"], 51)

    def test_missing_site_is_a_usage_error(self):
        p = run([INDEXER, os.path.join(self.tmp, "nope"), "--index", self.idx])
        self.assertEqual(p.returncode, 2)
        self.assertIn("not a directory", p.stderr)

    def test_broken_config_stops_the_run(self):
        self.write("_config.yml", "title: [oops\n")
        p = run([INDEXER, self.site, "--index", self.idx])
        self.assertEqual(p.returncode, 2)
        self.assertIn("_config.yml:1:", p.stderr)
        self.assertIn("invalid YAML configuration", p.stderr)
        self.assertNotIn("front matter", p.stderr)

    def test_broken_hugo_config_is_named_as_the_configuration(self):
        site = os.path.join(self.tmp, "hugo-site")
        os.makedirs(os.path.join(site, "content", "posts"))
        with open(os.path.join(site, "hugo.toml"), "w") as f:
            f.write('baseURL = "https://example.org/"\ntitle = "x\n')
        with open(os.path.join(site, "content", "posts", "a.md"), "w") as f:
            f.write('+++\ntitle = "A"\n+++\nBody.\n')
        p = run([INDEXER, site, "--index", self.idx])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("hugo.toml:2:", p.stderr)
        self.assertIn("invalid TOML configuration", p.stderr)
        self.assertNotIn("front matter", p.stderr)


class Cli(SiteTestCase):
    def test_help_and_usage(self):
        p = run([INDEXER, "--help"], check=0)
        self.assertIn("--index", p.stdout)
        self.assertIn("--dry-run", p.stdout)
        p = run([INDEXER, self.site])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--index are required", p.stderr)

    def test_config_file(self):
        cfg = os.path.join(self.tmp, "indexer.yml")
        with open(cfg, "w") as f:
            f.write(f"site: {self.site}\nindex: index\ndrafts: true\n")
        p = run([INDEXER, "--config", cfg, "--json", "-q"], check=0)
        self.assertEqual(json.loads(p.stdout)["added"], 51)  # drafts from the file
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "index", "XAPIANDB")))
        with open(cfg, "w") as f:
            f.write("site: x\nthreads: many\n")
        p = run([INDEXER, "--config", cfg])
        self.assertEqual(p.returncode, 2)
        self.assertIn("indexer.yml:2: threads: bad value", p.stderr)

    def test_a_second_indexer_fails_at_once(self):
        index(self.site, self.idx)
        with open(os.path.join(self.idx, ".lock"), "r+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            start = time.monotonic()
            p = run([INDEXER, self.site, "--index", self.idx])
            self.assertLess(time.monotonic() - start, 10)
        self.assertEqual(p.returncode, 2)
        self.assertIn("another indexer", p.stderr)

    def test_text_summary(self):
        p = run([INDEXER, self.site, "--index", self.idx], check=0)
        self.assertIn("50 added", p.stdout)
        self.assertIn("skipped 1: search: false", p.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
