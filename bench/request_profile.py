#!/usr/bin/env python3
"""Instructions a search request costs, and where they go: `query serve` under callgrind
(instruction counts, which a busy host does not change), WARM queries of a mix over one
keep-alive connection, then the counters zeroed and N more measured.

    POSTSEARCH_BUILD=DIR bench/request_profile.py INDEX QUERIES [--count 300] [--warm 300]
        [--params '&partial=0'] [--keep OUT]

QUERIES: one URL-encoded query a line (../shared/peers/make-query-mix.py writes them); the
measured ones are its first N, the warm-up ones the N after line 1000. Prints the
instructions a request of the threads that serve connections (a revision's background warm-up,
which may still run, is left out) and of the parts below, inclusive, per request.
"""
import argparse
import collections
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile

import benchlib

# (label, a substring of the callee's name): each part's cost is the sum of its call sites.
PARTS = [
    ("serving a connection (all below)", "GuardedServer::serve("),
    ("search, parse to response", "Searcher::search_once"),
    ("Xapian's matcher (Enquire::get_mset)", "Xapian::Enquire::get_mset("),
    ("feedback terms (expand_terms)", "expand_terms"),
    ("spelling correction", "QueryBuilder::correction"),
    ("query parsing", "QueryBuilder::parse("),
    ("title lift query", "QueryBuilder::title_query"),
    ("presenting hits", "HitPresenter::present("),
    ("excerpts of sections", "postsearch::excerpts("),
    ("snippet generator", "Highlighter::snippet("),
    ("first matches in section texts", "text::ascii_ifind"),
    ("facets", "FacetCounter::finish"),
    ("match sets from posting lists", "postsearch::match_set("),
    ("JSON", "search_json"),
]


def inclusive(path):
    """Each part's inclusive cost from a callgrind file: its call sites' costs summed, calls
    from within the part itself (recursion) left out."""
    names, out = {}, collections.Counter()
    current = callee = None
    pending = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(("fn=", "cfn=")):
                m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m.group(2):
                    names[m.group(1)] = m.group(2)
                if line.startswith("fn="):
                    current = names[m.group(1)]
                else:
                    callee = names[m.group(1)]
                continue
            if line.startswith("calls="):
                pending = True
                continue
            if pending:
                cost = int(line.split()[1])
                for label, pat in PARTS:
                    if pat in callee and pat not in current:
                        out[label] += cost
                pending = False
    return out


def ask(port, queries, params):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    for q in queries:
        conn.request("GET", "/api/search?q=" + q + params)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise SystemExit(f"q={q}: HTTP {resp.status}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index")
    ap.add_argument("queries")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--warm", type=int, default=300)
    ap.add_argument("--params", default="", help="extra query string, e.g. '&partial=0'")
    ap.add_argument("--keep", help="copy the callgrind file here")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind not found (Debian: apt-get install valgrind)")
    queries = open(args.queries, encoding="utf-8").read().split()
    measured = queries[: args.count]
    warm = queries[1000 : 1000 + args.warm] or queries[args.count : args.count + args.warm]
    work = tempfile.mkdtemp(prefix="request-profile-")
    out = os.path.join(work, "cg.out")
    env = dict(os.environ)
    # The service re-executes itself to set this tunable; set here, it runs as it is.
    env["GLIBC_TUNABLES"] = "glibc.malloc.tcache_count=1"
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
         benchlib.binary("query", "query"), "serve", "--index", args.index,
         "--listen", "127.0.0.1:0", "--rate-limit", "0",
         "--max-connections-per-client", "0", "-q", "--state-dir", work],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        started = re.search(r":(\d+)/", server.stdout.readline() or "")
        if started is None:
            raise SystemExit("query serve did not start under valgrind")
        port = int(started.group(1))
        ask(port, warm, args.params)
        subprocess.run(["callgrind_control", "-z", str(server.pid)], check=True,
                       capture_output=True)
        ask(port, measured, args.params)
        subprocess.run(["callgrind_control", "-d", str(server.pid)], check=True,
                       capture_output=True)
    finally:
        server.terminate()
        server.wait()
    dump = out + ".1"
    if args.keep:
        shutil.copy(dump, args.keep)
    parts = inclusive(dump)
    n = len(measured)
    print(f"machine: {benchlib.machine()}")
    print(f"command: {' '.join(sys.argv)}")
    print(f"binary: {benchlib.binary('query', 'query')}, {n} requests measured\n")
    print("| part | M instructions a request | share |")
    print("|---|---:|---:|")
    whole = parts[PARTS[0][0]] or 1
    for label, _ in PARTS:
        print(f"| {label} | {parts[label] / n / 1e6:.2f} | {100 * parts[label] / whole:.0f} % |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
