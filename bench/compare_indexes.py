#!/usr/bin/env python3
"""Do two indexes of the same site answer the same? Starts `query serve` on each with one
binary and asks both the same searches; counts the answers that differ byte for byte
(took_ms aside), and among them those whose spelling suggestion differs, whether the
search was answered through a correction (old only, new only), and those whose hits come
in another order. For changes to the indexer (bench/compare_answers.py compares binaries).

    bench/compare_indexes.py QUERY_BIN OLD_INDEX NEW_INDEX QUERIES [--count 3000] [--show 20]

QUERIES: one URL-encoded query a line (make-query-mix.py, bench/make_typos.py). Two builds
of one site by the same indexer can differ where ties and snippets follow document ids:
compare two builds of the old indexer for the baseline."""
import argparse
import json
import re
import sys
import urllib.parse
import urllib.request

from compare_answers import read_queries, services


def answer(port, query):
    """The answer's JSON, and its text without took_ms for comparing."""
    url = f"http://127.0.0.1:{port}/api/search?per_page=10&q={query}"
    body = urllib.request.urlopen(url, timeout=60).read().decode()
    return json.loads(body), re.sub(r'"took_ms":[0-9.e+-]+', "", body)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("query")
    ap.add_argument("old_index")
    ap.add_argument("new_index")
    ap.add_argument("queries")
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--show", type=int, default=20, help="list this many changed suggestions")
    a = ap.parse_args()
    queries = read_queries(a.queries, a.count)
    n = {"differ": 0, "suggestion": 0, "corrected old only": 0, "corrected new only": 0, "hit order": 0}
    with services((a.query, a.old_index), (a.query, a.new_index)) as ports:
        for q in queries:
            (o, old), (w, new) = (answer(port, q) for port in ports)
            if old == new:
                continue
            n["differ"] += 1
            if o["did_you_mean"] != w["did_you_mean"]:
                n["suggestion"] += 1
                if n["suggestion"] <= a.show:
                    print(f"{urllib.parse.unquote(q)}: {o['did_you_mean']!r} -> {w['did_you_mean']!r}")
            n["corrected old only"] += o["corrected"] and not w["corrected"]
            n["corrected new only"] += w["corrected"] and not o["corrected"]
            n["hit order"] += [h["id"] for h in o["hits"]] != [h["id"] for h in w["hits"]]
    print(f"of {len(queries)} answers: " + ", ".join(f"{k} {v}" for k, v in n.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
