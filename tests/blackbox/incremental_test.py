#!/usr/bin/env python3
"""What a publish with few or no changes does: a run that changes nothing writes nothing, a file
whose stat() moved is hashed and parsed only when its bytes differ, a file replaced by another of
the same size and mtime is noticed, and the generator's output is read only by runs that parse."""
import os
import shutil
import time
import unittest

from harness import INDEXER, NOBODY, SiteTestCase, as_nobody, index, live_generation, run

POST = "_posts/2019-03-02-welcome-to-field-notes.md"
POST_URL = "news/2019/03/02/welcome-to-field-notes/"


def phases(summary):
    return [name for name, _ in summary["phases"]]


def sources(summary):
    """The sources a full run saw: the posts it added and the files it skipped."""
    return summary["added"] + summary["skipped"]


def version_file(idx):
    """(inode, mtime) of the live generation's version file, which every Xapian commit replaces."""
    st = os.stat(os.path.join(live_generation(idx), "iamglass"))
    return st.st_ino, st.st_mtime_ns


class Incremental(SiteTestCase):
    def test_a_run_that_changes_nothing_commits_nothing(self):
        first, _ = index(self.site, self.idx)
        before = version_file(self.idx)
        s, _ = index(self.site, self.idx)
        self.assertEqual((s["added"], s["updated"], s["deleted"], s["unchanged"]), (0, 0, 0, sources(first)))
        self.assertEqual(s["generation"], first["generation"])
        self.assertEqual(version_file(self.idx), before)
        self.assertNotIn("parse changed sources", phases(s))

    def test_a_fresh_checkout_is_hashed_not_parsed_and_its_stat_recorded(self):
        # A post whose parse says so: a warning on every run that parses it.
        self.write("_posts/2024-02-02-duplicate-title.md", "---\ntitle: One\ntitle: Two\n---\nBody.\n")
        warning = "title: duplicate key; the last value is kept"
        first, p = index(self.site, self.idx)
        self.assertIn(warning, p.stderr)
        later = time.time() + 60
        for root, _, files in os.walk(self.site):
            for f in files:
                path = os.path.join(root, f)
                shutil.copy2(path, path + ".tmp")  # a new inode, as a checkout writes it
                os.replace(path + ".tmp", path)
                os.utime(path, (later, later))
        s, p = index(self.site, self.idx)
        self.assertFalse(s["rebuilt"])
        self.assertEqual((s["added"], s["updated"], s["unchanged"]), (0, 0, sources(first)))
        self.assertIn("hash sources whose stat changed", phases(s))
        self.assertNotIn(warning, p.stderr)  # hashed, not parsed (skipped files are parsed)
        again, _ = index(self.site, self.idx)
        self.assertNotIn("hash sources whose stat changed", phases(again))

    def test_a_file_replaced_with_the_same_size_and_mtime_is_indexed_again(self):
        path = os.path.join(self.site, POST)
        with open(path) as f:
            text = f.read()
        self.assertIn("Welcome", text)
        index(self.site, self.idx)
        st = os.stat(path)
        replacement = path + ".new"
        with open(replacement, "w") as f:
            f.write(text.replace("Welcome", "Quixote", 1))
        os.utime(replacement, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(replacement, path)
        self.assertEqual(os.stat(path).st_size, st.st_size)
        s, _ = index(self.site, self.idx)
        self.assertEqual(s["updated"], 1)
        self.assertEqual(self.ids("quixote"), [POST])


@unittest.skipUnless(os.geteuid() == 0, "an unreadable page needs another user than root")
class OutputFolder(SiteTestCase):
    """The generator's output is parsed for a run that parses posts, not for one that does not:
    an unreadable page in it is reported only by the first kind."""

    def index_as_nobody(self):
        p = run([*as_nobody(), INDEXER, self.site, "--index", self.idx, "--json"])
        self.assertIn(p.returncode, (0, 1), p.stderr)
        return p.stderr

    def test_a_run_that_parses_nothing_does_not_read_the_output_folder(self):
        for root, dirs, files in os.walk(self.tmp):
            for name in dirs + files:
                os.chown(os.path.join(root, name), NOBODY, NOBODY)
        os.chown(self.tmp, NOBODY, NOBODY)
        self.write("_site/index.html", "<html><title>Field notes</title></html>")
        secret = self.write("_site/secret.html", "<html></html>")
        os.chmod(secret, 0)
        unreadable = "secret.html: warning: cannot read this built page"
        self.assertIn(unreadable, self.index_as_nobody())
        self.assertNotIn(unreadable, self.index_as_nobody())
        # A changed post whose page the folder has: that page is looked up, no page is read.
        page = self.write(f"_site/{POST_URL}index.html", "<html><title>Welcome</title></html>")
        self.change_post_and_build(page)
        self.assertNotIn(unreadable, self.index_as_nobody())
        # One whose page it lacks: the folder is read, to find the page written for it.
        os.remove(page)
        self.change_post_and_build(os.path.join(self.site, "_site/index.html"))
        self.assertIn(unreadable, self.index_as_nobody())

    def change_post_and_build(self, page):
        with open(os.path.join(self.site, POST), "a") as f:
            f.write("\nOne more line.\n")
        later = time.time() + 60
        os.utime(page, (later, later))  # the site built again


if __name__ == "__main__":
    unittest.main(verbosity=2)
