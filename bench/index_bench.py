#!/usr/bin/env python3
"""Indexing benchmark: postsearch's indexer beside a plain single-writer Xapian loop.

    bench/index_bench.py [--runs N] [--touch] CORPUS_DIR...
    bench/index_bench.py --publish [--old OLD_INDEXER] [--runs N] SITE_DIR...

For each corpus folder (any folder of Markdown posts; ../shared/corpora/NAME/posts works)
prints posts/s, MB/s of source, peak RSS and index size for a cold full index, the same
for the plain loop (TermGenerator with positions, one replace_document per file, one
commit), and their ratio; medians of N runs, measured in one run side by side. With
--touch it also times a re-index after one post changed.

With --publish it times what a publish hook pays on a site (a Jekyll or Hugo folder, copied
first): a run with nothing changed and a run with one post changed, each binary on its own
index of the same copy, the new binary (this build) and --old alternated in every round;
medians of N rounds, and where the new binary's no-change run spends its time."""
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


def timed_json(args):
    s, _, out = benchlib.timed(args)
    return s, json.loads(out)


def publish_corpus(site, runs, old, tmp):
    """Medians of no-change and one-change runs of each binary, alternated round by round."""
    binaries = {"new": benchlib.binary("indexer", "indexer")}
    if old:
        binaries["old"] = os.path.abspath(old)
    work = os.path.join(tmp, "site")
    shutil.copytree(site, work, symlinks=True)
    markdown = sorted(os.path.join(r, f) for r, _, fs in os.walk(work) for f in fs
                      if f.endswith((".md", ".markdown")) and "/." not in r)
    posts = [p for p in markdown if "/_posts/" in p or "/content/" in p] or markdown
    victim = posts[len(posts) // 2]
    row = {"site": os.path.basename(site.rstrip("/")), "posts": len(posts)}
    for name, binary in binaries.items():
        s, summary = timed_json([binary, work, "--index", os.path.join(tmp, name), "--json", "-q"])
        row[f"{name}_cold"] = s
        row[f"{name}_index"] = summary["index_bytes"]
        row["documents"] = summary["documents"]
    quiet, changed, phases = {n: [] for n in binaries}, {n: [] for n in binaries}, []
    for i in range(runs):
        with open(victim, "a") as f:
            f.write(f"\nPublished again, round {i}.\n")
        for name, binary in binaries.items():
            s, summary = timed_json([binary, work, "--index", os.path.join(tmp, name), "--json", "-q"])
            assert summary["updated"] == 1, summary
            changed[name].append(s)
        for name, binary in binaries.items():
            s, summary = timed_json([binary, work, "--index", os.path.join(tmp, name), "--json", "-q"])
            assert summary["updated"] == 0 and summary["added"] == 0, summary
            quiet[name].append(s)
            if name == "new":
                phases.append(summary["phases"])
    for name in binaries:
        row[f"{name}_quiet"] = benchlib.median(quiet[name])
        row[f"{name}_changed"] = benchlib.median(changed[name])
    row["phases"] = {p: benchlib.median([dict(r)[p] for r in phases]) for p, _ in phases[0]}
    return row


def publish_main(a):
    old = " --old " + a.old if a.old else ""
    print(f"machine: {benchlib.machine()}")
    print(f"command: bench/index_bench.py --publish --runs {a.runs}{old} {' '.join(a.corpora)}\n")
    names = ["new", "old"] if a.old else ["new"]
    head = "| site | posts | documents |"
    for n in names:
        head += f" {n}: cold s | {n}: index MiB | {n}: nothing changed s | {n}: one post changed s |"
    print(head)
    print("|---|---:|---:|" + "---:|" * 4 * len(names))
    rows = []
    for corpus in a.corpora:
        with tempfile.TemporaryDirectory(prefix="psbench-") as tmp:
            r = publish_corpus(corpus, a.runs, a.old, tmp)
        rows.append(r)
        line = f"| {r['site']} | {r['posts']} | {r['documents']} |"
        for n in names:
            line += (f" {r[n + '_cold']:.1f} | {r[n + '_index'] / 2**20:.1f} | {r[n + '_quiet']:.3f} | "
                     f"{r[n + '_changed']:.3f} |")
        print(line, flush=True)
    for r in rows:
        spent = ", ".join(f"{p} {s * 1000:.1f} ms" for p, s in r["phases"].items())
        print(f"\n{r['site']}, new binary, nothing changed (median per phase): {spent}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", nargs="+")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--touch", action="store_true")
    ap.add_argument("--publish", action="store_true", help="time no-change and one-change publishes of sites")
    ap.add_argument("--old", help="with --publish: another indexer binary to alternate with")
    a = ap.parse_args()
    if a.publish:
        publish_main(a)
        return
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
