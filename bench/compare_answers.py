#!/usr/bin/env python3
"""Do two `query` binaries answer the same? Starts `query serve` of each on the same index
and asks both the same searches; the JSON bodies must be equal byte for byte (took_ms aside).
For changes meant to be faster without changing any answer.

    bench/compare_answers.py OLD_QUERY NEW_QUERY INDEX_DIR QUERIES [--count 300] [--params '&tag=x']

QUERIES: one URL-encoded query a line (as ../shared/peers/make-query-mix.py writes).
Exit 0 when every answer is equal, 1 otherwise (the first differences are shown)."""
import argparse
import re
import signal
import subprocess
import sys
import urllib.request


def start(binary, index):
    p = subprocess.Popen([binary, "serve", "--index", index, "--listen", "127.0.0.1:0", "--rate-limit", "0", "-q"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = re.search(r":(\d+)/", p.stdout.readline()).group(1)
    return p, port


def answer(port, query, params):
    url = f"http://127.0.0.1:{port}/api/search?per_page=10{params}&q={query}"
    body = urllib.request.urlopen(url, timeout=60).read().decode()
    return re.sub(r'"took_ms":[0-9.e+-]+', "", body)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("index")
    ap.add_argument("queries")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--params", default="", help="extra query string, e.g. '&explain=1'")
    a = ap.parse_args()
    queries = [q for q in open(a.queries, encoding="utf-8").read().split("\n") if q][: a.count]
    servers = [start(a.old, a.index), start(a.new, a.index)]
    differ = 0
    try:
        for q in queries:
            old, new = (answer(port, q, a.params) for _, port in servers)
            if old != new:
                differ += 1
                if differ <= 3:
                    at = next(i for i in range(min(len(old), len(new)) + 1) if old[i:i + 1] != new[i:i + 1])
                    print(f"{q}:\n  old …{old[max(0, at - 80):at + 80]}\n  new …{new[max(0, at - 80):at + 80]}")
    finally:
        for p, _ in servers:
            p.send_signal(signal.SIGINT)
            p.wait()
    print(f"{differ} of {len(queries)} answers differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
