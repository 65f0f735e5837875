"""A hostile commit to the site, through the real indexer and service: symlinks out of the
site, FIFOs, folders the walk cannot read, control characters in posts and file names, huge
front-matter fields, duplicate URLs, impossible dates, and a --web-dir holding traps."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from harness import INDEXER, NOBODY, SiteTestCase, as_nobody, index, query_json, run  # noqa: E402
from http_test import Service  # noqa: E402

SECRET = "zebrasecret4471"


def post(title, body, extra=""):
    return f"---\ntitle: {title}\n{extra}---\n{body}\n"


class HostileSite(SiteTestCase):
    def setUp(self):
        super().setUp()
        self.outside = os.path.join(self.tmp, "outside")
        os.makedirs(self.outside)
        self.secret = os.path.join(self.outside, "secret.txt")
        with open(self.secret, "w") as f:
            f.write(f"root:x:0:0:{SECRET}:/root:/bin/bash\n")

    def run_indexer(self, *extra, timeout=60):
        p = run([INDEXER, self.site, "--index", self.idx, "--json", *extra], timeout=timeout)
        summary = json.loads(p.stdout) if p.stdout.strip() else None
        return p, summary


class SymlinksAndSpecialFiles(HostileSite):
    def test_post_symlink_out_of_the_site_is_refused_and_named(self):
        os.symlink(self.secret, os.path.join(self.site, "_posts", "2024-01-01-leak.md"))
        os.symlink("/etc/passwd", os.path.join(self.site, "_posts", "2024-01-02-passwd.md"))
        p, summary = self.run_indexer()
        self.assertEqual(p.returncode, 1, p.stderr)
        for name in ("2024-01-01-leak.md", "2024-01-02-passwd.md"):
            self.assertRegex(p.stderr, rf"_posts/{name}: error: a symlink to .*outside .*; not read")
            self.assertIn(f"_posts/{name}", summary["failed_files"])
        self.assertEqual(self.ids(SECRET), [])
        self.assertEqual(self.ids("nologin"), [])  # a word of /etc/passwd

    @unittest.skipUnless(shutil.which("strace"), "strace shows which files the indexer opens")
    def test_built_page_behind_a_folder_symlink_out_of_the_site_is_not_read(self):
        """The built page a post's sections are mapped onto is found by the post's URL under
        the site's output folder; a folder on the way that is a symlink out of the site must
        not lead the indexer to a page outside."""
        built = os.path.join(self.outside, "built")
        os.makedirs(built)
        with open(os.path.join(built, "leak.html"), "w") as f:
            f.write(f"<html><body><p>Leak {SECRET} text.</p></body></html>\n")
        self.write("_posts/2024-06-05-leak.md", post("Leak", "Leak text.", "permalink: /sub/leak.html\n"))
        os.makedirs(os.path.join(self.site, "_site"), exist_ok=True)
        os.symlink(built, os.path.join(self.site, "_site", "sub"))
        self.write("_site/index.html", "<html><body><p>Home</p></body></html>\n")  # newer than the posts
        trace = os.path.join(self.tmp, "trace")
        # LeakSanitizer cannot work under ptrace and aborts the run; the other checks stay on.
        env = dict(os.environ)
        if "ASAN_OPTIONS" in env:
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        p = run(["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", trace, INDEXER, self.site,
                 "--index", self.idx], timeout=120, env=env)
        self.assertIn(p.returncode, (0, 1), p.stderr)
        with open(trace) as f:
            opened = [line for line in f if "leak.html" in line and " = -1 " not in line]
        self.assertEqual(opened, [])

    def test_symlink_that_stays_inside_the_site_is_indexed(self):
        self.write("_notes/inside.md", post("Inside the site", "a kumquatword lives here"))
        os.symlink("../_notes/inside.md", os.path.join(self.site, "_posts", "2024-01-03-inside.md"))
        p, _ = self.run_indexer()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.ids("kumquatword"), ["_posts/2024-01-03-inside.md"])

    def test_data_and_config_symlinks_out_of_the_site_stop_the_run(self):
        authors = os.path.join(self.site, "_data", "authors.yml")
        os.remove(authors)
        os.symlink(self.secret, authors)
        p, _ = self.run_indexer()
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertRegex(p.stderr, r"_data/authors\.yml: error: a symlink to .*outside")
        self.assertFalse(os.path.exists(os.path.join(self.idx, "XAPIANDB")))
        os.remove(authors)
        config = os.path.join(self.site, "_config.yml")
        os.rename(config, os.path.join(self.outside, "_config.yml"))
        os.symlink(os.path.join(self.outside, "_config.yml"), config)
        p, _ = self.run_indexer()
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertRegex(p.stderr, r"_config\.yml: error: a symlink to .*outside")

    def test_synonyms_symlink_out_of_the_site_is_not_read(self):
        synonyms = os.path.join(self.site, "_data", "synonyms.yml")
        os.remove(synonyms)
        with open(os.path.join(self.outside, "syn.yml"), "w") as f:
            f.write(f"- [{SECRET}, sourdough]\n")
        os.symlink(os.path.join(self.outside, "syn.yml"), synonyms)
        p, _ = self.run_indexer()
        self.assertRegex(p.stderr, r"_data/synonyms\.yml: error: synonyms: a symlink to .*outside")
        self.assertEqual(self.ids(SECRET), [])

    def test_fifo_post_is_refused_without_waiting(self):
        os.mkfifo(os.path.join(self.site, "_posts", "2024-01-04-fifo.md"))
        p, _ = self.run_indexer(timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("_posts/2024-01-04-fifo.md: error: a FIFO; not read", p.stderr)


class UnreadableFolders(HostileSite):
    def setUp(self):
        super().setUp()
        for i in range(5):
            self.write(f"_posts/sub/2024-02-0{i + 1}-hidden-{i}.md", post(f"Hidden {i}", "quincefruit"))
            self.write(f"_posts/zz/2024-03-0{i + 1}-after-{i}.md", post(f"After {i}", "medlarfruit"))
        if os.geteuid() == 0:
            for root, dirs, files in os.walk(self.tmp):
                for name in dirs + files:
                    os.chown(os.path.join(root, name), NOBODY, NOBODY)
            os.chown(self.tmp, NOBODY, NOBODY)
        p = self.index_as_nobody()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.documents = json.loads(p.stdout)["documents"]
        self.sub = os.path.join(self.site, "_posts", "sub")

    def tearDown(self):
        os.chmod(self.sub, 0o755)
        super().tearDown()

    def index_as_nobody(self, *extra):
        return run([*as_nobody(), INDEXER, self.site, "--index", self.idx, "--json", *extra])

    def test_unreadable_folder_is_an_error_and_no_post_is_deleted(self):
        os.chmod(self.sub, 0)
        self.write("_posts/zz/2024-03-09-new.md", post("New", "medlarfruit again"))
        if os.geteuid() == 0:
            os.chown(os.path.join(self.site, "_posts/zz/2024-03-09-new.md"), NOBODY, NOBODY)
        p = self.index_as_nobody()
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("_posts/sub: error: cannot read the folder: Permission denied", p.stderr)
        summary = json.loads(p.stdout)
        self.assertEqual(summary["deleted"], 0)
        self.assertEqual(summary["documents"], self.documents + 1)
        self.assertIn("_posts/sub/", summary["failed_files"])
        self.assertEqual(len(self.ids("quincefruit")), 5)
        self.assertEqual(len(self.ids("medlarfruit")), 6)  # the walk went on after the folder

    def test_rebuild_with_an_unreadable_folder_leaves_the_index_alone(self):
        os.chmod(self.sub, 0)
        p = self.index_as_nobody("--rebuild")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("cannot read the folder _posts/sub", p.stderr)
        self.assertEqual(len(self.ids("quincefruit")), 5)

    def test_post_replaced_by_a_symlink_loop_is_kept(self):
        # Root cannot read through a loop either: stat fails with ELOOP.
        target = os.path.join(self.site, "_posts", "zz", "2024-03-01-after-0.md")
        os.remove(target)
        os.symlink(os.path.basename(target), target)
        p = self.index_as_nobody()
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("_posts/zz/2024-03-01-after-0.md: error: cannot read", p.stderr)
        self.assertEqual(json.loads(p.stdout)["deleted"], 0)
        self.assertEqual(len(self.ids("medlarfruit")), 5)


class ControlCharacters(HostileSite):
    def setUp(self):
        super().setUp()
        self.write("_posts/2024-04-01-controls.md",
                   '---\ntitle: "Bell\\x01 vt\\v ff\\f esc\\e[31m nonchar\\uFFFE\\uFFFF persimmon"\n'
                   'description: "desc\\x01ription"\ntags: ["t\\x1bag"]\n---\n'
                   "persimmon body \x01 with \x0b vt \x0c ff \x1b[2J and \ufffe \uffff.\n",
                   mode="w")

    def test_stored_text_has_no_control_characters(self):
        p, _ = self.run_indexer()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("_posts/2024-04-01-controls.md:2: warning: title: control characters removed",
                      p.stderr)
        self.assertIn("control characters removed from the body", p.stderr)
        got = query_json(self.idx, "--post", "_posts/2024-04-01-controls.md", check=0)
        stored = json.dumps(got, ensure_ascii=False)
        for bad in ["\x01", "\x0b", "\x0c", "\x1b", "\ufffe", "\uffff"]:
            self.assertNotIn(bad, stored)
        self.assertEqual(got["title"], "Bell vt  ff  esc[31m nonchar persimmon")

    def test_feeds_stay_well_formed(self):
        self.run_indexer()
        svc = Service(self.idx, "--rate-limit", "0")
        try:
            for q in ["persimmon", "%01", "%EF%BF%BE", "%EF%BF%BF", "persimmon%1B"]:
                status, _, body = svc.request("GET", "/search.atom?q=" + q)
                self.assertIn(status, (200, 400), q)
                if status == 200:
                    ET.fromstring(body)  # raises when not well-formed
            status, _, body = svc.request("GET", "/search.atom?q=persimmon")
            self.assertIn(b"persimmon", body)
        finally:
            svc.stop()


class FileNamesInMessages(HostileSite):
    def test_control_characters_in_file_names_are_escaped(self):
        bad = "not: [valid\n"
        self.write("_posts/2024-05-01-\x1b[31mred.md", f"---\ntitle: {bad}---\nx\n")
        self.write("_posts/2024-05-02-x\n_posts-fake.md: error: FORGED LINE.md",
                   f"---\ntitle: {bad}---\nx\n")
        p, _ = self.run_indexer()
        self.assertNotIn("\x1b", p.stderr)
        self.assertIn("_posts/2024-05-01-\\x1B[31mred.md", p.stderr)
        self.assertIn("2024-05-02-x\\x0A_posts-fake.md: error: FORGED LINE.md", p.stderr)
        for line in p.stderr.splitlines():
            self.assertFalse(line.startswith("_posts-fake.md"), line)

    def test_file_name_that_is_not_utf8_is_escaped_and_the_summary_still_printed(self):
        with open(os.path.join(os.fsencode(self.site), b"_posts", b"2024-05-03-\xff.md"), "wb") as f:
            f.write(b"---\ntitle: not: [valid\n---\nx\n")
        p = subprocess.run([INDEXER, self.site, "--index", self.idx, "--json"], capture_output=True,
                           timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(b"_posts/2024-05-03-\\xFF.md", p.stderr)
        self.assertIn("_posts/2024-05-03-\ufffd.md", json.loads(p.stdout)["failed_files"])


class FieldLimits(HostileSite):
    def test_huge_description_is_cut_with_a_warning(self):
        words = ("plum " * (10 * 1024 * 1024 // 5)).strip()
        self.write("_posts/2024-06-01-huge.md", f"---\ntitle: Huge\ndescription: {words}\n---\nplum\n")
        p, _ = self.run_indexer()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stderr, r"_posts/2024-06-01-huge\.md:3: warning: description: "
                                   r"\d+ bytes, over the limit of 4096; cut to \d+")
        out = query_json(self.idx, "plum", check=0)
        hit = [h for h in out["hits"] if h["id"] == "_posts/2024-06-01-huge.md"][0]
        self.assertLessEqual(len(hit["description"].encode()), 4096)
        self.assertTrue(hit["description"].endswith("plum"))  # cut between words

    def test_too_many_tags_are_cut(self):
        tags = ", ".join(f"tag{i}" for i in range(500))
        self.write("_posts/2024-06-02-tags.md", f"---\ntitle: Tags\ntags: [{tags}]\n---\nx\n")
        p, _ = self.run_indexer()
        self.assertIn("warning: tags: 500 items, over the limit of 64", p.stderr)
        got = query_json(self.idx, "--post", "_posts/2024-06-02-tags.md", check=0)
        self.assertEqual(len(got["tags"]), 64)

    def test_too_many_headings_are_joined_into_the_last_section_kept(self):
        body = "\n\n".join(f"## Part {i}\n\nword{i} text" for i in range(3000))
        self.write("_posts/2024-06-03-headings.md", post("Headings", body))
        p, _ = self.run_indexer()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("_posts/2024-06-03-headings.md: warning: 3000 headings, over the limit of 1000 "
                      "sections; the text after heading 999 ('Part 999') stays in its section", p.stderr)
        got = query_json(self.idx, "--post", "_posts/2024-06-03-headings.md", check=0)
        self.assertEqual(len(got["sections"]), 1000)
        self.assertEqual(got["sections"][-1]["heading"], "Part 999")
        for words in ("word2999", "part 2999 word2999"):  # the text and headings cut off are still found
            hits = query_json(self.idx, words, check=0)["hits"]
            self.assertEqual([h["id"] for h in hits], ["_posts/2024-06-03-headings.md"], words)


class DuplicatesAndDates(HostileSite):
    def test_duplicate_urls_are_reported_with_both_files(self):
        self.write("_posts/2024-07-01-a.md", post("A", "x", "permalink: /same/\n"))
        self.write("_posts/2024-07-02-b.md", post("B", "x", "permalink: /same/\n"))
        p, _ = self.run_indexer()
        self.assertRegex(p.stderr, r"_posts/2024-07-0[12]-[ab]\.md:3: warning: permalink: URL /same/ "
                                   r"is also the URL of _posts/2024-07-0[12]-[ab]\.md")
        self.assertEqual(p.stderr.count("is also the URL of"), 1)

    def test_impossible_file_name_dates_are_refused(self):
        self.write("_posts/0000-00-00-zero.md", post("Zero", "x"))
        self.write("_posts/2023-02-30-feb.md", post("Feb", "x"))
        self.write("_posts/2023-02-31-dated.md", post("Dated", "x", "date: 2023-03-01\n"))
        p, summary = self.run_indexer()
        self.assertEqual(p.returncode, 1, p.stderr)
        for name, written in (("0000-00-00-zero", "0000-00-00"), ("2023-02-30-feb", "2023-02-30")):
            self.assertIn(f"_posts/{name}.md: error: file name date '{written}' is not a real date "
                          "and the front matter gives no valid date: not indexed", p.stderr)
            self.assertIn(f"_posts/{name}.md", summary["failed_files"])
        self.assertNotIn("0000-00-00-zero.md: warning", p.stderr)
        self.assertIn("_posts/2023-02-31-dated.md: warning: file name date '2023-02-31' is not a "
                      "real date; the front-matter date is used", p.stderr)
        self.assertIn("_posts/2023-02-31-dated.md", self.ids("dated"))


class WebDir(HostileSite):
    def setUp(self):
        super().setUp()
        index(self.site, self.idx)
        self.web = os.path.join(self.tmp, "web")
        os.makedirs(os.path.join(self.web, "real"))
        with open(os.path.join(self.web, "index.html"), "w") as f:
            f.write("<html><body>custom page <!--postsearch:results--></body></html>")
        with open(os.path.join(self.web, "real", "ps.js"), "w") as f:
            f.write("// inside the folder\n")
        with open(os.path.join(self.web, "secret.txt"), "w") as f:
            f.write(SECRET)

    def serve(self):
        return Service(self.idx, "--rate-limit", "0", "--web-dir", self.web)

    def test_only_regular_asset_files_inside_the_folder_are_served(self):
        os.symlink("real/ps.js", os.path.join(self.web, "postsearch.js"))
        os.symlink(self.secret, os.path.join(self.web, "postsearch.css"))
        svc = self.serve()
        try:
            status, _, body = svc.request("GET", "/assets/postsearch.js")
            self.assertEqual((status, body), (200, b"// inside the folder\n"))
            status, _, body = svc.request("GET", "/assets/postsearch.css")
            self.assertEqual(status, 404)
            self.assertNotIn(SECRET.encode(), body)
            status, _, body = svc.request("GET", "/assets/secret.txt")  # not a web asset
            self.assertEqual(status, 404)
            self.assertNotIn(SECRET.encode(), body)
            status, _, body = svc.request("GET", "/")
            self.assertEqual(status, 200)
            self.assertIn(b"custom page", body)
        finally:
            svc.stop()

    def test_devices_fifos_and_huge_files_are_refused_quickly(self):
        os.symlink("/dev/zero", os.path.join(self.web, "postsearch.css"))
        os.mkfifo(os.path.join(self.web, "postsearch.js"))
        svc = self.serve()
        try:
            start = time.monotonic()
            self.assertEqual(svc.request("GET", "/assets/postsearch.css")[0], 404)
            self.assertEqual(svc.request("GET", "/assets/postsearch.js")[0], 404)
            self.assertLess(time.monotonic() - start, 10)
            os.remove(os.path.join(self.web, "postsearch.js"))
            with open(os.path.join(self.web, "postsearch.js"), "wb") as f:
                f.truncate(5 * 1024 * 1024)
            self.assertEqual(svc.request("GET", "/assets/postsearch.js")[0], 404)
        finally:
            self.assertEqual(svc.stop(signal.SIGTERM), 0)


if __name__ == "__main__":
    unittest.main()
