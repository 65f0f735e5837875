#!/usr/bin/env python3
"""Write N distinct, URL-encoded search queries with a misspelt word, drawn from a corpus's
post titles: one or two title words, one of them (of four letters or more, identifiers such
as `size_t` and `c4996` included) with one letter deleted, doubled, replaced or swapped with
the next. For comparing spelling corrections (bench/compare_answers.py).

    bench/make_typos.py CORPUS_DIR OUT [N=1000]"""
import random
import re
import sys
import urllib.parse
from pathlib import Path


def titles(root):
    out = []
    for p in sorted(Path(root).rglob("*.md")):
        with open(p, encoding="utf-8", errors="replace") as f:
            for i, line in enumerate(f):
                if i > 20:
                    break
                m = re.match(r'title:\s*["\']?(.*?)["\']?\s*$', line)
                if m:
                    out.append(m.group(1))
                    break
    return out


def misspell(word, rng):
    i = rng.randrange(len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[i + 1:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def main():
    root, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    words = [w for w in (re.findall(r"[A-Za-z0-9_]+", t.lower()) for t in titles(root)) if w]
    rng = random.Random(7)
    seen, qs = set(), []
    for _ in range(n * 50):
        if len(qs) == n:
            break
        w = rng.choice(words)
        typo = [x for x in w if len(x) >= 4]
        if not typo:
            continue
        bad = misspell(rng.choice(typo), rng)
        q = " ".join([bad] + rng.sample(w, min(len(w), rng.choice([0, 1]))))
        if q not in seen:
            seen.add(q)
            qs.append(urllib.parse.quote(q))
    Path(out).write_text("\n".join(qs) + "\n", encoding="utf-8")
    print(f"{len(qs)} queries from {len(words)} titles -> {out}")


if __name__ == "__main__":
    main()
