#!/usr/bin/env python3
"""Converts a classic judged collection (SMART / Glasgow format) to the corpus layout of
../shared/corpora/cranfield: posts/<id>.md with front matter `id` and `title`, the
document's text unchanged as the body, queries.tsv (qid<TAB>text) and qrels.tsv
(qid<TAB>docid<TAB>grade; these collections judge relevant or not, so grade 1).

    bench/make_corpus.py med  SRC_DIR OUT_DIR   (SRC_DIR holds MED.ALL, MED.QRY, MED.REL)
    bench/make_corpus.py lisa SRC_DIR OUT_DIR   (SRC_DIR holds LISA?.??? , LISA.QUE, LISARJ.NUM)

It reads local files only; bench/corpora/README.md names where they come from."""
import json
import os
import re
import sys

RECORD = re.compile(r"^\.I\s+(\d+)\s*\n\.W\s*\n", re.M)


def read(path):
    with open(path, encoding="latin-1") as f:
        return f.read().replace("\r", "")


def records(text):
    """[(id, text)] of a file of `.I n` / `.W` records."""
    parts = RECORD.split(text)
    return [(parts[i], parts[i + 1].strip("\n")) for i in range(1, len(parts), 2)]


def one_line(text):
    return " ".join(text.split())


def med_title(text):
    """MED gives title and abstract as one text. The title is the lines before the first
    indented line (the abstract's first paragraph) when there is one near the top, else the
    text before the first " ." on the first two lines, else the first line; a leading
    record number ("3107. ") is not part of it."""
    lines = text.split("\n")
    k = next((j for j, line in enumerate(lines[:8]) if j > 0 and line.startswith("  ")), None)
    if k is not None:
        title = " ".join(lines[:k])
    else:
        head = " ".join(lines[:2])
        title = head.split(" .", 1)[0] if " ." in head else lines[0]
    return re.sub(r"^\d+\.\s+", "", one_line(title)).rstrip(" .")


def lisa_title(text):
    """LISA gives the title as the first paragraph."""
    return one_line(text.split("\n\n", 1)[0]).rstrip(" .")


def write_post(out, docid, title, body):
    with open(os.path.join(out, "posts", f"{docid}.md"), "w", encoding="utf-8") as f:
        f.write(f"---\nid: \"{docid}\"\ntitle: {json.dumps(title, ensure_ascii=False)}\n---\n\n")
        f.write("\n".join(line.rstrip() for line in body.rstrip().split("\n")) + "\n")


def med(src):
    docs = [(i, med_title(t), t) for i, t in records(read(os.path.join(src, "MED.ALL")))]
    queries = [(i, one_line(t)) for i, t in records(read(os.path.join(src, "MED.QRY")))]
    qrels = []
    for line in read(os.path.join(src, "MED.REL")).splitlines():
        f = line.split()
        if len(f) == 4 and int(f[3]) > 0:  # qid 0 docid grade
            qrels.append((f[0], f[2], 1))
    return docs, queries, qrels


def lisa(src):
    parts = sorted(p for p in os.listdir(src) if re.fullmatch(r"LISA\d\.\d{3}", p))
    docs = []
    for p in parts:
        docs += [(i, lisa_title(t), t) for i, t in records(read(os.path.join(src, p)))]
    queries = [(i, one_line(t)) for i, t in records(read(os.path.join(src, "LISA.QUE")))]
    qrels = []
    for line in read(os.path.join(src, "LISARJ.NUM")).splitlines():
        f = line.split()
        qrels += [(f[0], d, 1) for d in f[1:]]
    return docs, queries, qrels


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("med", "lisa"):
        raise SystemExit(__doc__)
    kind, src, out = sys.argv[1:]
    docs, queries, qrels = {"med": med, "lisa": lisa}[kind](src)
    os.makedirs(os.path.join(out, "posts"), exist_ok=True)
    seen = set()
    for docid, title, body in docs:
        if docid in seen:  # LISA1.501 repeats 1998-2001 (the copy lacks 1993-1997)
            print(f"warning: document {docid} appears twice; the first is kept", file=sys.stderr)
            continue
        seen.add(docid)
        write_post(out, docid, title, body)
    judged = {q for q, _, _ in qrels}
    with open(os.path.join(out, "queries.tsv"), "w", encoding="utf-8") as f:
        for qid, text in queries:
            if qid in judged:
                f.write(f"{qid}\t{text}\n")
    with open(os.path.join(out, "qrels.tsv"), "w", encoding="utf-8") as f:
        for qid, docid, grade in qrels:
            if docid not in seen:
                print(f"warning: qrels name document {docid} (query {qid}), not in the collection",
                      file=sys.stderr)
                continue
            f.write(f"{qid}\t{docid}\t{grade}\n")
    print(f"{kind}: {len(seen)} documents, {len(judged)} judged queries of {len(queries)}, "
          f"{len(qrels)} judgements -> {out}")


if __name__ == "__main__":
    main()
