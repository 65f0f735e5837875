#!/usr/bin/env python3
"""Relevance benchmark: runs a queries.tsv through the search library with its default
behaviour, writes a TREC run, and scores it against a qrels.tsv.

    bench/relevance.py CORPUS_DIR [--queries Q.tsv --qrels R.tsv] [--out run.trec]
    bench/relevance.py --titles CORPUS_DIR...   (known-item title queries, as
                                                 ../shared/peers/make-title-queries.py makes;
                                                 $PEERS_DIR names that folder elsewhere)
    bench/relevance.py --titles --by-lang CORPUS_DIR...
                                                (every eligible title, scored per language
                                                 of the post as the index has it)
    bench/relevance.py --titles --longest 300 CORPUS_DIR...
                                                (the whole titles of the 300 longest posts:
                                                 where length normalisation weighs most)

Measures: nDCG@10 (linear gains), MAP over the top 100, recall@100, and the per-query
latency of the in-process loop."""
import argparse
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(__file__))
import benchlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def read_qrels(path):
    q = defaultdict(dict)
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if len(parts) == 3:
            q[parts[0]][parts[1]] = int(parts[2])
        elif len(parts) == 4:
            q[parts[0]][parts[2]] = int(parts[3])
    return q


def read_run(path):
    r = defaultdict(list)
    for line in open(path, encoding="utf-8"):
        qid, _, doc, rank, *_ = line.split()
        if doc not in r[qid]:
            r[qid].append(doc)
    return r


