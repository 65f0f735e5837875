"""Shared helpers for the black-box tests: run the real binaries, copy fixture sites."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("POSTSEARCH_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SOURCE = os.environ.get("POSTSEARCH_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
INDEXER = os.path.join(BIN, "indexer", "indexer")
QUERY = os.path.join(BIN, "query", "query")
EXAMPLE_SITE = os.path.join(SOURCE, "examples", "site")


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
