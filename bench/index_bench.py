#!/usr/bin/env python3
"""Indexing benchmark: postsearch's indexer beside a plain single-writer Xapian loop.

    bench/index_bench.py [--runs N] [--touch] CORPUS_DIR...

For each corpus folder (any folder of Markdown posts; ../shared/corpora/NAME/posts works)
prints posts/s, MB/s of source, peak RSS and index size for a cold full index, the same
for the plain loop (TermGenerator with positions, one replace_document per file, one
commit), and their ratio; medians of N runs, measured in one run side by side. With
--touch it also times a re-index after one post changed."""
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import benchlib  # noqa: E402


def source_stats(corpus):
    n, size = 0, 0
    for root, dirs, files in os.walk(corpus):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for f in files:
            if f.endswith((".md", ".markdown")):
                n += 1
                size += os.path.getsize(os.path.join(root, f))
    return n, size


def run_corpus(corpus, runs, touch, tmp):
    indexer = benchlib.binary("indexer", "indexer")
    loop = benchlib.binary("bench", "plain_loop")
    posts, size = source_stats(corpus)
    ours, base, rss, base_rss, summary = [], [], [], [], None
    idx = os.path.join(tmp, "idx")
    for _ in range(runs):
        shutil.rmtree(idx, ignore_errors=True)
        s, r, out = benchlib.timed([indexer, corpus, "--index", idx, "--generator", "plain", "--json", "-q"])
        ours.append(s)
        rss.append(r)
        summary = json.loads(out)
        base_idx = os.path.join(tmp, "plain")
        shutil.rmtree(base_idx, ignore_errors=True)
        s, r, _ = benchlib.timed([loop, corpus, base_idx])
        base.append(s)
        base_rss.append(r)
    row = {
        "corpus": os.path.basename(os.path.dirname(corpus.rstrip("/"))) if corpus.rstrip("/").endswith("posts")
        else os.path.basename(corpus.rstrip("/")),
        "posts": posts, "mb": size / 1e6, "failed": summary["failed"], "indexed": summary["documents"],
        "s": benchlib.median(ours), "rss": max(rss), "index": summary["index_bytes"],
        "plain_s": benchlib.median(base), "plain_rss": max(base_rss),
        "plain_index": benchlib.dir_bytes(os.path.join(tmp, "plain")),
    }
    if touch:
        victim = None
        for root, _, files in os.walk(corpus):
            for f in sorted(files):
                if f.endswith(".md"):
                    victim = os.path.join(root, f)
                    break
            if victim:
                break
        work = os.path.join(tmp, "site")
        shutil.copytree(corpus, work)
        benchlib.timed([indexer, work, "--index", idx + "-t", "--generator", "plain", "-q"])
        rel = os.path.relpath(victim, corpus)
        times = []
        for i in range(max(3, runs)):
            with open(os.path.join(work, rel), "a") as f:
                f.write(f"\nTouched {i}.\n")
            s, _, out = benchlib.timed([indexer, work, "--index", idx + "-t", "--generator", "plain", "--json", "-q"])
            assert json.loads(out)["updated"] == 1
            times.append(s)
        row["touch_s"] = benchlib.median(times)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", nargs="+")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--touch", action="store_true")
    a = ap.parse_args()
    print(f"machine: {benchlib.machine()}")
    print(f"command: bench/index_bench.py --runs {a.runs}{' --touch' if a.touch else ''} {' '.join(a.corpora)}\n")
    print("| corpus | posts | MB | failed | postsearch s | posts/s | MB/s | peak RSS MiB | index MiB "
          "| plain loop s | plain RSS MiB | plain index MiB | speed-up |" + (" touch one s |" if a.touch else ""))
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if a.touch else ""))
    for corpus in a.corpora:
        with tempfile.TemporaryDirectory(prefix="psbench-") as tmp:
            r = run_corpus(corpus, a.runs, a.touch, tmp)
        line = (f"| {r['corpus']} | {r['posts']} | {r['mb']:.1f} | {r['failed']} | {r['s']:.2f} | "
                f"{r['posts'] / r['s']:.0f} | {r['mb'] / r['s']:.2f} | {r['rss'] / 2**20:.0f} | "
                f"{r['index'] / 2**20:.1f} | {r['plain_s']:.2f} | {r['plain_rss'] / 2**20:.0f} | "
                f"{r['plain_index'] / 2**20:.1f} | {r['plain_s'] / r['s']:.2f}x |")
        if a.touch:
            line += f" {r['touch_s']:.3f} |"
        print(line, flush=True)


if __name__ == "__main__":
    main()
