#!/usr/bin/env python3
"""Writes a seeded, realistic synthetic Jekyll corpus for benchmarks.

    bench/gen_corpus.py OUT_DIR N [--seed S] [--words W]

Each post has YAML front matter (title, author or authors, tags as a list or a string,
categories, date with a time zone, description), a body of about 600 words (--words) drawn from a
Zipf-distributed vocabulary, headings every few paragraphs, lists, links and code blocks.
The same seed and N always give the same files."""
import argparse
import bisect
import itertools
import math
import os
import random

SYLLABLES = ["ka", "lo", "mi", "ren", "tor", "sa", "vi", "nel", "dra", "pu", "qui", "zen", "bor", "ta",
             "gri", "mon", "le", "sha", "fi", "ul", "dor", "ne", "ix", "pra", "to", "ve", "co", "lan"]
ENGLISH = ("the of and to in a is that for it as was with be by on not he this are or his from at "
           "which but have an they you were her all she there would their we him been has when who "
           "will more no if out so said what up its about into than them can only other new some "
           "could time these two may then do first any my now such like our over man me even most "
           "made after also did many before must through back years where much your way well down "
           "should because each just those people how too little state good very make world still "
           "own see men work long get here between both life being under never day same another "
           "know while last might us great old year off come since against go came right used take").split()


def vocabulary(rng, size):
    words, seen = [], set(ENGLISH)
    words.extend(ENGLISH)
    while len(words) < size:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 2, 3, 3, 4])))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


class Zipf:
    def __init__(self, n, s, rng):
        weights = [1.0 / math.pow(k, s) for k in range(1, n + 1)]
        self.cum = list(itertools.accumulate(weights))
        self.rng = rng

    def index(self):
        return bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])


def sentence(rng, words, zipf, n):
    ws = [words[zipf.index()] for _ in range(n)]
    ws[0] = ws[0].capitalize()
    return " ".join(ws) + "."


def post(rng, i, words, zipf, tags, authors, cats, length=600):
    title_words = [words[min(len(words) - 1, 100 + zipf.index())] for _ in range(rng.randint(3, 8))]
    title = " ".join(title_words).capitalize() + f" {i}"
    year = 2014 + rng.randint(0, 11)
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00 +0{rng.randint(0, 9)}00"
    slug = "-".join(title_words[:5]) + f"-{i}"
    fm = ["---", f"title: \"{title}\""]
    if rng.random() < 0.2:
        fm.append("authors: [" + ", ".join(rng.sample(authors, 2)) + "]")
    else:
        fm.append(f"author: {rng.choice(authors)}")
    ptags = rng.sample(tags, rng.randint(1, 5))
    fm.append("tags: " + (" ".join(ptags) if rng.random() < 0.3 else "[" + ", ".join(ptags) + "]"))
    fm.append(f"categories: [{rng.choice(cats)}]")
    fm.append(f"date: {date}")
    fm.append(f"description: \"{sentence(rng, words, zipf, 12)}\"")
    fm.append("---")
    body, n_words = [], int(rng.lognormvariate(math.log(length), 0.5))
    written = 0
    while written < n_words:
        r = rng.random()
        if r < 0.12:
            body.append("## " + " ".join(words[zipf.index()] for _ in range(rng.randint(2, 5))).capitalize())
        elif r < 0.18:
            body.append("```\n" + "\n".join(f"let {words[zipf.index()]} = {rng.randint(0, 999)};" for _ in range(rng.randint(2, 8))) + "\n```")
        elif r < 0.24:
            body.append("\n".join("- " + sentence(rng, words, zipf, rng.randint(4, 10)) for _ in range(rng.randint(2, 5))))
        else:
            n = rng.randint(30, 90)
            para = " ".join(sentence(rng, words, zipf, rng.randint(6, 18)) for _ in range(max(1, n // 12)))
            if rng.random() < 0.2:
                para += f" See [{words[zipf.index()]}](https://example.org/{words[zipf.index()]})."
            body.append(para)
            written += n
    return year, slug, "\n".join(fm) + "\n\n" + "\n\n".join(body) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--words", type=int, default=600, help="typical body length (lognormal median)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    words = vocabulary(rng, 60000)
    zipf = Zipf(len(words), 1.07, rng)
    tags = [words[200 + k] for k in range(300)]
    authors = ["author" + str(k) for k in range(60)]
    cats = ["news", "engineering", "travel", "food", "notes", "releases", "science", "culture"]
    posts_dir = os.path.join(a.out, "_posts")
    os.makedirs(posts_dir, exist_ok=True)
    with open(os.path.join(a.out, "_config.yml"), "w") as f:
        f.write("title: Synthetic corpus\npermalink: /:categories/:year/:month/:day/:title/\n")
    for i in range(a.n):
        year, slug, text = post(rng, i, words, zipf, tags, authors, cats, a.words)
        date = text.split("date: ")[1][:10]
        with open(os.path.join(posts_dir, f"{date}-{slug}.md"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
