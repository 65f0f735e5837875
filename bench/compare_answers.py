#!/usr/bin/env python3
"""Do two `query` binaries answer the same? Starts `query serve` of each on the same index
and asks both the same searches; the JSON bodies must be equal byte for byte (took_ms aside).
For changes meant to be faster without changing any answer.

    bench/compare_answers.py OLD_QUERY NEW_QUERY INDEX_DIR QUERIES [--count 300] [--params '&tag=x']
                             [--score-digits 12]

QUERIES: one URL-encoded query a line (as ../shared/peers/make-query-mix.py writes).
Exit 0 when every answer is equal, 1 otherwise (the first differences are shown).

--score-digits N compares each "score" (and explain's "other") rounded to N significant
digits, for a change that adds a score's parts in another order: the sum may differ in its
last bits, which the service prints, while the posts and their order (equal weights but for
rounding are ordered by key) stay. Answers equal only once rounded are counted apart."""
import argparse
import contextlib
import re
import signal
import subprocess
import sys
import tempfile
import urllib.request


def start(binary, index):
    # Analytics in a folder of this run's own, not beside the (perhaps shared) index.
    state = tempfile.mkdtemp(prefix="pscompare-state-")
    p = subprocess.Popen([binary, "serve", "--index", index, "--listen", "127.0.0.1:0", "--rate-limit", "0", "-q",
                          "--state-dir", state],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = re.search(r":(\d+)/", p.stdout.readline()).group(1)
    return p, port


def read_queries(path, count):
    """The first `count` queries of a file of one URL-encoded query a line."""
    return [q for q in open(path, encoding="utf-8").read().split("\n") if q][:count]


@contextlib.contextmanager
def services(*runs):
    """`query serve` of each (binary, index), started one after another; yields their ports
    and stops every one started, also when a later one fails to start."""
    started = []
    try:
        for binary, index in runs:
            started.append(start(binary, index))
        yield [port for _, port in started]
    finally:
        for p, _ in started:
            p.send_signal(signal.SIGINT)
            p.wait()


def answer(port, query, params):
    page = "" if "per_page=" in params else "per_page=10"
    url = f"http://127.0.0.1:{port}/api/search?{page}{params}&q={query}"
    body = urllib.request.urlopen(url, timeout=60).read().decode()
    return re.sub(r'"took_ms":[0-9.e+-]+', "", body)


NUMBER = re.compile(r'"(score|other)":(-?[0-9.]+(?:e[+-]?[0-9]+)?)')


def rounded(body, digits):
    """Scores to `digits` significant digits; explain's "other" (the score less its terms'
    parts, rounding residue included) to 9 decimals."""
    def one(m):
        x = float(m.group(2))
        return f'"{m.group(1)}":' + (f"{x:.{digits}g}" if m.group(1) == "score" else f"{round(x, 9) + 0.0}")
    return NUMBER.sub(one, body)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("index")
    ap.add_argument("queries")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--params", default="", help="extra query string, e.g. '&explain=1'")
    ap.add_argument("--score-digits", type=int, default=0,
                    help="compare scores rounded to this many significant digits (0: exactly)")
    a = ap.parse_args()
    queries = read_queries(a.queries, a.count)
    differ = 0
    rounding = 0
    with services((a.old, a.index), (a.new, a.index)) as ports:
        for q in queries:
            old, new = (answer(port, q, a.params) for port in ports)
            if old != new and a.score_digits and rounded(old, a.score_digits) == rounded(new, a.score_digits):
                rounding += 1
            elif old != new:
                differ += 1
                if differ <= 3:
                    at = next(i for i in range(min(len(old), len(new)) + 1) if old[i:i + 1] != new[i:i + 1])
                    print(f"{q}:\n  old …{old[max(0, at - 80):at + 80]}\n  new …{new[max(0, at - 80):at + 80]}")
    if a.score_digits:
        print(f"{rounding} of {len(queries)} answers differ only in scores past {a.score_digits} digits")
    print(f"{differ} of {len(queries)} answers differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