def score(qrels, run, qids):
    nd, ap, rec = [], [], []
    for qid in qids:
        rel = qrels.get(qid, {})
        R = sum(1 for g in rel.values() if g > 0)
        if R == 0:
            continue
        docs = run.get(qid, [])[:100]
        dcg = sum(max(rel.get(d, 0), 0) / math.log2(i + 2) for i, d in enumerate(docs[:10]))
        ideal = sorted((g for g in rel.values() if g > 0), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        nd.append(dcg / idcg if idcg else 0)
        hits, s = 0, 0.0
        for k, d in enumerate(docs, 1):
            if rel.get(d, 0) > 0:
                hits += 1
                s += hits / k
        ap.append(s / R)
        rec.append(hits / R)
    n = len(nd)
    return (sum(nd) / n, sum(ap) / n, sum(rec) / n, n) if n else (0, 0, 0, 0)


def timing(path):
    kv = dict(line.strip().split("=", 1) for line in open(path + ".timing") if "=" in line)
    return float(kv["mean_ms"]), float(kv["p95_ms"])


def evaluate(corpus, queries, qrels_path, out, tmp, qids=None):
    idx = os.path.join(tmp, "idx")
    if not os.path.exists(idx):
        subprocess.run([os.path.join(HERE, "peer.sh"), "index", corpus, idx], check=True)
    if not os.path.exists(out):
        subprocess.run([os.path.join(HERE, "peer.sh"), "query", idx, queries, out], check=True,
                       stderr=subprocess.DEVNULL)
    if qids is None:
        qids = [line.split("\t", 1)[0] for line in open(queries, encoding="utf-8") if "\t" in line]
    return score(read_qrels(qrels_path), read_run(out), qids) + timing(out)


def languages(idx):
    """{docid: language} as the index has it (the peer index keeps a path -> docid map)."""
    query = benchlib.binary("query", "query")
    docid = dict(line.rstrip("\n").split("\t", 1) for line in open(os.path.join(idx, "_peer_docmap.tsv")))
    info = json.loads(subprocess.run([query, "--index", os.path.join(idx, "db"), "--json", "--per-page", "1",
                                      "--facet-limit", "100"], capture_output=True, text=True).stdout)
    out = {}
    for v in info["facets"]["langs"]["values"]:
        for page in range(1, 1000):
            r = json.loads(subprocess.run([query, "--index", os.path.join(idx, "db"), "--json", "--no-facets",
                                           "--lang", v["value"], "--per-page", "100", "--page", str(page)],
                                          capture_output=True, text=True).stdout)
            for h in r["hits"]:
                out[docid.get(h["id"], h["id"])] = v["value"]
            if len(r["hits"]) < 100:
                break
    return out


def by_language(corpus, tmp):
    """Rows of (language, scores) over every eligible title query of the corpus."""
    queries, qrels = title_queries(corpus, tmp, n=1_000_000)
    out = os.path.join(tmp, "run.trec")
    evaluate(corpus, queries, qrels, out, tmp)
    lang_of = languages(os.path.join(tmp, "idx"))
    groups = defaultdict(list)
    for qid, rel in read_qrels(qrels).items():
        groups[lang_of.get(next(iter(rel)), "?")].append(qid)
    return [(lang, evaluate(corpus, queries, qrels, out, tmp, sorted(q))) for lang, q in sorted(groups.items())]


def title_queries(corpus, tmp, n=200):
    """The same sample as ../shared/peers/make-title-queries.py, without its YAML dependency
    when that script is not at hand."""
    peers = os.path.join(os.environ.get("PEERS_DIR", os.path.join(HERE, "..", "..", "shared", "peers")),
                         "make-title-queries.py")
    out = os.path.join(tmp, "titles")
    if os.path.exists(peers):
        subprocess.run(["/usr/bin/python3", peers, corpus, out, str(n)], check=True, stdout=subprocess.DEVNULL)
        return os.path.join(out, "queries.tsv"), os.path.join(out, "qrels.tsv")
    raise SystemExit("needs ../shared/peers/make-title-queries.py (or $PEERS_DIR/make-title-queries.py)")


def longest_title_queries(corpus, tmp, n):
    """Known-item title queries of the corpus's n longest posts (by body), titles with two
    words or more that no other post has: the pages where BM25's length normalisation weighs
    most against a title."""
    peers = os.environ.get("PEERS_DIR", os.path.join(HERE, "..", "..", "shared", "peers"))
    sys.path.insert(0, peers)
    from posts import iter_posts  # noqa: E402  (../shared/peers: the same post reader as the peers)
    posts = [(len(d["body"]), d["docid"], re.sub(r"\s+", " ", d["title"]).strip()) for d in iter_posts(corpus)]
    count = defaultdict(int)
    for _, _, t in posts:
        count[t.lower()] += 1
    eligible = [p for p in posts if p[2] and len(re.findall(r"\w+", p[2])) >= 2 and count[p[2].lower()] == 1]
    eligible.sort(key=lambda p: (-p[0], p[1]))
    out = os.path.join(tmp, "longest")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "queries.tsv"), "w", encoding="utf-8") as fq, \
            open(os.path.join(out, "qrels.tsv"), "w", encoding="utf-8") as fr:
        for i, (_, docid, title) in enumerate(eligible[:n], 1):
            fq.write(f"l{i:04d}\t{title}\n")
            fr.write(f"l{i:04d}\t{docid}\t1\n")
    return os.path.join(out, "queries.tsv"), os.path.join(out, "qrels.tsv")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", nargs="+")
    ap.add_argument("--queries")
    ap.add_argument("--qrels")
    ap.add_argument("--out")
    ap.add_argument("--titles", action="store_true", help="known-item title queries")
    ap.add_argument("--by-lang", action="store_true", help="with --titles: every eligible title, per language")
    ap.add_argument("--longest", type=int, metavar="N",
                    help="with --titles: the titles of the N longest posts instead of a sample")
    a = ap.parse_args()
    print(f"machine: {benchlib.machine()}")
    print(f"command: bench/relevance.py {' '.join(sys.argv[1:])}\n")
    print("| corpus | queries | nDCG@10 | MAP | R@100 | mean ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for corpus in a.corpora:
        with tempfile.TemporaryDirectory(prefix="psrel-") as tmp:
            name = os.path.basename(os.path.abspath(corpus))
            if a.titles and a.by_lang:
                for lang, (nd, mp, rc, n, mean, p95) in by_language(corpus, tmp):
                    print(f"| {name} [{lang}] | {n} | {nd:.3f} | {mp:.3f} | {rc:.3f} | {mean:.2f} | {p95:.2f} |",
                          flush=True)
                continue
            if a.titles and a.longest:
                queries, qrels = longest_title_queries(corpus, tmp, a.longest)
            elif a.titles:
                queries, qrels = title_queries(corpus, tmp)
            else:
                queries = a.queries or os.path.join(corpus, "queries.tsv")
                qrels = a.qrels or os.path.join(corpus, "qrels.tsv")
            out = a.out or os.path.join(tmp, "run.trec")
            nd, mp, rc, n, mean, p95 = evaluate(corpus, queries, qrels, out, tmp)
            print(f"| {name} | {n} | {nd:.3f} | {mp:.3f} | {rc:.3f} | {mean:.2f} | {p95:.2f} |", flush=True)


if __name__ == "__main__":
    main()
