#!/usr/bin/env python3
"""Do two index layouts of the same posts answer the same? Runs each query through `query`
on both (one database against local shards, or against a stub of remote shards) and
compares the top hits by id and by score to 6 decimals.

    bench/compare_layouts.py QUERIES INDEX_A INDEX_B [--per-page 20]

QUERIES: one URL-encoded query a line (as ../shared/peers/make-query-mix.py writes).
`query` comes from build/bench (bench/build.sh) or $POSTSEARCH_BUILD.
Exit 0 when every answer is equal, 1 otherwise (each difference is shown)."""
import argparse
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import benchlib  # noqa: E402


def top(query_bin, index, q, per_page):
    out = subprocess.run([query_bin, "--index", index, "--json", "--no-facets", "--per-page", str(per_page),
                          "--", q], capture_output=True, text=True, check=True).stdout
    return [(h["id"], round(h["score"], 6)) for h in json.loads(out)["hits"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("queries")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--per-page", type=int, default=20)
    args = ap.parse_args()
    query_bin = benchlib.binary("query", "query")
    qs = [urllib.parse.unquote_plus(line.strip()) for line in open(args.queries) if line.strip()]
    order = scores = 0
    for q in qs:
        a, b = top(query_bin, args.a, q, args.per_page), top(query_bin, args.b, q, args.per_page)
        if sorted(a) != sorted(b):
            scores += 1
            print("scores differ:", repr(q), [(k, s, dict(b).get(k)) for k, s in a if dict(b).get(k) != s][:3])
        elif a != b:
            order += 1
            print("order differs:", repr(q))
    print(f"machine: {benchlib.machine()}")
    print(f"queries {len(qs)}: order differs {order}, scores differ {scores}")
    return 1 if order or scores else 0


if __name__ == "__main__":
    sys.exit(main())
