"""The documentation cannot drift: every `curl` example in docs/http-api.md runs against the
real service over the example site, and its answer must match the one documented (the same
keys and values; "..." stands for any value), with the documented status. Text answers must
contain every documented line. The man pages render without warnings."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, EXAMPLE_SITE, SOURCE, index, run  # noqa: E402
from http_test import Service  # noqa: E402

DOC = os.path.join(SOURCE, "docs", "http-api.md")
EXAMPLE = re.compile(r"```sh\n(curl [^\n]+?)(?:\s+#\s*(\d{3}))?\n```\s*\n```(json|text)\n(.*?)\n```", re.S)


def examples(text):
    return [(m.group(1), int(m.group(2) or 200), m.group(3), m.group(4)) for m in EXAMPLE.finditer(text)]


def mismatch(doc, real, where="$"):
    """The first difference between the documented and the real JSON, or None."""
    if doc == "...":
        return None
    if isinstance(doc, dict) and isinstance(real, dict):
        if sorted(doc) != sorted(real):
            return f"{where}: keys {sorted(doc)} documented, {sorted(real)} answered"
        for k in doc:
            if (m := mismatch(doc[k], real[k], f"{where}.{k}")):
                return m
        return None
    if isinstance(doc, list) and isinstance(real, list):
        if len(doc) != len(real):
            return f"{where}: {len(doc)} items documented, {len(real)} answered"
        for i, (d, r) in enumerate(zip(doc, real)):
            if (m := mismatch(d, r, f"{where}[{i}]")):
                return m
        return None
    return None if doc == real else f"{where}: {doc!r} documented, {real!r} answered"


class HttpApiDocs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="postsearch-docs-")
        cls.idx = os.path.join(cls.tmp, "idx")
        index(EXAMPLE_SITE, cls.idx)
        cls.service = Service(cls.idx, "--quiet")

    @classmethod
    def tearDownClass(cls):
        cls.service.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_every_example_answers_as_documented(self):
        with open(DOC, encoding="utf-8") as f:
            found = examples(f.read())
        self.assertGreaterEqual(len(found), 12)
        for cmd, status, kind, documented in found:
            with self.subTest(cmd=cmd):
                self.assertIn("127.0.0.1:8080", cmd)
                real_cmd = cmd.replace("127.0.0.1:8080", f"127.0.0.1:{self.service.port}")
                p = subprocess.run(real_cmd + " -w '\\n%{http_code}'", shell=True, capture_output=True,
                                   text=True, timeout=30)
                body, _, code = p.stdout.rpartition("\n")
                self.assertEqual(int(code), status, body)
                if kind == "json":
                    self.assertIsNone(mismatch(json.loads(documented), json.loads(body)))
                else:
                    lines = set(body.splitlines())
                    for line in documented.splitlines():
                        self.assertIn(line, lines)

    def test_the_matcher_notices_drift(self):
        self.assertIsNone(mismatch({"a": [1, "..."], "t": "..."}, {"a": [1, 2], "t": 0.3}))
        self.assertIsNotNone(mismatch({"a": 1}, {"a": 1, "new": 2}))
        self.assertIsNotNone(mismatch({"a": [1]}, {"a": [1, 2]}))
        self.assertIsNotNone(mismatch({"a": "x"}, {"a": "y"}))


class ConfigurationDocs(unittest.TestCase):
    """docs/configuration.md's tables name each flag with the default its --help shows (the
    option tables' defaults): a 0 that means "decided at run time" is documented in words."""

    def rows(self, heading):
        with open(os.path.join(SOURCE, "docs", "configuration.md")) as f:
            doc = f.read()
        part = doc[doc.index(heading):]
        part = part[:part.index("\n## ", len(heading))]
        return re.findall(r"^\| (?:`-\w`, )?`(--[a-z-]+)[^|]*\|([^|]*)\|([^|]*)\|", part, re.M)

    def test_defaults_match_help(self):
        for heading, args in [("## indexer", ["indexer/indexer", "--help"]),
                              ("## query serve", ["query/query", "serve", "--help"])]:
            helped = run([os.path.join(BIN, args[0]), *args[1:]], check=0).stdout
            shown = dict(re.findall(r"(--[a-z-]+) [A-Z]+(?: \.\.\.)?=(\S+)", helped))
            documented = {flag for flag, _, _ in self.rows(heading)}
            for flag in re.findall(r"^\s+(?:-\w,)?(--[a-z-]+)", helped, re.M):
                if flag not in ("--help", "--version", "--config", "--pages"):
                    self.assertIn(flag, documented, f"{heading}: {flag} is not documented")
            for flag, _, default in self.rows(heading):
                if shown.get(flag, "0") != "0":
                    self.assertEqual(default.strip().strip("`"), shown[flag], f"{heading}: {flag}")


@unittest.skipUnless(shutil.which("man") and os.path.isdir(os.path.join(BIN, "man")),
                     "man pages not built (help2man missing)")
class ManPages(unittest.TestCase):
    def test_render_without_warnings_and_match_help(self):
        for name, help_args in [("indexer", ["indexer/indexer", "--help"]),
                                ("query", ["query/query", "serve", "--help"])]:
            page = os.path.join(BIN, "man", f"{name}.1")
            p = run(["man", "--warnings", "-l", page], env={**os.environ, "MANWIDTH": "100", "MANPAGER": "cat"})
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stderr, "", name)
            text = re.sub(r".\x08", "", p.stdout)
            helped = run([os.path.join(BIN, help_args[0]), *help_args[1:]], check=0).stdout
            for flag in set(re.findall(r"--[a-z][a-z-]+", helped)):
                self.assertIn(flag, text, f"{name}(1) lacks {flag}")
        query_page = re.sub(r".\x08", "", run(["man", "-l", os.path.join(BIN, "man", "query.1")],
                                               env={**os.environ, "MANPAGER": "cat"}).stdout)
        for must in ["Query language", "url:/2019/old-name/", "/api/search", "/metrics"]:
            self.assertIn(must, query_page)


if __name__ == "__main__":
    unittest.main(verbosity=2)
