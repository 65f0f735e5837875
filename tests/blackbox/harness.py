"""Shared helpers for the black-box tests: run the real binaries, copy fixture sites."""
import html.parser
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

BIN = os.environ.get("POSTSEARCH_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SOURCE = os.environ.get("POSTSEARCH_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
INDEXER = os.path.join(BIN, "indexer", "indexer")
QUERY = os.path.join(BIN, "query", "query")
EXAMPLE_SITE = os.path.join(SOURCE, "examples", "site")
NOBODY = 65534


def as_nobody():
    """Runs the indexer as an ordinary user when the tests run as root, so that a file or
    folder with mode 000 is unreadable to it (root reads it anyway)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def run(args, check=None, timeout=120, **kw):
    """Runs a command, returns CompletedProcess with text output."""
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check is not None and p.returncode != check:
        raise AssertionError(f"{args} exited {p.returncode}, expected {check}\nstdout:{p.stdout}\nstderr:{p.stderr}")
    return p


def index(site, idx, *extra, check=0):
    p = run([INDEXER, site, "--index", idx, "--json", *extra], check=check)
    return json.loads(p.stdout), p


def query_json(idx, *args, check=None):
    p = run([QUERY, "--index", idx, "--json", *args], check=check)
    return json.loads(p.stdout) if p.stdout.strip() else None


def free_port():
    """A loopback port nothing listens on now (for servers that must be told one)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=10):
    """Waits until something accepts connections on 127.0.0.1:port; False on timeout."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def live_generation(idx):
    """The generation directory the index's stub names (what xapian-check takes)."""
    with open(os.path.join(idx, "XAPIANDB")) as f:
        return os.path.join(idx, f.read().split()[1])


class SiteTestCase(unittest.TestCase):
    """Each test gets a private copy of the example site and an index directory."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="postsearch-bb-")
        self.site = os.path.join(self.tmp, "site")
        shutil.copytree(EXAMPLE_SITE, self.site, ignore=shutil.ignore_patterns("_site", ".jekyll-cache"))
        self.idx = os.path.join(self.tmp, "index")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rel, text, mode="w"):
        path = os.path.join(self.site, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, mode) as f:
            f.write(text)
        return path

    def ids(self, *query):
        out = query_json(self.idx, "--per-page", "100", "--no-facets", *query)
        return [h["id"] for h in out["hits"]]


class _Ids(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "id" and v:
                self.ids.add(v)


def page_path(site_dir, url):
    """The file a static site generator wrote for a URL path."""
    path = urllib.parse.unquote(url.split("#", 1)[0])
    full = os.path.join(site_dir, path.lstrip("/"))
    return os.path.join(full, "index.html") if path.endswith("/") else full


def site_problems(idx, dest):
    """Every indexed post whose URL is not a page in `dest`, or whose section anchors are not
    ids in that page; and the number of posts checked."""
    hits = query_json(idx, "--per-page", "100", "--no-facets", "--no-collapse", check=0)["hits"]
    problems = []
    for h in hits:
        page = page_path(dest, h["url"])
        if not os.path.exists(page):
            problems.append(f"{h['id']}: {h['url']} is not a page the generator wrote")
            continue
        problems += anchor_problems(idx, h, page)
    return problems, len(hits)


def anchor_problems(idx, hit, page):
    """Each section anchor the index gives the post of `hit` that is not an id in `page`,
    the file the generator wrote for it (a heading the page gives no id has no anchor)."""
    parser = _Ids()
    with open(page, encoding="utf-8") as f:
        parser.feed(f.read())
    post = query_json(idx, "--post", hit["id"], check=0)
    return [f"{hit['id']}: #{s['anchor']} ({s['heading']!r}) is not an id in {hit['url']}"
            for s in post["sections"] if s["anchor"] and s["anchor"] not in parser.ids]
