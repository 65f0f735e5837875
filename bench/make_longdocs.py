#!/usr/bin/env python3
"""Builds `longdocs`, a Jekyll site of 10,000+ real documentation pages with code, for the
benchmarks that need long posts (HTTP throughput, publish time, index size, scaling):

    bench/make_longdocs.py CPP_DOCS RFCS OUT_DIR

CPP_DOCS is a clone of https://github.com/MicrosoftDocs/cpp-docs (CC BY 4.0, code MIT):
9,753 Markdown pages, 45 MB, reference pages with long code blocks and many headings. RFCS is
a clone of https://github.com/rust-lang/rfcs (MIT / Apache-2.0): 648 long design documents.
Either may be a work tree or a bare mirror: files are read with `git show HEAD:PATH`, so what
is measured is the committed text, whatever the work tree holds. Nothing is downloaded.

Each page becomes `_posts/YYYY-MM-DD-SLUG.md` with YAML front matter `title`, `date`,
`categories` (the documentation area: `standard-library`, `mfc`, `rfcs`, ...), `tags`
(cpp-docs' `ms.topic`; RFCs: none) and, where the page has one, `description`; the body is the
page unchanged. OUT_DIR/SOURCE.txt records the two commits; OUT_DIR/STATS.json the counts.
The conversion is deterministic: the same commits give the same site byte for byte."""
import json
import os
import re
import subprocess
import sys

import yaml

FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
DEFAULT_DATE = "2019-01-01"


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def commit_of(repo):
    return git(repo, "rev-parse", "HEAD").decode().strip()


def markdown_paths(repo, under):
    names = git(repo, "ls-tree", "-r", "--name-only", "HEAD", under).decode().splitlines()
    return sorted(n for n in names if n.endswith(".md"))


def read_blobs(repo, paths):
    """{path: text} for paths at HEAD, in one `git cat-file --batch` (12,000 `git show` calls
    take minutes)."""
    request = "".join(f"HEAD:{p}\n" for p in paths).encode()
    out = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], input=request,
                         check=True, capture_output=True).stdout
    texts, pos = {}, 0
    for path in paths:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        body = out[header_end + 1:header_end + 1 + size]
        texts[path] = body.decode("utf-8", errors="replace").lstrip("\ufeff").replace("\r\n", "\n")
        pos = header_end + 1 + size + 1
    return texts


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def us_date(text):
    """cpp-docs' `ms.date` is M/D/YYYY; ISO otherwise; the default when absent or invalid."""
    m = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", str(text or ""))
    if m and 1 <= int(m[1]) <= 12 and 1 <= int(m[2]) <= 28:
        return f"{m[3]}-{int(m[1]):02d}-{int(m[2]):02d}"
    return DEFAULT_DATE


def split_front(text):
    m = FRONT.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m[1]) or {}
    except yaml.YAMLError:
        meta = {}
    return (meta if isinstance(meta, dict) else {}), text[m.end():]


def first_heading(body):
    m = re.search(r"^#\s+(.+?)\s*#*\s*$", body, re.M)
    return m[1].replace("`", "") if m else None


def cpp_page(path, text):
    meta, body = split_front(text)
    area = path.split("/")[1] if path.count("/") > 1 else "docs"
    title = str(meta.get("title") or first_heading(body) or os.path.basename(path)[:-3])
    page = {"title": title, "date": us_date(meta.get("ms.date")), "categories": [area]}
    topic = meta.get("ms.topic")
    page["tags"] = [str(topic)] if topic else []
    if meta.get("description"):
        page["description"] = str(meta["description"])
    return page, body, slug(path[len("docs/"):-3])


def rfc_page(path, text):
    name = os.path.basename(path)[:-3]
    number, _, words = name.partition("-")
    m = re.search(r"Start Date:\s*(\d{4})-(\d{2})-(\d{2})", text)
    date = f"{m[1]}-{m[2]}-{min(int(m[3]), 28):02d}" if m and "01" <= m[2] <= "12" else DEFAULT_DATE
    title = f"RFC {number}: " + words.replace("-", " ").capitalize()
    return {"title": title, "date": date, "categories": ["rfcs"], "tags": []}, text, slug(name)


def write_post(out, page, body, name, used):
    base = f"{page['date']}-{name}"
    unique, k = base, 2
    while unique in used:
        unique, k = f"{base}-{k}", k + 1
    used.add(unique)
    front = yaml.safe_dump(page, allow_unicode=True, sort_keys=False, width=1 << 20)
    with open(os.path.join(out, "_posts", unique + ".md"), "w", encoding="utf-8") as f:
        f.write(f"---\n{front}---\n\n{body.rstrip()}\n")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    cpp, rfcs, out = sys.argv[1:]
    os.makedirs(os.path.join(out, "_posts"), exist_ok=False)
    used, counts = set(), {}
    sources = [(cpp, "docs", cpp_page), (rfcs, "text", rfc_page)]
    for repo, under, convert in sources:
        paths = markdown_paths(repo, under)
        for path, text in read_blobs(repo, paths).items():
            page, body, name = convert(path, text)
            write_post(out, page, body, name, used)
            counts[page["categories"][0]] = counts.get(page["categories"][0], 0) + 1
    with open(os.path.join(out, "_config.yml"), "w") as f:
        f.write("title: longdocs\nurl: https://longdocs.example\npermalink: /:categories/:title/\n")
    with open(os.path.join(out, "SOURCE.txt"), "w") as f:
        f.write(f"https://github.com/MicrosoftDocs/cpp-docs {commit_of(cpp)} CC BY 4.0 (code: MIT)\n"
                f"https://github.com/rust-lang/rfcs {commit_of(rfcs)} MIT OR Apache-2.0\n")
    with open(os.path.join(out, "STATS.json"), "w") as f:
        json.dump({"posts": len(used), "by_category": counts}, f, indent=1, sort_keys=True)
    print(f"{out}: {len(used)} posts", file=sys.stderr)


if __name__ == "__main__":
    main()
