"""The documentation cannot drift: every `curl` example in docs/http-api.md runs against the
real service over the example site, and its answer must match the one documented (the same
keys and values; "..." stands for any value), with the documented status. Text answers must
contain every documented line. Every other shell example of README.md and docs/*.md runs as
written on the example sites (those that need root, the network, other hosts or minutes are
listed with the reason), and every flag the docs name is one the program takes. The man pages
render without warnings."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, EXAMPLE_SITE, QUERY, SOURCE, index, run  # noqa: E402
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


# The shell examples of README.md and docs/*.md, run as a reader would run them (docs/http-api.md's
# curl examples with their answers are checked above). Each document runs in a fresh folder that
# stands for the reader's machine: HOME holds the example Jekyll site as ~/blog and ~/docs and the
# example Hugo site as ~/site, the folder itself is the clone (build/example-index is what
# scripts/demo leaves), and absolute paths (/var/lib/postsearch, /srv, /backup, /tmp) are folders
# inside it. `indexer` and `query` are the built ones. A `query serve` is started on a free port and
# answers the document's later `curl`s until its end.
SHELL_BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
SHELL_DOCS = ["README.md"] + sorted(os.path.join("docs", f) for f in os.listdir(os.path.join(SOURCE, "docs"))
                                    if f.endswith(".md"))
# Commands not run, and why: (document, command) patterns. Each rule must match a command (a rule
# that matches none is stale).
SKIPPED = [
    ("", r"^scripts/demo\b", "builds a release tree (what it leaves, examples/site indexed into "
     "build/example-index and served, is set up instead)"),
    ("", r"^scripts/(check|package)\b", "builds release trees and runs for minutes"),
    ("", r"^scripts/install-deps|^npm ci", "installs packages from the network"),
    ("", r"^cmake ", "a full build and test run"),
    ("", r"^sudo|^sudoedit", "needs root and the installed package (packaging_test.py unpacks the package)"),
    ("", r"10\.0\.0\.", "needs other hosts (remote shards and replicas: shards_test.py, replica_test.py)"),
    ("operations", r"^curl .*/readyz$", "asks the systemd unit's service, whose start is skipped"),
    ("http-api", r"^curl ", "run with its documented answer and status by HttpApiDocs"),
    *([] if shutil.which("hugo") else [("", r"^hugo ", "hugo is not installed (install-deps installs it)")]),
]
# Where each document's commands run (relative to the reader's folder), else the clone.
SHELL_CWD = {"docs/getting-started-hugo.md": "home/site", "docs/relevance-tests.md": "home/blog"}


def shell_commands(text):
    """(line, command) of each ```sh block: continued lines joined, comments dropped; a block
    with a here-document is one command."""
    for block in SHELL_BLOCK.finditer(text):
        line = text.count("\n", 0, block.start()) + 2
        body = block.group(1)
        if "<<" in body:
            yield line, body.strip()
            continue
        start, joined = line, ""
        for i, raw in enumerate(body.splitlines()):
            joined += raw[:-1] + " " if raw.endswith("\\") else raw
            if raw.endswith("\\"):
                continue
            cmd = re.sub(r"\s+#(?![^']*'\s*$).*$", "", joined).strip()
            if cmd and not cmd.startswith("#"):
                yield start, re.sub(r"\s+", " ", cmd)
            start, joined = line + i + 1, ""


def skip_reason(doc, cmd):
    return next((reason for in_doc, rule, reason in SKIPPED if in_doc in doc and re.search(rule, cmd, re.M)),
                None)


class ShellExamples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="postsearch-docs-sh-")
        cls.skipped = []
        programs = [os.path.abspath(os.path.join(BIN, name)) for name in ("indexer", "query")]
        cls.env = {**os.environ, "PATH": os.pathsep.join([*programs, os.environ["PATH"]])}
        cls.template = cls.make_template()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        if cls.skipped:
            print("\nshell examples not run:", file=sys.stderr)
            for _, _, reason in SKIPPED:
                wheres = [where for where, _, why in cls.skipped if why == reason]
                if wheres:
                    print(f"  {reason}:\n    {' '.join(wheres)}", file=sys.stderr)

    @classmethod
    def make_template(cls):
        """The reader's folder every document starts from: the sites in HOME, the clone's
        build/example-index, an index at /var/lib/postsearch/index."""
        root = os.path.join(cls.tmp, "template")
        ignore = shutil.ignore_patterns("_site", ".jekyll-cache", "public", "resources")
        for name, site in [("home/blog", EXAMPLE_SITE), ("home/docs", EXAMPLE_SITE),
                           ("home/site", os.path.join(SOURCE, "examples", "hugo-site")),
                           ("path/to/site", EXAMPLE_SITE)]:
            shutil.copytree(site, os.path.join(root, name), ignore=ignore)
        shutil.copy(os.path.join(SOURCE, "examples", "relevance-tests.yml"),
                    os.path.join(root, "home/blog/search-tests.yml"))
        index(EXAMPLE_SITE, os.path.join(root, "build", "example-index"))
        shutil.copytree(os.path.join(root, "build", "example-index"), os.path.join(root, "var/lib/postsearch/index"))
        for folder in ("srv", "backup", "tmp"):
            os.makedirs(os.path.join(root, folder))
        return root

    def reader(self, doc):
        """A fresh copy of the template for one document."""
        root = os.path.join(self.tmp, doc.replace("/", "_"))
        shutil.copytree(self.template, root)
        return root

    def localise(self, cmd, root, port):
        """The command with this machine's programs, folders and service port."""
        source, built = os.path.abspath(SOURCE), os.path.abspath(BIN)
        cmd = re.sub(r"build/release/(indexer|query)/", lambda m: os.path.join(built, m.group(1)) + "/", cmd)
        cmd = cmd.replace("/usr/share/postsearch/jekyll/", os.path.join(source, "examples/jekyll/_plugins/"))
        cmd = re.sub(r"(?<![\w.~/-])/(var/lib/postsearch|srv|backup|tmp)\b", lambda m: f"{root}/{m.group(1)}", cmd)
        cmd = cmd.replace("SITE_DIR", "~/blog").replace("INDEX_DIR", f"{root}/index")
        cmd = re.sub(r"(?<![\w/])examples/", os.path.join(source, "examples") + "/", cmd)
        return cmd.replace("127.0.0.1:8080", f"127.0.0.1:{port}") if port else cmd

    def serve(self, cmd, cwd, env):
        """Starts a documented `query serve` on a free port; returns the process and port."""
        if "--listen" in cmd:
            cmd = re.sub(r"--listen \S+", "--listen 127.0.0.1:0", cmd)
        else:
            cmd += " --listen 127.0.0.1:0"
        proc = subprocess.Popen("exec " + cmd + " --quiet", shell=True, cwd=cwd, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
        if not m:
            proc.kill()
            self.fail(f"{cmd}: the service did not start: {proc.stderr.read()}")
        return proc, int(m.group(1))

    def run_doc(self, doc):
        with open(os.path.join(SOURCE, doc), encoding="utf-8") as f:
            found = list(shell_commands(f.read()))
        if not found:
            return found
        root = self.reader(doc)
        env = {**self.env, "HOME": os.path.join(root, "home")}
        cwd = os.path.join(root, SHELL_CWD.get(doc, ""))
        service, port = None, None
        try:
            for line, cmd in found:
                where = f"{doc}:{line}"
                if (reason := skip_reason(doc, cmd)):
                    self.skipped.append((where, cmd, reason))
                    if cmd.startswith("scripts/demo"):
                        service, port = self.serve("query serve --index build/example-index", cwd, env)
                    continue
                real = self.localise(cmd, root, port)
                if cmd.startswith("curl") and service is None:
                    self.fail(f"{where}: {cmd}: no service started before it")
                if re.match(r"query serve\b", cmd):
                    if service:
                        stop(service)
                    service, port = self.serve(real, cwd, env)
                    continue
                if cmd.startswith("curl"):
                    real = real.replace("curl ", "curl --fail ", 1)
                p = subprocess.run(real, shell=True, cwd=cwd, env=env, capture_output=True, text=True,
                                   timeout=60)
                self.assertEqual(p.returncode, 0, f"{where}: {cmd}\nran: {real}\n{p.stdout}{p.stderr}")
        finally:
            if service:
                stop(service)
        return found

    def test_every_shell_example_runs(self):
        ran = 0
        for doc in SHELL_DOCS:
            with self.subTest(doc=doc):
                ran += len(self.run_doc(doc))
        self.assertGreater(ran, 30)
        for in_doc, rule, _ in SKIPPED:
            self.assertTrue(any(in_doc in where and re.search(rule, cmd, re.M) for where, cmd, _ in self.skipped),
                            f"stale: {rule}")

    def test_every_flag_the_docs_name_exists(self):
        # Inline commands (`query report --index INDEX [--days 30]`) are not run: each flag they
        # name must be one the program's --help lists.
        programs = {"indexer": ["indexer/indexer"], "query": ["query/query"], "serve": ["query/query", "serve"],
                    "test": ["query/query", "test"], "report": ["query/query", "report"]}
        helps = {name: set(re.findall(r"--[a-z][a-z-]*", run([os.path.join(BIN, exe), *sub, "--help"]).stdout))
                 for name, (exe, *sub) in programs.items()}
        named = 0
        for doc in SHELL_DOCS:
            with open(os.path.join(SOURCE, doc), encoding="utf-8") as f:
                text = f.read()
            lines = re.findall(r"`([^`\n]+)`", text) + [c for _, c in shell_commands(text)]
            for line in lines:
                m = re.search(r"(?:^|[\s/&;(])(indexer|query)(?: (serve|test|report)\b)?\s", line + " ")
                if not m:
                    continue
                for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", line[m.end():].split(" #")[0]):
                    named += 1
                    self.assertIn(flag, helps[m.group(2) or m.group(1)], f"{doc}: {line}")
        self.assertGreater(named, 50)

    def test_the_examples_of_query_help_run(self):
        helped = run([QUERY, "--help"], check=0).stdout
        examples = re.findall(r"^  (query \S.*?)(?:\s{2,}|$)", helped[helped.index("Examples:"):], re.M)
        self.assertGreaterEqual(len(examples), 5)
        idx = os.path.join(self.template, "build", "example-index")
        for example in examples:
            with self.subTest(example=example):
                cmd = (example.replace(" idx", " " + idx).replace(" FILE", " home/blog/search-tests.yml")
                       .replace(" ID", " _posts/2019-11-30-sourdough-for-programmers.md"))
                if cmd.startswith("query serve"):
                    stop(self.serve(cmd, self.template, self.env)[0])
                    continue
                p = subprocess.run(cmd, shell=True, cwd=self.template, env=self.env, capture_output=True,
                                   text=True, timeout=60)
                self.assertEqual(p.returncode, 0, f"{cmd}\n{p.stdout}{p.stderr}")

    def test_the_reader_runs_query_words_as_the_readme_gives_them(self):
        # README: `query --index IDX static sites`; each word its own argument, as a shell splits it.
        with open(os.path.join(SOURCE, "README.md"), encoding="utf-8") as f:
            cmds = [c for _, c in shell_commands(f.read())]
        self.assertIn("query --index /var/lib/postsearch/index static sites", cmds)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()
    proc.stderr.close()


@unittest.skipUnless(shutil.which("man") and os.path.isdir(os.path.join(BIN, "man")),
                     "man pages not built (help2man missing)")
class ManPages(unittest.TestCase):
    def test_render_without_warnings_and_match_help(self):
        for name, helps in [("indexer", [["indexer/indexer"]]),
                            ("query", [["query/query", sub] for sub in ("serve", "test", "report")])]:
            page = os.path.join(BIN, "man", f"{name}.1")
            p = run(["man", "--warnings", "-l", page], env={**os.environ, "MANWIDTH": "100", "MANPAGER": "cat"})
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stderr, "", name)
            text = re.sub(r".\x08", "", p.stdout)
            for exe, *sub in helps:
                helped = run([os.path.join(BIN, exe), *sub, "--help"], check=0).stdout
                section = re.search(r"^[A-Z ]+\(" + " ".join([name, *sub]).upper() + r"\)$", text, re.M)
                self.assertTrue(section or not sub, f"{name}(1) has no section for {' '.join([name, *sub])}")
                for flag in set(re.findall(r"--[a-z][a-z-]+", helped)):
                    where = text[section.end() if section else 0:]
                    self.assertIn(flag, where, f"{name}(1) lacks {' '.join(sub)} {flag}")
        query_page = re.sub(r".\x08", "", run(["man", "-l", os.path.join(BIN, "man", "query.1")],
                                               env={**os.environ, "MANPAGER": "cat"}).stdout)
        for must in ["Query language", "url:/2019/old-name/", "/api/search", "/metrics"]:
            self.assertIn(must, query_page)
        # Each example of `query --help` is a line of its own, to copy whole.
        helped = run([QUERY, "--help"], check=0).stdout
        examples = re.findall(r"^  (query \S.*?)(?:\s{2,}|$)", helped[helped.index("Examples:"):], re.M)
        self.assertGreaterEqual(len(examples), 5)
        lines = {line.strip() for line in query_page.splitlines()}
        for example in examples:
            self.assertIn(example, lines)


if __name__ == "__main__":
    unittest.main(verbosity=2)
